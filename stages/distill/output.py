"""Write a run's output folders (data/, exports/, rejected/, errors/) through a staging folder, swapped into
place, and the manifest atomically after them: a killed run leaves the previous output, never a mix."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.conversation import CONVERSATION_SCHEMA, PREFERENCE_SCHEMA, SftRecord, to_arrow_row
from schemas.distill import DistillConfig
from stages.distill.exports import write_exports
from stages.distill.samples import Sample
from stages.distill.tasks import LoadedPrompts


def _rows_table(records: list[SftRecord], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([to_arrow_row(r) for r in records], schema=schema)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def write_outputs(
    config: DistillConfig,
    out: Path,
    records: list[SftRecord],
    samples: list[Sample],
    loaded: LoadedPrompts,
    error_rows: list[dict[str, Any]],
    manifest: dict[str, Any],
) -> None:
    """Write everything into a staging folder, then swap each output folder in; the manifest follows last."""
    stage = out / f".staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    for name in ("data", "exports", "rejected", "errors"):
        (stage / name).mkdir(parents=True)
    preference = config.task == "preference"
    table = _rows_table(records, PREFERENCE_SCHEMA if preference else CONVERSATION_SCHEMA)
    data_file = "preferences.parquet" if preference else "conversations.parquet"
    pq.write_table(table, stage / "data" / data_file, compression="zstd")
    written, skipped, info = write_exports(config, records, stage / "exports")
    if info:
        (stage / "exports" / "dataset_info.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    _jsonl(stage / "rejected" / "samples.jsonl", [s.rejected_row() for s in samples if s.outcome == "rejected"])
    _jsonl(stage / "errors" / "requests.jsonl", error_rows)
    _jsonl(stage / "errors" / "input.jsonl", [e.as_dict() for e in loaded.errors])
    not_sent = [{"prompt_id": s.prompt.id, "sample_index": s.index} for s in samples if s.outcome == "not_sent"]
    if not_sent:
        _jsonl(stage / "errors" / "not_sent.jsonl", not_sent)
    manifest["records"].update({"data_file": f"data/{data_file}", "exports": written, "exports_skipped": skipped})
    (out / "manifest.json").unlink(missing_ok=True)  # no manifest while folders are swapped: output incomplete
    for name in ("data", "exports", "rejected", "errors"):
        shutil.rmtree(out / name, ignore_errors=True)
        (stage / name).replace(out / name)
    stage.rmdir()


def write_json_atomic(path: Path, value: dict[str, Any]) -> None:
    """Write `value` beside `path`, then rename it into place: a reader sees the old file or the new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
