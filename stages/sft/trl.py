"""TRL datasets: prompt/completion (SFT), prompt/chosen/rejected (DPO, reward), prompt/completion/label (KTO),
standard (strings) or conversational (message lists); chosen/rejected without a prompt (implicit prompt) is read
too. Writing is always conversational, the form TRL applies a model's chat template to."""

from __future__ import annotations

from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord
from stages.sft.common import (
    RecordError,
    Unrepresentable,
    dumps,
    extra_columns,
    loads_json_text,
    pair_from_conversations,
    require_default_weights,
)
from stages.sft.openai import message_from_openai, message_to_openai, split_leading_system, with_system

TRL_KEYS = ("prompt", "completion", "chosen", "rejected", "label", "tools")


def _turns(value: Any, role: str, what: str) -> list[Message]:
    if isinstance(value, str):  # standard (not conversational) TRL data
        return [Message(role=role, content=value)]
    if isinstance(value, list):
        return [message_from_openai(t) for t in value]
    raise RecordError(f"{what} is neither text nor a list of messages")


def read_trl(row: dict[str, Any], record_id: str, source: str) -> SftRecord:
    tools = row.get("tools")
    fields = dict(
        id=record_id,
        tools=None if tools is None else (tools if isinstance(tools, str) else dumps(tools)),
        source=source,
        metadata={k: v for k, v in row.items() if k not in TRL_KEYS},
    )
    if "chosen" in row and "rejected" in row:
        chosen = _turns(row["chosen"], "assistant", "chosen")
        rejected = _turns(row["rejected"], "assistant", "rejected")
        if "prompt" not in row:
            system, chosen = split_leading_system(chosen)
            _, rejected = split_leading_system(rejected)
            return pair_from_conversations(chosen, rejected, system=system, **fields)
        system, prompt = split_leading_system(_turns(row["prompt"], "user", "prompt"))
        return PreferenceRecord(system=system, prompt=prompt, chosen=chosen, rejected=rejected, **fields)
    if "prompt" not in row or "completion" not in row:
        raise RecordError("a TRL row needs prompt + completion or (prompt +) chosen + rejected")
    system, prompt = split_leading_system(_turns(row["prompt"], "user", "prompt"))
    completion = _turns(row["completion"], "assistant", "completion")
    if "label" in row:
        if not isinstance(row["label"], bool):
            raise RecordError("KTO label must be true or false")
        return PreferenceRecord(system=system, prompt=prompt, chosen=completion, kto_label=row["label"], **fields)
    return ConversationRecord(system=system, messages=prompt + completion, **fields)


def _messages(messages: list[Message]) -> list[dict[str, Any]]:
    return [message_to_openai(m, arguments_as_object=True) for m in messages]


def write_trl(record: SftRecord) -> list[dict[str, Any]]:
    row: dict[str, Any]
    if isinstance(record, ConversationRecord):
        require_default_weights(record.messages, "TRL prompt/completion")
        cut = len(record.messages)
        while cut and record.messages[cut - 1].role == "assistant":
            cut -= 1  # completion = the trailing assistant turns; TRL computes the loss on those only
        if cut == len(record.messages) or cut == 0:
            raise Unrepresentable("TRL prompt/completion needs a prompt followed by an assistant reply")
        row = {
            "prompt": _messages(with_system(record.system, record.messages[:cut])),
            "completion": _messages(record.messages[cut:]),
        }
    elif record.kto_label is not None:
        row = {
            "prompt": _messages(with_system(record.system, record.prompt)),
            "completion": _messages(record.chosen),
            "label": record.kto_label,
        }
    else:
        row = {
            "prompt": _messages(with_system(record.system, record.prompt)),
            "chosen": _messages(record.chosen),
            "rejected": _messages(record.rejected),
        }
    if record.tools is not None:
        row["tools"] = loads_json_text(record.tools, "tools")
    for key, value in extra_columns(record).items():
        row.setdefault(key, value)
    return [row]
