"""dict rows (JSONL lines, Parquet rows, dataset rows) -> RawRecord, with one error wording for all formats."""

from __future__ import annotations

from typing import Any

from schemas.config import InputConfig
from stages.ingest.base import BadRecord, RawRecord


def row_to_record(row: Any, config: InputConfig, source: str, number: int, offset: int | None = None):
    """A row becomes a RawRecord, or a BadRecord saying exactly which field is missing or of the wrong type."""
    if not isinstance(row, dict):
        return BadRecord(f"record is a JSON {type(row).__name__}, expected an object", record=number, offset=offset)
    if config.text_key not in row:
        keys = ", ".join(sorted(map(str, row))[:20]) or "none"
        return BadRecord(
            f"record has no `{config.text_key}` field (fields: {keys}); set input.text_key",
            record=number,
            offset=offset,
        )
    text = row[config.text_key]
    if text is None:
        text = ""
    if not isinstance(text, str):
        return BadRecord(
            f"`{config.text_key}` is a {type(text).__name__}, expected a string", record=number, offset=offset
        )
    rest = {k: v for k, v in row.items() if k not in (config.text_key, config.id_key)}
    url = rest.pop("url", None)
    raw_id = row.get(config.id_key)
    return RawRecord(
        text=text,
        id=str(raw_id) if raw_id not in (None, "") else f"{source}/{number}",
        source=source,
        url=url if isinstance(url, str) else None,
        metadata=rest,
    )
