"""LLaMA-Factory Alpaca: `instruction`/`input`/`output` (+ `system`, `history`, `tools`), its preference variant
(`chosen`/`rejected` strings) and its KTO variant (a `kto_tag` column). Column names come from the entry."""

from __future__ import annotations

from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord
from stages.sft.common import RecordError, Unrepresentable, require_default_weights, require_plain_turns, split_system
from stages.sft.entry import MEDIA, DatasetEntry
from stages.sft.think import render_think, split_think


def _text(row: dict[str, Any], column: str | None, required: bool = False) -> str | None:
    if column is None or row.get(column) is None:
        if required:
            raise RecordError(f"missing column {column!r}")
        return None
    value = row[column]
    if not isinstance(value, str):
        raise RecordError(f"column {column!r} is {type(value).__name__}, not text")
    return value


def _assistant(text: str) -> Message:
    reasoning, content = split_think(text)
    return Message(role="assistant", content=content, reasoning=reasoning)


def read_alpaca(row: dict[str, Any], entry: DatasetEntry, record_id: str, source: str) -> SftRecord:
    used = {entry.column(name) for name in ("prompt", "query", "response", "history", "system", "tools")}
    used |= {entry.columns.chosen, entry.columns.rejected, entry.columns.kto_tag, *(entry.column(m) for m in MEDIA)}
    instruction = _text(row, entry.column("prompt"), required=True)
    query = _text(row, entry.column("query"))
    messages: list[Message] = []
    history = row.get(entry.column("history")) if entry.column("history") else None
    for turn in history or []:
        if not (isinstance(turn, list | tuple) and len(turn) == 2 and all(isinstance(t, str) for t in turn)):
            raise RecordError("history items must be [prompt, response] pairs of text")
        messages += [Message(role="user", content=turn[0]), _assistant(turn[1])]
    # LLaMA-Factory joins instruction and input with a newline; `query` remembers the split for the way back.
    messages.append(Message(role="user", content=instruction + ("\n" + query if query else "")))
    metadata = {key: value for key, value in row.items() if key not in used}
    for media in MEDIA:
        if entry.column(media) and entry.column(media) in row:
            metadata[media] = row[entry.column(media)]
    if entry.column("history") and entry.column("history") in row and not history:
        metadata["_empty_history"] = row[entry.column("history")]  # [] or null: written back as it was
    if entry.column("query") not in row:
        metadata["_no_query"] = True  # LLaMA-Factory's own files always have it, so only then is it left out
    fields = dict(
        id=record_id,
        system=_text(row, entry.column("system")),
        tools=_text(row, entry.column("tools")),
        query=query,
        source=source,
        metadata=metadata,
    )
    if entry.ranking:
        chosen = _text(row, entry.columns.chosen or "chosen", required=True)
        rejected = _text(row, entry.columns.rejected or "rejected", required=True)
        return PreferenceRecord(
            prompt=messages, chosen=[_assistant(chosen)], rejected=[_assistant(rejected)], **fields
        )
    response = _assistant(_text(row, entry.column("response"), required=True))
    if entry.columns.kto_tag:
        label = row.get(entry.columns.kto_tag)
        if not isinstance(label, bool):
            raise RecordError(f"kto tag column {entry.columns.kto_tag!r} must be true or false")
        return PreferenceRecord(prompt=messages, chosen=[response], kto_label=label, **fields)
    return ConversationRecord(messages=[*messages, response], **fields)


def _reply(messages: list[Message], what: str) -> str:
    if len(messages) != 1 or messages[0].role != "assistant":
        raise Unrepresentable(f"Alpaca {what} must be one assistant turn")
    require_plain_turns(messages, "Alpaca")
    return render_think(messages[0].reasoning, messages[0].content)


def write_alpaca(record: SftRecord, entry: DatasetEntry, history: bool = True) -> list[dict[str, Any]]:
    """One Alpaca row. `entry` says which columns to write; it is extended with the ones this record needs."""
    if isinstance(record, ConversationRecord):
        system, turns = split_system(record.system, record.messages)
        if not turns or turns[-1].role != "assistant":
            raise Unrepresentable("Alpaca needs a conversation that ends with an assistant reply")
        prompt, reply = turns[:-1], turns[-1:]
    else:
        system, prompt = split_system(record.system, record.prompt)
        reply = record.chosen
    require_plain_turns(prompt, "Alpaca")
    require_default_weights(prompt + reply, "Alpaca")
    if [m.role for m in prompt] != ["user", "assistant"] * (len(prompt) // 2) + ["user"]:
        raise Unrepresentable("Alpaca needs strictly alternating user/assistant turns")
    if len(prompt) > 1 and not history:
        raise Unrepresentable("multi-turn conversation and the Alpaca output has no history column")
    row: dict[str, Any] = {}
    last = prompt[-1].content
    query = record.query if record.query and last.endswith("\n" + record.query) else None
    row[entry.column("prompt")] = last[: -len(query) - 1] if query else last
    if not record.metadata.get("_no_query"):
        row[entry.column("query")] = query or ""  # LLaMA-Factory's files always carry the input column
    if isinstance(record, PreferenceRecord) and record.kto_label is None:
        entry.ranking = True
        row[entry.columns.chosen or "chosen"] = _reply(record.chosen, "chosen")
        row[entry.columns.rejected or "rejected"] = _reply(record.rejected, "rejected")
        entry.columns.chosen, entry.columns.rejected = (
            entry.columns.chosen or "chosen",
            entry.columns.rejected or "rejected",
        )
    else:
        row[entry.column("response")] = _reply(reply, "output")
        if isinstance(record, PreferenceRecord):
            entry.columns.kto_tag = entry.columns.kto_tag or "kto_tag"
            row[entry.columns.kto_tag] = record.kto_label
    if system is not None:
        entry.columns.system = entry.columns.system or "system"
        row[entry.columns.system] = system
    if record.tools is not None:
        entry.columns.tools = entry.columns.tools or "tools"
        row[entry.columns.tools] = record.tools
    pairs = [
        [prompt[i].content, render_think(prompt[i + 1].reasoning, prompt[i + 1].content)]
        for i in range(0, len(prompt) - 1, 2)
    ]
    if pairs or "_empty_history" in record.metadata:
        entry.columns.history = entry.columns.history or "history"
        row[entry.columns.history] = pairs or record.metadata["_empty_history"]
    for key, value in record.metadata.items():
        if key in MEDIA:
            setattr(entry.columns, key, getattr(entry.columns, key) or key)
            row[getattr(entry.columns, key)] = value
        elif not key.startswith("_"):
            row.setdefault(key, value)
    return [row]
