"""Shared pieces of the SFT readers and writers: the two ways a record can fail, and message helpers."""

from __future__ import annotations

import json
from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord


class RecordError(ValueError):
    """A source row that cannot be read as a record (goes to errors.jsonl)."""


class Unrepresentable(ValueError):
    """A record the target format cannot hold without losing something (goes to rejected.jsonl)."""


def split_system(system: str | None, messages: list[Message]) -> tuple[str | None, list[Message]]:
    """The system prompt and the turns after it. Some readers keep a leading system turn (to keep its loss
    weight); writers with a system slot of their own take it from there."""
    if system is None and messages and messages[0].role == "system" and not messages[0].tool_calls:
        return messages[0].content, messages[1:]
    return system, messages


def conversation_turns(record: SftRecord) -> list[Message]:
    """All turns of a conversation record, or prompt + chosen of a preference record."""
    if isinstance(record, ConversationRecord):
        return record.messages
    return record.prompt + record.chosen


def require_plain_turns(messages: list[Message], target: str, reasoning_ok: bool = True) -> None:
    """Formats without tool support: refuse tool calls and tool results rather than flatten them."""
    for message in messages:
        if message.tool_calls:
            raise Unrepresentable(f"tool calls do not fit {target}")
        if message.role == "tool":
            raise Unrepresentable(f"tool results do not fit {target}")
        if message.role == "system":
            raise Unrepresentable(f"a system turn after the first does not fit {target}")
        if not reasoning_ok and message.reasoning is not None:
            raise Unrepresentable(f"reasoning does not fit {target}")


def common_prefix(first: list[Any], second: list[Any]) -> int:
    n = 0
    while n < min(len(first), len(second)) and first[n] == second[n]:
        n += 1
    return n


def pair_from_conversations(chosen: list[Message], rejected: list[Message], **fields: Any) -> PreferenceRecord:
    """A preference record from two full conversations (implicit prompt): the shared turns are the prompt."""
    n = common_prefix(chosen, rejected)
    while n and chosen[n - 1].role == "assistant":  # the judged reply starts after the last shared user/tool turn
        n -= 1
    if n == 0 or n == len(chosen) or n == len(rejected):
        raise RecordError("chosen and rejected share no prompt, or one of them has no reply after it")
    return PreferenceRecord(prompt=chosen[:n], chosen=chosen[n:], rejected=rejected[n:], **fields)


def extra_columns(record: SftRecord) -> dict[str, Any]:
    """Source columns to write back. Keys starting with `_` are layout notes of one format (an empty history,
    a missing input column) that only that format's writer reads."""
    return {key: value for key, value in record.metadata.items() if not key.startswith("_")}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads_json_text(text: Any, what: str) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise Unrepresentable(f"{what} is not valid JSON: {err}") from None


def require_default_weights(messages: list[Message], target: str) -> None:
    """Formats without per-turn weights train on assistant turns only; other weights would be lost."""
    for message in messages:
        default = 1.0 if message.role == "assistant" else 0.0
        if message.loss_weight is not None and message.loss_weight != default:
            raise Unrepresentable(
                f"{target} cannot hold a loss weight of {message.loss_weight} on a {message.role} turn"
            )
