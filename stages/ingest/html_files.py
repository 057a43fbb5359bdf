"""Loose .html/.htm files: one document per file, id = the file path."""

from __future__ import annotations

from collections.abc import Iterator

from schemas.config import InputConfig
from stages.ingest.base import InputFile, Parsed, RawRecord, Skipped
from stages.ingest.text_decoding import decode_html


def parse_html_file(input_file: InputFile, config: InputConfig) -> Iterator[Parsed]:
    with input_file.folder.open(input_file.path, "rb", compression="infer") as handle:
        payload = handle.read()
    html = decode_html(payload)
    if html is None:
        yield Skipped(id=input_file.display, source=input_file.display, reason="undecodable")
        return
    yield RawRecord(text=html, id=input_file.display, source=input_file.display, content_type="text/html")
