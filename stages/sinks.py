"""Where records end: kept documents, rejected documents and errors, each written atomically.

A file only ever appears under its final name complete: rows go to a hidden temporary file in the same folder,
which is renamed on a clean close and deleted when the task fails. A rerun of a failed task therefore never sees
half a shard, and datatrove's completion markers stay the single truth about which tasks finished.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.io import DataFolder, DataFolderLike, get_datafolder

from schemas.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA, ErrorRecord, encode_metadata
from schemas.quality import QUALITY_SIGNALS

# Keys of Document.metadata that are columns of their own; everything else goes into the `metadata` JSON column.
COLUMN_KEYS = (
    "url",
    "source",
    "language",
    "language_score",
    "quality",
    "token_count",
    "dedup_cluster_id",
    "dedup_cluster_size",
)


def as_folder(location: DataFolderLike | os.PathLike) -> DataFolder:
    """datatrove's get_datafolder, also taking pathlib paths."""
    return get_datafolder(os.fspath(location) if isinstance(location, os.PathLike) else location)


class AtomicFile:
    """A file in a DataFolder written under a temporary name and renamed into place on success."""

    def __init__(self, folder: DataFolder, filename: str, mode: str = "wb"):
        self.folder = folder
        self.filename = filename
        self.tmp_name = f"{os.path.dirname(filename)}/.{os.path.basename(filename)}.{os.getpid()}.tmp".lstrip("/")
        self.handle = folder.open(self.tmp_name, mode)

    def commit(self) -> None:
        self.handle.close()
        self.folder.fs.mv(self.folder.resolve_paths(self.tmp_name), self.folder.resolve_paths(self.filename))

    def discard(self) -> None:
        self.handle.close()
        if self.folder.exists(self.tmp_name):
            self.folder.rm(self.tmp_name)


def clear_rank_outputs(output_folder: DataFolderLike, rank: int) -> None:
    """Remove whatever an earlier, failed attempt of this task committed, so a rerun starts from nothing.

    Each file is atomic, but a task commits several files (ingest errors close before the last shard does), so
    a task that died half-way can leave some of them behind.
    """
    folder = as_folder(output_folder)
    for pattern in (
        f"data/{rank:05d}-*.parquet",
        f"rejected/*-{rank:05d}.parquet",
        f"errors/*-{rank:05d}.jsonl",
    ):
        for path in folder.glob(pattern):
            folder.rm(path)


class ParquetShardWriter:
    """Buffered rows -> one Parquet file with a fixed schema, committed atomically. Writes nothing if no rows."""

    def __init__(self, folder: DataFolderLike, filename: str, schema: pa.Schema, compression: str = "zstd"):
        self.folder = as_folder(folder)
        self.filename = filename
        self.schema = schema
        self.compression = None if compression == "none" else compression
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._file: AtomicFile | None = None
        self._writer: pq.ParquetWriter | None = None

    @property
    def rows(self) -> int:
        """Rows written so far, buffered ones included."""
        return self.rows_written + len(self._buffer)

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        # Flush by bytes as well as rows: a handful of 50 MB documents must not pile up in memory.
        if len(self._buffer) >= 1000 or len(row.get("text") or "") > 8_000_000:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._writer is None:
            self._file = AtomicFile(self.folder, self.filename)
            self._writer = pq.ParquetWriter(self._file.handle, self.schema, compression=self.compression)
        self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
        self.rows_written += len(self._buffer)
        self._buffer.clear()

    def close(self, failed: bool = False) -> None:
        if failed:
            if self._writer is not None:
                self._writer.close()
                self._file.discard()
            self._buffer.clear()
            return
        self._flush()
        if self._writer is None:
            return
        self._writer.close()
        self._file.commit()

    def __enter__(self) -> ParquetShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)


def document_row(doc: Document) -> dict[str, Any]:
    """Flatten a datatrove Document into a DOCUMENT_SCHEMA row."""
    meta = doc.metadata
    quality = meta.get("quality") or {}
    return {
        "id": str(doc.id),
        "text": doc.text,
        "url": meta.get("url"),
        "source": meta.get("source") or "",
        "language": meta.get("language"),
        "language_score": meta.get("language_score"),
        "quality": {name: quality.get(name) for name in QUALITY_SIGNALS},
        "token_count": meta.get("token_count"),
        "metadata": encode_metadata({k: v for k, v in meta.items() if k not in COLUMN_KEYS}),
        "dedup_cluster_id": meta.get("dedup_cluster_id"),
        "dedup_cluster_size": meta.get("dedup_cluster_size"),
    }


class RejectSink:
    """Writes one stage's rejected documents to `rejected/{stage}-{rank}.parquet`.

    It quacks like a datatrove DiskWriter (`with sink as w: w.write(doc, rank)`), so datatrove's own filters can
    take it as their `exclusion_writer`; the reason comes from `doc.metadata["filter_reason"]`, which datatrove's
    BaseFilter sets, unless `reject` is called with one.
    """

    def __init__(self, output_folder: DataFolderLike, stage: str, compression: str = "zstd"):
        self.output_folder = as_folder(output_folder)
        self.stage = stage
        self.compression = compression
        self._writer: ParquetShardWriter | None = None
        self._rank: int | None = None

    def _writer_for(self, rank: int) -> ParquetShardWriter:
        if self._writer is None:
            self._rank = rank
            self._writer = ParquetShardWriter(
                self.output_folder, self.filename(rank), REJECTED_SCHEMA, compression=self.compression
            )
        return self._writer

    def filename(self, rank: int) -> str:
        return f"rejected/{self.stage}-{rank:05d}.parquet"

    def write(self, doc: Document, rank: int = 0) -> None:
        reason = doc.metadata.pop("filter_reason", None) or "unspecified"
        self.reject(doc, reason, rank)

    def reject(self, doc: Document, reason: str, rank: int = 0, duplicate_of: str | None = None) -> None:
        row = document_row(doc) | {"stage": self.stage, "reason": reason, "duplicate_of": duplicate_of}
        self._writer_for(rank).write(row)

    def __enter__(self) -> RejectSink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._writer is not None:
            self._writer.__exit__(exc_type, exc, tb)
        self._writer = None


class ErrorLog:
    """`errors/{stage}-{rank}.jsonl`: one ErrorRecord per unreadable piece of input, committed atomically."""

    def __init__(self, output_folder: DataFolderLike, stage: str, rank: int):
        self.output_folder = as_folder(output_folder)
        self.filename = f"errors/{stage}-{rank:05d}.jsonl"
        self.stage = stage
        self.count = 0
        self._file: AtomicFile | None = None

    def add(
        self,
        file: str,
        message: str,
        *,
        record: int | None = None,
        offset: int | None = None,
        records: int = 1,
    ):
        entry = ErrorRecord(
            stage=self.stage, file=file, record=record, offset=offset, records=records, message=message
        )
        if self._file is None:
            self._file = AtomicFile(self.output_folder, self.filename, mode="wt")
        self._file.handle.write(json.dumps(entry.model_dump(), ensure_ascii=False) + "\n")
        self.count += records

    def __enter__(self) -> ErrorLog:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._file is None:
            return
        if exc_type is not None:
            self._file.discard()
        else:
            self._file.commit()


def kept_writer(output_folder: DataFolderLike, rank: int, part: int, compression: str) -> ParquetShardWriter:
    return ParquetShardWriter(output_folder, f"data/{rank:05d}-{part:03d}.parquet", DOCUMENT_SCHEMA, compression)
