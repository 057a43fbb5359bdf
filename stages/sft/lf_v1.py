"""LLaMA-Factory v1 messages: turns whose content is a list of typed parts (`text`, `reasoning`, `tool_call`),
an optional per-turn `loss_weight`, a `tools` JSON string; preference rows as two full conversations
(`chosen_messages` / `rejected_messages`)."""

from __future__ import annotations

import json
from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord, ToolCall
from stages.sft.common import RecordError, Unrepresentable, dumps, extra_columns, pair_from_conversations

_ROLES = {"system", "user", "assistant", "tool"}


def _message(turn: Any) -> Message:
    if not isinstance(turn, dict) or turn.get("role") not in _ROLES or not isinstance(turn.get("content"), list):
        raise RecordError("a v1 turn needs a role and a list of content parts")
    if set(turn) - {"role", "content", "loss_weight"}:
        raise RecordError(f"a v1 turn has keys refinery does not map: {sorted(turn)}")
    reasoning, texts, calls = None, [], []
    for part in turn["content"]:
        kind, value = part.get("type"), part.get("value")
        if set(part) != {"type", "value"} or not isinstance(value, str):
            raise RecordError("a content part needs exactly type and a text value")
        if kind == "reasoning" and reasoning is None and not texts and not calls:
            reasoning = value
        elif kind == "text" and not texts and not calls:
            texts.append(value)
        elif kind == "tool_call":
            try:
                call = json.loads(value)
                calls.append(ToolCall(name=call["name"], arguments=dumps(call["arguments"])))
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise RecordError(f"a tool_call part is not {{name, arguments}} JSON: {err}") from None
            if _render_call(calls[-1]) != value:
                raise RecordError("a tool_call part is not in the JSON layout refinery writes back")
        else:
            # Only reasoning, then one text, then tool calls maps onto a Message without losing the order.
            raise RecordError(f"content part {kind!r} in an order or number refinery cannot keep")
    return Message(
        role=turn["role"],
        content=texts[0] if texts else "",
        reasoning=reasoning,
        tool_calls=calls,
        loss_weight=turn.get("loss_weight"),
    )


def _render_call(call: ToolCall) -> str:
    return dumps({"name": call.name, "arguments": json.loads(call.arguments)})


def read_lf_v1(row: dict[str, Any], record_id: str, source: str) -> SftRecord:
    tools = row.get("tools")
    fields = dict(
        id=record_id,
        tools=tools if tools is None or isinstance(tools, str) else dumps(tools),
        source=source,
        metadata={
            k: v for k, v in row.items() if k not in ("messages", "chosen_messages", "rejected_messages", "tools")
        },
    )
    if "chosen_messages" in row:
        chosen = [_message(t) for t in row.get("chosen_messages") or []]
        rejected = [_message(t) for t in row.get("rejected_messages") or []]
        return pair_from_conversations(chosen, rejected, **fields)
    if not isinstance(row.get("messages"), list):
        raise RecordError("missing list column 'messages'")
    # System turns stay turns here: they carry their own loss weight.
    return ConversationRecord(messages=[_message(t) for t in row["messages"]], **fields)


def _turn(message: Message) -> dict[str, Any]:
    parts = []
    if message.reasoning is not None:
        parts.append({"type": "reasoning", "value": message.reasoning})
    if message.content or not message.tool_calls:
        parts.append({"type": "text", "value": message.content})
    parts += [{"type": "tool_call", "value": _render_call(c)} for c in message.tool_calls]
    turn: dict[str, Any] = {"role": message.role, "content": parts}
    if message.loss_weight is not None:
        turn["loss_weight"] = message.loss_weight
    return turn


def _with_system(system: str | None, messages: list[Message]) -> list[Message]:
    return messages if system is None else [Message(role="system", content=system), *messages]


def write_lf_v1(record: SftRecord) -> list[dict[str, Any]]:
    if isinstance(record, PreferenceRecord) and record.kto_label is not None:
        raise Unrepresentable("LLaMA-Factory v1 messages have no KTO label")
    if isinstance(record, ConversationRecord):
        row: dict[str, Any] = {"messages": [_turn(m) for m in _with_system(record.system, record.messages)]}
    else:
        prompt = _with_system(record.system, record.prompt)
        row = {
            "chosen_messages": [_turn(m) for m in prompt + record.chosen],
            "rejected_messages": [_turn(m) for m in prompt + record.rejected],
        }
    if record.tools is not None:
        row["tools"] = record.tools
    for key, value in extra_columns(record).items():
        row.setdefault(key, value)
    return [row]
