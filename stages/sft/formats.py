"""The format registry: names, auto-detection from the first rows, and the reader and writer of each name.

Alpaca, ShareGPT, preference and KTO are LLaMA-Factory layouts described by a `dataset_info.json` entry; the
others have fixed keys. A read format and a write format with the same name round-trip to identical content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.conversation import ConversationRecord, SftRecord
from stages.sft.alpaca import read_alpaca, write_alpaca
from stages.sft.common import Unrepresentable
from stages.sft.entry import MEDIA, Columns, DatasetEntry, Tags
from stages.sft.hh import read_hh, write_hh
from stages.sft.lf_v1 import read_lf_v1, write_lf_v1
from stages.sft.openai import read_openai, write_openai
from stages.sft.sharegpt import read_sharegpt, write_sharegpt
from stages.sft.trl import read_trl, write_trl

LLAMA_FACTORY_FORMATS = ("alpaca", "sharegpt", "preference", "kto")
FORMATS: dict[str, str] = {
    "alpaca": "LLaMA-Factory Alpaca: instruction/input/output (+system, history); chosen/rejected or kto_tag variants",
    "sharegpt": "LLaMA-Factory ShareGPT: conversations of from/value turns (human, gpt, function_call, observation)",
    "preference": "LLaMA-Factory ShareGPT ranking: conversations + chosen/rejected turns (DPO, reward models)",
    "kto": "LLaMA-Factory KTO: messages of role/content turns + a true/false label",
    "openai": "OpenAI chat: messages with role/content, tool_calls, reasoning_content; tools list",
    "trl": "TRL conversational: prompt/completion, prompt/chosen/rejected, prompt/completion/label",
    "hh": "Anthropic HH-RLHF: chosen/rejected '\\n\\nHuman: ... \\n\\nAssistant: ...' transcripts",
    "lf-v1": "LLaMA-Factory v1: messages of typed content parts (text/reasoning/tool_call) with loss_weight",
}


class DetectionError(ValueError):
    pass


@dataclass
class ReadSpec:
    """How to read a dataset: a format name and, for LLaMA-Factory layouts, the entry with its columns/tags."""

    format: str
    entry: DatasetEntry | None = None

    def read(self, row: dict[str, Any], record_id: str, source: str) -> SftRecord:
        if self.entry is not None:
            reader = read_alpaca if self.entry.formatting == "alpaca" else read_sharegpt
            return reader(row, self.entry, record_id, source)
        return {"openai": read_openai, "trl": read_trl, "hh": read_hh, "lf-v1": read_lf_v1}[self.format](
            row, record_id, source
        )


def format_of_entry(entry: DatasetEntry) -> str:
    if entry.formatting == "alpaca":
        return "alpaca"
    return {"sft": "sharegpt", "preference": "preference", "kto": "kto"}[entry.kind]


def _turn_list(value: Any, keys: tuple[str, str]) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(t, dict) and set(keys) <= set(t) for t in value)


def _with_optional_columns(entry: DatasetEntry, row: dict[str, Any]) -> DatasetEntry:
    for name in ("system", "tools", "history", *MEDIA):
        if name in row and (entry.formatting == "alpaca" or name != "history"):
            setattr(entry.columns, name, name)
    return entry


def _detect_sharegpt(row: dict[str, Any]) -> DatasetEntry | None:
    for column in ("conversations", "messages"):
        turns = row.get(column)
        if _turn_list(turns, ("from", "value")):
            tags = Tags()
        elif column == "conversations" and _turn_list(turns, ("role", "content")):
            tags = Tags(role_tag="role", content_tag="content", user_tag="user", assistant_tag="assistant")
        else:
            continue
        entry = DatasetEntry(formatting="sharegpt", columns=Columns(messages=column), tags=tags)
        if isinstance(row.get("chosen"), dict) and isinstance(row.get("rejected"), dict):
            entry.ranking, entry.columns.chosen, entry.columns.rejected = True, "chosen", "rejected"
        return _with_optional_columns(entry, row)
    return None


def _detect_kto(row: dict[str, Any]) -> DatasetEntry | None:
    """LLaMA-Factory's KTO demo layout: role/content messages plus a true/false label."""
    label = next((k for k in ("label", "kto_tag") if isinstance(row.get(k), bool)), None)
    if label is None or not _turn_list(row.get("messages"), ("role", "content")):
        return None
    return _with_optional_columns(
        default_entry("kto").model_copy(update={"columns": Columns(messages="messages", kto_tag=label)}), row
    )


def _detect_alpaca(row: dict[str, Any]) -> DatasetEntry | None:
    if not isinstance(row.get("instruction"), str):
        return None
    entry = DatasetEntry(formatting="alpaca")
    if isinstance(row.get("chosen"), str) and isinstance(row.get("rejected"), str):
        entry.ranking, entry.columns.chosen, entry.columns.rejected = True, "chosen", "rejected"
    elif not isinstance(row.get("output"), str):
        return None
    if isinstance(row.get("kto_tag"), bool):
        entry.columns.kto_tag = "kto_tag"
    return _with_optional_columns(entry, row)


def _is_lf_v1(row: dict[str, Any]) -> bool:
    turns = row.get("chosen_messages", row.get("messages"))
    return (
        _turn_list(turns, ("role", "content"))
        and isinstance(turns[0]["content"], list)
        and all(isinstance(p, dict) and {"type", "value"} <= set(p) for p in turns[0]["content"])
    )


def _is_hh(row: dict[str, Any]) -> bool:
    return "prompt" not in row and all(
        isinstance(row.get(k), str) and row[k].startswith("\n\nHuman:") for k in ("chosen", "rejected")
    )


def _is_trl(row: dict[str, Any]) -> bool:
    if "prompt" in row:
        return "completion" in row or ("chosen" in row and "rejected" in row)
    return _turn_list(row.get("chosen"), ("role", "content")) and _turn_list(row.get("rejected"), ("role", "content"))


def _is_openai(row: dict[str, Any]) -> bool:
    return _turn_list(row.get("messages"), ("role",))


# In order: the first that matches wins, so the more specific layouts come first.
DETECTORS: list[tuple[str, str, Callable[[dict[str, Any]], ReadSpec | None]]] = [
    (
        "lf-v1",
        "messages/chosen_messages turns with typed content parts",
        lambda r: ReadSpec("lf-v1") if _is_lf_v1(r) else None,
    ),
    ("hh", "chosen/rejected strings starting with '\\n\\nHuman:'", lambda r: ReadSpec("hh") if _is_hh(r) else None),
    ("trl", "prompt + completion, or (prompt +) chosen + rejected", lambda r: ReadSpec("trl") if _is_trl(r) else None),
    ("sharegpt", "conversations (or messages) of from/value turns", lambda r: _entry_spec(_detect_sharegpt(r))),
    ("kto", "messages of role/content turns + a true/false label", lambda r: _entry_spec(_detect_kto(r))),
    ("openai", "messages of role/content turns", lambda r: ReadSpec("openai") if _is_openai(r) else None),
    ("alpaca", "instruction + output, or instruction + chosen/rejected", lambda r: _entry_spec(_detect_alpaca(r))),
]


def _entry_spec(entry: DatasetEntry | None) -> ReadSpec | None:
    return None if entry is None else ReadSpec(format_of_entry(entry), entry)


def detect(rows: list[dict[str, Any]], wanted: str | None = None, sample: int = 20) -> ReadSpec:
    """The first format that at least half of the first `sample` rows fit (a broken row should fail on its own,
    not hide the format of the rest); `wanted` (--from) limits the search to that format.
    Optional LLaMA-Factory columns (system, tools, history, images, ...) count when any row has them."""
    families = {"preference": "sharegpt"}
    head, tried = rows[:sample], []
    for name, needs, detector in DETECTORS:
        if wanted and families.get(wanted, wanted) != name:
            continue
        tried.append(f"{name} ({needs})")
        specs = [spec for spec in (detector(row) for row in head) if spec is not None]
        if specs and len(specs) * 2 >= len(head):
            if specs[0].entry is not None:
                for row in rows:
                    _with_optional_columns(specs[0].entry, row)
            return specs[0]
    keys = sorted({key for row in head for key in row})
    raise DetectionError(
        f"no format fits the first {len(head)} records (keys: {keys}); tried: {'; '.join(tried)}. "
        "Pass --from FORMAT or --mapping dataset_info.json:NAME"
    )


def default_entry(target: str) -> DatasetEntry:
    if target == "alpaca":
        return DatasetEntry(formatting="alpaca")
    if target == "preference":
        return DatasetEntry(
            formatting="sharegpt",
            ranking=True,
            columns=Columns(messages="conversations", chosen="chosen", rejected="rejected"),
        )
    if target == "kto":
        return DatasetEntry(
            formatting="sharegpt",
            columns=Columns(messages="messages", kto_tag="label"),
            tags=Tags(role_tag="role", content_tag="content", user_tag="user", assistant_tag="assistant"),
        )
    return DatasetEntry(formatting="sharegpt", columns=Columns(messages="conversations"))


def _kind(record: SftRecord) -> str:
    if isinstance(record, ConversationRecord):
        return "conversation"
    return "kto" if record.kto_label is not None else "preference"


@dataclass
class Writer:
    """Renders records into rows of one target format; for LLaMA-Factory targets it also grows the entry."""

    target: str
    entry: DatasetEntry | None = None
    alpaca_history: bool = True
    kind: str | None = field(default=None, init=False)

    def render(self, record: SftRecord) -> list[dict[str, Any]]:
        kind = _kind(record)
        if self.target == "preference" and kind != "preference":
            raise Unrepresentable(f"a {kind} record has no chosen/rejected pair for preference data")
        if self.target == "kto":
            if kind == "conversation":
                raise Unrepresentable("a conversation has no KTO label")
            if kind == "preference":  # a pair is two labelled examples
                good = record.model_copy(update={"rejected": [], "kto_label": True})
                bad = record.model_copy(update={"chosen": record.rejected, "rejected": [], "kto_label": False})
                return self._checked(good, "kto") + self._checked(bad, "kto")
        return self._checked(record, kind)

    def _checked(self, record: SftRecord, kind: str) -> list[dict[str, Any]]:
        if self.kind is None:
            self.kind = kind
        elif kind != self.kind and self.target not in ("trl", "lf-v1"):
            raise Unrepresentable(f"a {kind} record among {self.kind} records: one LLaMA-Factory file holds one kind")
        if self.target in LLAMA_FACTORY_FORMATS:
            if self.entry is None:
                self.entry = default_entry(self.target)
            if self.target == "alpaca":
                return write_alpaca(record, self.entry, history=self.alpaca_history)
            return write_sharegpt(record, self.entry)
        return {"openai": write_openai, "trl": write_trl, "hh": write_hh, "lf-v1": write_lf_v1}[self.target](record)
