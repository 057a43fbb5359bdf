"""Kept documents -> `data/{rank}-{part}.parquet` with DOCUMENT_SCHEMA, each shard committed atomically."""

from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from stages.sinks import ParquetShardWriter, document_row, kept_writer


class DocumentWriter(PipelineStep):
    """Write the documents that reached the end of the chain.

    Args:
        output_folder: run output folder.
        max_rows_per_file: roll over to a new shard after this many rows (keeps shards a size the Hub and
            Parquet readers handle well).
        compression: Parquet codec.
    """

    name = "💽 Parquet"
    type = "💽 - WRITER"

    def __init__(self, output_folder: str, max_rows_per_file: int = 100_000, compression: str = "zstd"):
        super().__init__()
        self.output_folder = output_folder
        self.max_rows_per_file = max_rows_per_file
        self.compression = compression

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        part = 0
        writer: ParquetShardWriter | None = None
        try:
            for doc in data:
                if writer is None:
                    writer = kept_writer(self.output_folder, rank, part, self.compression)
                with self.track_time():
                    writer.write(document_row(doc))
                self.stat_update("kept")
                self.stat_update("kept_tokens", value=doc.metadata.get("token_count") or 0)
                if writer.rows >= self.max_rows_per_file:
                    writer.close()
                    writer, part = None, part + 1
        except BaseException:
            if writer is not None:
                writer.close(failed=True)
            raise
        if writer is not None:
            writer.close()
        return
        yield  # a generator, so datatrove treats this as the last step of the chain
