"""Convert one dataset between formats: read -> canonical records -> write, accounting for every record.

Each input row ends up converted, skipped (the target cannot hold it; in `rejected.jsonl` with the reason and the
canonical record) or failed (it could not be read; in `errors.jsonl` with the position and message).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.conversation import ConversationRecord, SftRecord
from stages.sft.common import RecordError, Unrepresentable
from stages.sft.entry import Columns, DatasetEntry, Tags, load_entries
from stages.sft.formats import LLAMA_FACTORY_FORMATS, ReadSpec, Writer, detect, format_of_entry
from stages.sft.io import FILE_FORMATS, file_format_of, read_rows, write_rows

DETECT_ROWS = 20  # rows sampled for auto-detection
# A screen looks at each canonical record and says why to leave it out: (reason, details for rejected.jsonl).
Screen = Callable[[SftRecord], tuple[str, dict[str, Any]] | None]


@dataclass
class ConvertResult:
    name: str
    input: str
    read_format: str
    write_format: str
    output_file: Path
    converted: int = 0
    written_rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: int = 0

    @property
    def total(self) -> int:
        return self.converted + sum(self.skipped.values()) + self.failed


def dataset_name(path: str) -> str:
    name = Path(path.rstrip("/")).name
    for suffix in (".gz", ".zst", ".bz2", ".xz", ".parquet", ".jsonl", ".ndjson", ".json"):
        name = name.removesuffix(suffix)
    return name


def resolve_mapping(input_path: str, mapping: str | None) -> tuple[str, DatasetEntry | None, str | None]:
    """(data file, entry, entry name). With a mapping and a folder as input, the entry's file_name is in it."""
    if mapping is None:
        return input_path, None, None
    from stages.sft.entry import parse_mapping

    info_path, name = parse_mapping(mapping)
    entries = load_entries(info_path)
    if name not in entries:
        raise ValueError(f"{info_path} has no dataset {name!r}")
    entry = entries[name]
    if Path(input_path).is_dir():
        if not entry.file_name:
            raise ValueError(f"dataset {name!r} has no file_name (hub datasets are not read from a folder)")
        input_path = str(Path(input_path) / entry.file_name)
    return input_path, entry, name


def convert(
    input_path: str,
    to: str | None,
    output: Path,
    from_format: str | None = None,
    mapping: str | None = None,
    file_format: str | None = None,
    name: str | None = None,
    alpaca_history: bool = True,
    hf_split: str = "train",
    screen: Screen | None = None,
) -> ConvertResult:
    """`to=None` writes the input's own format (for filters such as decontamination)."""
    path, entry, entry_name = resolve_mapping(input_path, mapping)
    rows = list(
        read_rows(path, hf_split=entry.split if entry else hf_split, hf_subset=entry.subset if entry else None)
    )
    if entry is not None:
        spec = ReadSpec(format_of_entry(entry), entry)
    else:
        spec = detect([r.row for r in rows if r.row is not None], from_format, DETECT_ROWS)
    to = to or spec.format
    # The same format keeps the source's own layout (its columns and tags): that is what makes round trips exact.
    writer_entry = spec.entry.model_copy(deep=True) if spec.entry is not None and spec.format == to else None
    writer = Writer(to, writer_entry, alpaca_history=alpaca_history)
    name = name or entry_name or dataset_name(path)
    if file_format is None:
        file_format = file_format_of(path) if file_format_of(path) in FILE_FORMATS else "json"
    output.mkdir(parents=True, exist_ok=True)
    result = ConvertResult(name, path, spec.format, to, output / f"{name}.{file_format}")
    out_rows: list[dict[str, Any]] = []
    rejected, errors = [], []
    uses_tools = False
    for item in rows:
        if item.row is None:
            result.failed += 1
            errors.append({"file": path, "record": item.number, "message": item.error})
            continue
        record_id = str(item.row["id"]) if isinstance(item.row.get("id"), str | int) else f"{name}#{item.number}"
        try:
            record = spec.read(item.row, record_id, path)
        except (RecordError, ValidationError) as err:
            result.failed += 1
            errors.append({"file": path, "record": item.number, "message": record_error_message(err)})
            continue
        dropped = screen(record) if screen else None
        if dropped is not None:
            result.skipped[dropped[0]] += 1
            rejected.append(
                {
                    "id": record.id,
                    "source": path,
                    "record_number": item.number,
                    "reason": dropped[0],
                    **dropped[1],
                    "record": record.model_dump(mode="json"),
                }
            )
            continue
        try:
            rendered = writer.render(record)
        except Unrepresentable as err:
            result.skipped[str(err)] += 1
            rejected.append(
                {
                    "id": record.id,
                    "source": path,
                    "record_number": item.number,
                    "reason": str(err),
                    "record": record.model_dump(mode="json"),
                }
            )
            continue
        result.converted += 1
        out_rows += rendered
        uses_tools = uses_tools or _uses_tools(record)
    result.written_rows = len(out_rows)
    write_rows(out_rows, result.output_file, file_format)
    _write_jsonl(output / "rejected.jsonl", rejected)
    _write_jsonl(output / "errors.jsonl", errors)
    if to in LLAMA_FACTORY_FORMATS and writer.entry is not None:
        update_dataset_info(output / "dataset_info.json", name, writer.entry, result.output_file.name)
    elif to == "openai" and result.converted and not uses_tools:
        # LLaMA-Factory reads OpenAI messages as ShareGPT with role/content tags; its layout has no place for
        # `tool_calls`, so a file with tool use gets no entry (convert it with --to sharegpt for LLaMA-Factory).
        update_dataset_info(output / "dataset_info.json", name, OPENAI_ENTRY, result.output_file.name)
    return result


OPENAI_ENTRY = DatasetEntry(
    formatting="sharegpt",
    columns=Columns(messages="messages"),
    tags=Tags(role_tag="role", content_tag="content", user_tag="user", assistant_tag="assistant", system_tag="system"),
)


def _uses_tools(record: SftRecord) -> bool:
    turns = record.messages if isinstance(record, ConversationRecord) else []
    return record.tools is not None or any(m.tool_calls or m.role == "tool" for m in turns)


def record_error_message(err: Exception) -> str:
    """One line for an `errors.jsonl` row: a pydantic error's first field path and message, else `str(err)`."""
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(err)


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    """Append: several datasets can be converted into one folder; each line names its source."""
    if items:
        with path.open("a", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def update_dataset_info(path: Path, name: str, entry: DatasetEntry, file_name: str) -> None:
    """Add (or replace) the LLaMA-Factory `dataset_info.json` entry `name` pointing at the local `file_name`."""
    info = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    written = entry.model_copy(deep=True)
    written.file_name = file_name
    for key in ("hf_hub_url", "ms_hub_url", "om_hub_url", "subset", "split", "folder"):
        written.__dict__.pop(key, None)
        (written.__pydantic_extra__ or {}).pop(key, None)
    info[name] = written.to_json()
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
