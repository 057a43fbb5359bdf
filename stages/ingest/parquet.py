"""Parquet files, read batch by batch. A file without the text column is one clear error for all its rows."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow.parquet as pq

from schemas.config import InputConfig
from stages.ingest.base import BadRecord, InputFile, Parsed
from stages.ingest.records import row_to_record


def parse_parquet(input_file: InputFile, config: InputConfig) -> Iterator[Parsed]:
    source = input_file.display
    with input_file.folder.open(input_file.path, "rb") as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except Exception as err:
            yield BadRecord(f"not a readable Parquet file ({type(err).__name__}: {err})")
            return
        rows = parquet.metadata.num_rows
        columns = parquet.schema_arrow.names
        if config.text_key not in columns:
            yield BadRecord(
                f"Parquet file {source} has no `{config.text_key}` column (columns: {', '.join(columns)}); "
                f"set input.text_key to the column holding the text",
                records=max(rows, 1),
            )
            return
        number = 0
        try:
            for batch in parquet.iter_batches(batch_size=1000):
                for row in batch.to_pylist():
                    yield row_to_record(row, config, source, number)
                    number += 1
        except Exception as err:
            yield BadRecord(
                f"Parquet data unreadable from row {number} ({type(err).__name__}: {err}); rest of file skipped",
                record=number,
                records=max(rows - number, 1),
            )
