"""Rows in and out: JSON arrays, JSON Lines (optionally compressed), Parquet and Hugging Face datasets.

SFT sets are small next to crawls (a million rows is a large one), so a file is read whole; what matters here is
that a bad line is reported with its position instead of stopping the conversion.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

FILE_FORMATS = ("json", "jsonl", "parquet")


@dataclass
class Row:
    """One source row, or why the row could not be parsed (`row` is None then)."""

    number: int
    row: dict[str, Any] | None
    error: str | None = None


def file_format_of(path: str) -> str:
    name = path.lower()
    for suffix in (".gz", ".zst", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    return "hf"


def read_rows(path: str, hf_split: str = "train", hf_subset: str | None = None) -> Iterator[Row]:
    kind = file_format_of(path)
    if kind == "parquet":
        yield from _parquet_rows(path)
    elif kind == "hf":
        yield from _hf_rows(path, hf_split, hf_subset)
    else:
        yield from _json_rows(path)


def _json_rows(path: str) -> Iterator[Row]:
    # Either a JSON array or JSON Lines, whatever the extension says: both occur under both names.
    with fsspec.open(path, "rb", compression="infer") as handle:
        payload = handle.read()
    if payload.lstrip()[:1] == b"[":
        try:
            rows = orjson.loads(payload)
        except orjson.JSONDecodeError as err:
            yield Row(0, None, f"file starts like a JSON array but does not parse: {err}")
            return
        for number, row in enumerate(rows):
            yield Row(number, row) if isinstance(row, dict) else Row(number, None, "array item is not an object")
        return
    number = -1
    for line in payload.splitlines():
        if not line.strip():
            continue  # blank lines are layout, not records
        number += 1
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            yield Row(number, None, f"invalid JSON: {err}")
            continue
        yield Row(number, row) if isinstance(row, dict) else Row(number, None, "line is not a JSON object")


def _parquet_rows(path: str) -> Iterator[Row]:
    number = 0
    for batch in pq.ParquetFile(path).iter_batches():
        for row in batch.to_pylist():
            yield Row(number, _drop_nulls(row))
            number += 1


def _drop_nulls(value: Any) -> Any:
    """Parquet structs give every row every field (null where absent); JSON rows only have the keys they set."""
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _hf_rows(name: str, split: str, subset: str | None) -> Iterator[Row]:
    import datasets  # heavy import, only for this input kind

    if os.path.isdir(name) and (Path(name) / "dataset_info.json").is_file():
        dataset = datasets.load_from_disk(name)
        if isinstance(dataset, datasets.DatasetDict):
            dataset = dataset[split]
    else:
        dataset = datasets.load_dataset(name, subset, split=split)
    for number, row in enumerate(dataset):
        yield Row(number, _drop_nulls(row))


class RowsWriter:
    """Rows appended batch by batch to `path`, which appears atomically (temp file + rename) at `close()`, so a
    half-written file never looks like a finished one. JSON and JSON Lines go to disk as they come (values JSON
    cannot hold are written as their str); Parquet keeps the rows until `close()`, where its schema is inferred
    from all of them."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path, self.file_format = path, file_format
        self.rows = 0
        self._tmp = path.with_name(path.name + ".tmp")
        self._pending: list[dict[str, Any]] = []
        self._handle = None if file_format == "parquet" else self._tmp.open("w", encoding="utf-8")

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self._handle is None:
            self._pending += rows
        elif self.file_format == "jsonl":
            self._handle.writelines(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)
        else:  # a JSON array laid out as json.dumps(rows, indent=2) would lay it out
            for row in rows:
                item = json.dumps(row, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")
                self._handle.write(f"{',' if self.rows else '['}\n  {item}")
                self.rows += 1
            return
        self.rows += len(rows)

    def close(self) -> None:
        if self._handle is None:
            pq.write_table(pa.Table.from_pylist(self._pending), self._tmp, compression="zstd")
            self._pending = []
        else:
            if self.file_format == "json":
                self._handle.write("\n]\n" if self.rows else "[]\n")
            self._handle.close()
        self._tmp.replace(self.path)

    def discard(self) -> None:
        """Drop what was written; no file appears."""
        if self._handle is not None:
            self._handle.close()
        self._tmp.unlink(missing_ok=True)
        self._pending = []


def write_rows(rows: list[dict[str, Any]], path: Path, file_format: str) -> None:
    """Write atomically (temp file + rename), so a half-written file never looks like a finished one."""
    writer = RowsWriter(path, file_format)
    writer.write(rows)
    writer.close()
