"""The kept records in each configured export format (through the SFT writers), with dataset_info entries."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.conversation import SftRecord
from schemas.distill import DistillConfig
from stages.sft.common import Unrepresentable
from stages.sft.entry import DatasetEntry
from stages.sft.formats import LLAMA_FACTORY_FORMATS, Writer


def _write_rows(rows: list[dict[str, Any]], path: Path, file_format: str) -> None:
    if file_format == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")
    elif file_format == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


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
        _write_rows(rows, file, ext)
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
