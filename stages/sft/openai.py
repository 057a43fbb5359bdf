"""OpenAI chat `messages` (also TRL's conversational turns): role/content, assistant `tool_calls`, tool turns
with `tool_call_id`, `reasoning_content` for chain of thought (the key chat templates such as Qwen3's read), and a
`tools` list."""

from __future__ import annotations

import json
from typing import Any

from schemas.conversation import ConversationRecord, Message, SftRecord, ToolCall
from stages.sft.common import (
    RecordError,
    Unrepresentable,
    dumps,
    extra_columns,
    loads_json_text,
    require_default_weights,
)

_ROLES = {"system", "user", "assistant", "tool"}


def _content(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in value):
        return "".join(p.get("text", "") for p in value)
    raise RecordError("message content is neither text nor a list of text parts (images are not supported yet)")


def message_from_openai(turn: Any) -> Message:
    if not isinstance(turn, dict) or turn.get("role") not in _ROLES:
        raise RecordError(f"a message is not an object with role in {sorted(_ROLES)}")
    extra = set(turn) - {"role", "content", "tool_calls", "reasoning_content", "tool_call_id", "name"}
    if extra:
        raise RecordError(f"a message has keys refinery does not map: {sorted(extra)}")
    calls = []
    for call in turn.get("tool_calls") or []:
        function = call.get("function", call) if isinstance(call, dict) else None
        if not isinstance(function, dict) or "name" not in function:
            raise RecordError("a tool call has no function name")
        arguments = function.get("arguments", {})
        calls.append(
            ToolCall(
                name=function["name"],
                arguments=arguments if isinstance(arguments, str) else dumps(arguments),
                id=call.get("id"),
            )
        )
    return Message(
        role=turn["role"],
        content=_content(turn.get("content")),
        reasoning=turn.get("reasoning_content"),
        tool_calls=calls,
        tool_call_id=turn.get("tool_call_id"),
    )


def message_to_openai(message: Message, arguments_as_object: bool = False) -> dict[str, Any]:
    """`arguments_as_object`: chat templates (TRL) iterate over the arguments, the OpenAI API sends a string."""
    turn: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.reasoning is not None:
        turn["reasoning_content"] = message.reasoning
    if message.tool_calls:
        turn["tool_calls"] = [
            {
                **({"id": c.id} if c.id is not None else {}),
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": json.loads(c.arguments) if arguments_as_object else c.arguments,
                },
            }
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        turn["tool_call_id"] = message.tool_call_id
    return turn


def split_leading_system(messages: list[Message]) -> tuple[str | None, list[Message]]:
    if messages and messages[0].role == "system" and not messages[0].tool_calls and messages[0].reasoning is None:
        return messages[0].content, messages[1:]
    return None, messages


def read_openai(row: dict[str, Any], record_id: str, source: str) -> SftRecord:
    if not isinstance(row.get("messages"), list):
        raise RecordError("missing list column 'messages'")
    system, messages = split_leading_system([message_from_openai(t) for t in row["messages"]])
    tools = row.get("tools")
    metadata = {k: v for k, v in row.items() if k not in ("messages", "tools")}
    return ConversationRecord(
        id=record_id,
        system=system,
        messages=messages,
        tools=None if tools is None else dumps(tools),
        source=source,
        metadata=metadata,
    )


def with_system(system: str | None, messages: list[Message]) -> list[Message]:
    return messages if system is None else [Message(role="system", content=system), *messages]


def write_openai(record: SftRecord) -> list[dict[str, Any]]:
    if not isinstance(record, ConversationRecord):
        raise Unrepresentable("OpenAI messages hold one conversation, not a preference pair or KTO label")
    require_default_weights(record.messages, "OpenAI messages")
    row: dict[str, Any] = {"messages": [message_to_openai(m) for m in with_system(record.system, record.messages)]}
    if record.tools is not None:
        row["tools"] = loads_json_text(record.tools, "tools")
    for key, value in extra_columns(record).items():
        row.setdefault(key, value)
    return [row]
