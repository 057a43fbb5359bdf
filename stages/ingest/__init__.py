"""Ingest: read JSONL, Parquet, WARC/WET/ARC, loose HTML files and Hugging Face datasets into Documents."""

from stages.ingest.base import IngestReader

__all__ = ["IngestReader"]
