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
from stages.sft.io import RowsWriter


class ExportWriter:
    """Each export format's file in `folder`, written batch by batch as records come (`add`), finished by
    `close`. A format that cannot hold any of the run's records (tool calls into Alpaca, pairs into ShareGPT)
    is skipped and its file removed."""

    def __init__(self, config: DistillConfig, folder: Path) -> None:
        self.config = config
        ext = config.output.export_file_format
        # format -> (SFT writer, file, why records could not be rendered); the file stem is the dataset_info key
        self._formats = {
            fmt: (Writer(fmt), RowsWriter(folder / f"{config.output.name}_{fmt}.{ext}", ext), Counter())
            for fmt in dict.fromkeys(config.output.exports)
        }
        self._records = 0

    def add(self, records: list[SftRecord]) -> None:
        self._records += len(records)
        for writer, rows, failures in self._formats.values():
            rendered: list[dict[str, Any]] = []
            for record in records:
                try:
                    rendered += writer.render(record)
                except Unrepresentable as err:
                    failures[str(err)] += 1
            rows.write(rendered)

    def close(self) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
        """(written {fmt: {file, rows, unrepresentable}}, skipped {fmt: why}, dataset_info entries)."""
        written: dict[str, Any] = {}
        skipped: dict[str, str] = {}
        info: dict[str, Any] = {}
        ext = self.config.output.export_file_format
        for fmt, (writer, rows, failures) in self._formats.items():
            if self._records and not rows.rows:
                rows.discard()
                skipped[fmt] = next(iter(failures))
                continue
            rows.close()
            written[fmt] = {"file": f"exports/{rows.path.name}", "rows": rows.rows, "unrepresentable": dict(failures)}
            entry = writer.entry if fmt in LLAMA_FACTORY_FORMATS else _openai_entry() if fmt == "openai" else None
            if entry is not None and ext in ("json", "jsonl"):
                data = entry.model_copy(deep=True)
                data.file_name = rows.path.name
                info[rows.path.stem] = data.to_json()
        return written, skipped, info


def _openai_entry() -> DatasetEntry:
    from stages.sft.convert import OPENAI_ENTRY

    return OPENAI_ENTRY
