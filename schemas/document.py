"""The curated-document record: one pydantic model and the pyarrow schemas derived from it.

Every Parquet file refinery writes (kept documents in `data/`, rejected ones in `rejected/`) uses these schemas, so
a reader of the output never has to guess a column's type. The arrow types are declared once, beside the model
fields, and `tests/test_schemas.py` checks the two agree.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from schemas.quality import QUALITY_SIGNALS

QUALITY_TYPE = pa.struct([pa.field(name, pa.float64()) for name in QUALITY_SIGNALS])


class CuratedDocument(BaseModel):
    """One document as it leaves the curate pipeline."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable id: the source's own id, the WARC-Record-ID, or `path/record_number`.")
    text: str = Field(description="Plain text after extraction and quality line edits.")
    url: str | None = Field(default=None, description="Where the text was crawled from, when known.")
    source: str = Field(description="Input file path or dataset name the record came from.")
    language: str | None = Field(default=None, description="ISO 639 code predicted by the language-ID model.")
    language_score: float | None = Field(default=None, description="Model probability of `language`.")
    quality: dict[str, float | None] = Field(
        default_factory=dict,
        description="Each quality rule's measured value, keyed by `QUALITY_SIGNALS` name.",
    )
    token_count: int | None = Field(default=None, description="Tokens under the configured tokenizer.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Everything else the source carried (stored as a JSON string)."
    )
    dedup_cluster_id: int | None = Field(
        default=None,
        description="Near-duplicate cluster: a 63-bit hash of the kept document's normalized text, the same in "
        "every execution mode. Null when dedup did not run.",
    )
    dedup_cluster_size: int | None = Field(
        default=None, description="Documents in the cluster, this one included (1: no duplicate found)."
    )


class RejectedDocument(CuratedDocument):
    """A document a stage removed, with the stage and the first rule that failed."""

    stage: str = Field(description="Stage that removed the document: ingest, extract, language, quality, ...")
    reason: str = Field(description="Rule or condition that failed, e.g. `gopher_short_doc`, `language:fr`.")
    duplicate_of: str | None = Field(
        default=None, description="For stage `dedup`: the id of the kept document this one duplicates."
    )


class ErrorRecord(BaseModel):
    """Input that could not be read as a record at all. Written as JSONL under `errors/`."""

    model_config = ConfigDict(extra="forbid")

    stage: str = Field(description="Stage that hit the error (ingest for unreadable input).")
    file: str = Field(description="Input file (or dataset) the error is in.")
    record: int | None = Field(default=None, description="Record or line number within the file, 0-based.")
    offset: int | None = Field(default=None, description="Byte offset in the (uncompressed) file, when known.")
    records: int = Field(
        default=1,
        description="Input records this error stands for: 1 for a bad line, the row count for an unreadable "
        "Parquet file, 1 for the unreadable remainder of a truncated archive whose size is unknown.",
    )
    message: str = Field(description="What went wrong, in words a user can act on.")


_DOCUMENT_ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "text": pa.large_string(),  # a single crawl document can pass 2 GiB in a batch of many
    "url": pa.string(),
    "source": pa.string(),
    "language": pa.string(),
    "language_score": pa.float64(),
    "quality": QUALITY_TYPE,
    "token_count": pa.int64(),
    "metadata": pa.string(),
    "dedup_cluster_id": pa.int64(),
    "dedup_cluster_size": pa.int64(),
}
_REJECTED_ARROW_TYPES = _DOCUMENT_ARROW_TYPES | {
    "stage": pa.string(),
    "reason": pa.string(),
    "duplicate_of": pa.string(),
}
_NOT_NULL = {"id", "text", "source", "stage", "reason"}


def _schema(model: type[BaseModel], types: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, types[name], nullable=name not in _NOT_NULL) for name in model.model_fields])


DOCUMENT_SCHEMA = _schema(CuratedDocument, _DOCUMENT_ARROW_TYPES)
REJECTED_SCHEMA = _schema(RejectedDocument, _REJECTED_ARROW_TYPES)


def encode_metadata(metadata: dict[str, Any]) -> str:
    """Metadata is free-form, so it travels as JSON; `default=str` keeps dates and bytes from failing a write."""
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=str)
