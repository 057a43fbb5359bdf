"""Anthropic HH-RLHF: `chosen` and `rejected` are whole transcripts ("\\n\\nHuman: ...\\n\\nAssistant: ...") that
share everything but the last assistant reply."""

from __future__ import annotations

import re
from typing import Any

from schemas.conversation import Message, PreferenceRecord, SftRecord
from stages.sft.common import (
    RecordError,
    Unrepresentable,
    extra_columns,
    pair_from_conversations,
    require_plain_turns,
    split_system,
)

_SPEAKERS = {"Human": "user", "Assistant": "assistant"}
_TAG = {"user": "Human", "assistant": "Assistant"}
_SPLIT = re.compile(r"\n\n(Human|Assistant): ")


def parse_transcript(text: str) -> list[Message]:
    parts = _SPLIT.split(text)
    if parts[0] != "":
        raise RecordError("transcript does not start with '\\n\\nHuman: '")
    messages = [Message(role=_SPEAKERS[parts[i]], content=parts[i + 1]) for i in range(1, len(parts), 2)]
    if render_transcript(messages) != text:
        raise RecordError("transcript does not split cleanly into Human/Assistant turns")
    return messages


def render_transcript(messages: list[Message]) -> str:
    return "".join(f"\n\n{_TAG[m.role]}: {m.content}" for m in messages)


def read_hh(row: dict[str, Any], record_id: str, source: str) -> SftRecord:
    if not isinstance(row.get("chosen"), str) or not isinstance(row.get("rejected"), str):
        raise RecordError("an HH row needs chosen and rejected transcripts")
    chosen, rejected = parse_transcript(row["chosen"]), parse_transcript(row["rejected"])
    if not chosen or chosen[-1].role != "assistant" or not rejected or rejected[-1].role != "assistant":
        raise RecordError("a transcript does not end with an Assistant reply")
    metadata = {k: v for k, v in row.items() if k not in ("chosen", "rejected")}
    # Usually only the last reply differs; a few transcripts part earlier, and then the replies are several turns.
    return pair_from_conversations(chosen, rejected, id=record_id, source=source, metadata=metadata)


def write_hh(record: SftRecord) -> list[dict[str, Any]]:
    if not isinstance(record, PreferenceRecord) or record.kto_label is not None:
        raise Unrepresentable("HH transcripts hold a chosen/rejected pair only")
    system, prompt = split_system(record.system, record.prompt)
    if system is not None or record.tools is not None:
        raise Unrepresentable("HH transcripts have no system prompt or tools")
    turns = prompt + record.chosen + record.rejected
    require_plain_turns(turns, "HH transcripts", reasoning_ok=False)
    row: dict[str, Any] = {
        "chosen": render_transcript(prompt + record.chosen),
        "rejected": render_transcript(prompt + record.rejected),
    }
    for key, value in extra_columns(record).items():
        row.setdefault(key, value)
    return [row]
