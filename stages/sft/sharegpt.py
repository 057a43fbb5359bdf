"""LLaMA-Factory ShareGPT: a list of turns (`from`/`value` by default; tags from the entry), roles human, gpt,
function_call, observation and system, a `tools` column; its preference variant (`chosen`/`rejected` turns) and
its KTO variant (a `kto_tag` column). FastChat's files are the same layout with an `id`."""

from __future__ import annotations

import json
from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord, ToolCall
from stages.sft.common import RecordError, Unrepresentable, dumps, extra_columns, require_default_weights, split_system
from stages.sft.entry import MEDIA, DatasetEntry
from stages.sft.think import render_think, split_think


def _tool_calls(value: str) -> list[ToolCall]:
    """A function_call turn holds `{"name", "arguments"}` as JSON, or a list of them for parallel calls."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        raise RecordError(f"function_call turn is not JSON: {err}") from None
    calls = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(c, dict) and set(c) == {"name", "arguments"} for c in calls):
        raise RecordError("function_call turn must be {name, arguments} or a list of them")
    result = [ToolCall(name=c["name"], arguments=dumps(c["arguments"])) for c in calls]
    if _render_calls(result, isinstance(parsed, list)) != value:
        raise RecordError("function_call turn is not in the JSON layout refinery writes back; it would change")
    return result


def _render_calls(calls: list[ToolCall], as_list: bool) -> str:
    objects = [{"name": c.name, "arguments": json.loads(c.arguments)} for c in calls]
    return dumps(objects if as_list else objects[0])


def _message(turn: Any, entry: DatasetEntry) -> Message:
    tags = entry.tags
    if not isinstance(turn, dict) or not isinstance(turn.get(tags.content_tag), str):
        raise RecordError(f"a turn is not an object with text under {tags.content_tag!r}")
    role, value = turn.get(tags.role_tag), turn[tags.content_tag]
    if set(turn) - {tags.role_tag, tags.content_tag}:
        raise RecordError(f"a turn has keys besides {tags.role_tag!r}/{tags.content_tag!r}: {sorted(turn)}")
    if role == tags.user_tag:
        return Message(role="user", content=value)
    if role == tags.assistant_tag:
        reasoning, content = split_think(value)
        return Message(role="assistant", content=content, reasoning=reasoning)
    if role == tags.function_tag:
        return Message(role="assistant", tool_calls=_tool_calls(value))
    if role == tags.observation_tag:
        return Message(role="tool", content=value)
    if role == tags.system_tag:
        return Message(role="system", content=value)
    raise RecordError(f"unknown role {role!r} (tags: {tags.model_dump()})")


def read_sharegpt(row: dict[str, Any], entry: DatasetEntry, record_id: str, source: str) -> SftRecord:
    column = entry.column("messages")
    turns = row.get(column)
    if not isinstance(turns, list):
        raise RecordError(f"missing list column {column!r}")
    messages = [_message(turn, entry) for turn in turns]
    system = row.get(entry.columns.system) if entry.columns.system else None
    used = {column, entry.columns.system, entry.columns.tools, entry.columns.chosen, entry.columns.rejected}
    used |= {entry.columns.kto_tag, *(getattr(entry.columns, m) for m in MEDIA)}
    metadata = {key: value for key, value in row.items() if key not in used}
    for media in MEDIA:
        if getattr(entry.columns, media) in row:
            metadata[media] = row[getattr(entry.columns, media)]
    tools = row.get(entry.columns.tools) if entry.columns.tools else None
    if tools is not None and not isinstance(tools, str):
        tools = dumps(tools)  # LLaMA-Factory wants a JSON string; a list column is read as that list
    fields = dict(id=record_id, system=system, tools=tools, source=source, metadata=metadata)
    if entry.ranking:
        chosen, rejected = (_message(row.get(c), entry) for c in (entry.columns.chosen, entry.columns.rejected))
        return PreferenceRecord(prompt=messages, chosen=[chosen], rejected=[rejected], **fields)
    if entry.columns.kto_tag:
        label = row.get(entry.columns.kto_tag)
        if not isinstance(label, bool) or not messages or messages[-1].role != "assistant":
            raise RecordError("a KTO row needs a true/false tag and a conversation that ends with a reply")
        return PreferenceRecord(prompt=messages[:-1], chosen=messages[-1:], kto_label=label, **fields)
    return ConversationRecord(messages=messages, **fields)


def _turn(message: Message, entry: DatasetEntry) -> dict[str, str]:
    tags = entry.tags
    if message.tool_calls:
        if message.content or message.reasoning is not None:
            raise Unrepresentable("ShareGPT cannot hold text or reasoning on a function_call turn")
        role, value = tags.function_tag, _render_calls(message.tool_calls, len(message.tool_calls) > 1)
    else:
        role = {"user": tags.user_tag, "assistant": tags.assistant_tag, "tool": tags.observation_tag}.get(
            message.role, tags.system_tag
        )
        value = render_think(message.reasoning, message.content)
    return {tags.role_tag: role, tags.content_tag: value}


def write_sharegpt(record: SftRecord, entry: DatasetEntry) -> list[dict[str, Any]]:
    """One row. The system prompt goes to the entry's system column, or first turn when it has none."""
    column = entry.column("messages")
    if isinstance(record, ConversationRecord):
        system, turns = split_system(record.system, record.messages)
    else:
        system, turns = split_system(record.system, record.prompt)
    replies = record.chosen + record.rejected if isinstance(record, PreferenceRecord) else []
    require_default_weights(turns + replies, "ShareGPT")
    row: dict[str, Any] = {}
    if system is not None and entry.columns.system:
        row[entry.columns.system] = system
    elif system is not None:
        turns = [Message(role="system", content=system), *turns]
    if isinstance(record, PreferenceRecord) and record.kto_label is None:
        entry.ranking = True
        entry.columns.chosen, entry.columns.rejected = (
            entry.columns.chosen or "chosen",
            entry.columns.rejected or "rejected",
        )
        for name, reply in ((entry.columns.chosen, record.chosen), (entry.columns.rejected, record.rejected)):
            if len(reply) != 1:
                raise Unrepresentable(f"LLaMA-Factory preference data needs a {name} reply of exactly one turn")
            row[name] = _turn(reply[0], entry)
    elif isinstance(record, PreferenceRecord):
        if len(record.chosen) != 1:
            raise Unrepresentable("LLaMA-Factory KTO data needs a labelled reply of exactly one turn")
        entry.columns.kto_tag = entry.columns.kto_tag or "label"
        turns = [*turns, *record.chosen]
        row[entry.columns.kto_tag] = record.kto_label
    row[column] = [_turn(m, entry) for m in turns]
    if record.tools is not None:
        entry.columns.tools = entry.columns.tools or "tools"
        row[entry.columns.tools] = record.tools
    for key, value in extra_columns(record).items():
        if key in MEDIA:
            setattr(entry.columns, key, getattr(entry.columns, key) or key)
            row[getattr(entry.columns, key)] = value
        else:
            row.setdefault(key, value)
    return [row]
