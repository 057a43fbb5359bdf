"""The kept records in each configured export format (through the SFT writers), with dataset_info entries."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from schemas.conversation import SftRecord
from schemas.distill import DistillConfig
from stages.sft.common import Unrepresentable
from stages.sft.entry import DatasetEntry
from stages.sft.formats import LLAMA_FACTORY_FORMATS, Writer
from stages.sft.io import write_rows


def write_exports(
    config: DistillConfig, records: list[SftRecord], folder: Path
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Each export format through the SFT writers: (written {fmt: {file, rows, records}}, skipped {fmt: why},
    dataset_info entries)."""
    written: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    info: dict[str, Any] = {}
    ext = config.output.export_file_format
    for fmt in dict.fromkeys(config.output.exports):
        writer = Writer(fmt)
        rows: list[dict[str, Any]] = []
        failures: Counter[str] = Counter()
        for record in records:
            try:
                rows += writer.render(record)
            except Unrepresentable as err:
                failures[str(err)] += 1
        if records and not rows:
            skipped[fmt] = next(iter(failures))
            continue
        name = f"{config.output.name}_{fmt}"
        file = folder / f"{name}.{ext}"
        write_rows(rows, file, ext)
        written[fmt] = {"file": f"exports/{file.name}", "rows": len(rows), "unrepresentable": dict(failures)}
        entry = writer.entry if fmt in LLAMA_FACTORY_FORMATS else _openai_entry() if fmt == "openai" else None
        if entry is not None and ext in ("json", "jsonl"):
            data = entry.model_copy(deep=True)
            data.file_name = file.name
            info[name] = data.to_json()
    return written, skipped, info


def _openai_entry() -> DatasetEntry:
    from stages.sft.convert import OPENAI_ENTRY

    return OPENAI_ENTRY
