"""Write a run's output folders (data/, exports/, rejected/, errors/) batch by batch into a staging folder, swap
them into place at the end, and the manifest atomically after them: a killed run leaves the previous output (and
a stale staging folder the next run removes), never a mix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.conversation import CONVERSATION_SCHEMA, PREFERENCE_SCHEMA, SftRecord, to_arrow_row
from schemas.distill import DistillConfig
from stages.distill.exports import ExportWriter
from stages.distill.samples import Sample
from stages.distill.tasks import LoadedPrompts
from stages.sft.io import RowsWriter, write_rows

FOLDERS = ("data", "exports", "rejected", "errors")
STAGING = ".staging"


class OutputWriter:
    """The output of one run, written as batches of records and samples arrive (`add`), swapped in by `finish`."""

    def __init__(self, config: DistillConfig, out: Path, loaded: LoadedPrompts) -> None:
        self.out = out
        self.stage = out / STAGING
        shutil.rmtree(self.stage, ignore_errors=True)  # left by a killed run
        for name in FOLDERS:
            (self.stage / name).mkdir(parents=True)
        preference = config.task == "preference"
        self.schema = PREFERENCE_SCHEMA if preference else CONVERSATION_SCHEMA
        self.data_file = "preferences.parquet" if preference else "conversations.parquet"
        self._data = pq.ParquetWriter(self.stage / "data" / self.data_file, self.schema, compression="zstd")
        self._exports = ExportWriter(config, self.stage / "exports")
        self._rejected = RowsWriter(self.stage / "rejected" / "samples.jsonl", "jsonl")
        self._errors = RowsWriter(self.stage / "errors" / "requests.jsonl", "jsonl")
        self._not_sent = RowsWriter(self.stage / "errors" / "not_sent.jsonl", "jsonl")
        write_rows([e.as_dict() for e in loaded.errors], self.stage / "errors" / "input.jsonl", "jsonl")

    def add(self, records: list[SftRecord], samples: list[Sample], error_rows: list[dict[str, Any]]) -> None:
        if records:
            rows = [to_arrow_row(r) for r in records]
            self._data.write_table(pa.Table.from_pylist(rows, schema=self.schema))
        self._exports.add(records)
        self._rejected.write([s.rejected_row() for s in samples if s.outcome == "rejected"])
        self._errors.write(error_rows)
        self._not_sent.write(
            [{"prompt_id": s.prompt.id, "sample_index": s.index} for s in samples if s.outcome == "not_sent"]
        )

    def finish(self, manifest: dict[str, Any]) -> None:
        """Close every file, then swap each output folder in; the manifest follows last (`write_json_atomic`)."""
        self._data.close()
        written, skipped, info = self._exports.close()
        if info:
            info_text = json.dumps(info, ensure_ascii=False, indent=2) + "\n"
            (self.stage / "exports" / "dataset_info.json").write_text(info_text, encoding="utf-8")
        for rows in (self._rejected, self._errors):
            rows.close()
        if self._not_sent.rows:
            self._not_sent.close()
        else:
            self._not_sent.discard()
        manifest["records"].update(
            {"data_file": f"data/{self.data_file}", "exports": written, "exports_skipped": skipped}
        )
        (self.out / "manifest.json").unlink(missing_ok=True)  # no manifest while folders are swapped: incomplete
        for name in FOLDERS:
            shutil.rmtree(self.out / name, ignore_errors=True)
            (self.stage / name).replace(self.out / name)
        self.stage.rmdir()


def write_json_atomic(path: Path, value: dict[str, Any]) -> None:
    """Write `value` beside `path`, then rename it into place: a reader sees the old file or the new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
