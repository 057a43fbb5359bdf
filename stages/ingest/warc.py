"""WARC, WET and ARC files (gzip per record, one gzip stream, or plain) with warcio.

Response, resource and conversion records are input documents. warcinfo, request, metadata and revisit records
are archive bookkeeping: counted in the stats, not as documents. Among documents, only HTML (to be extracted)
and plain text (WET conversions) can become text; images, scripts, redirects and error pages are rejected at
ingest with the reason, so nothing a crawl holds disappears without a trace.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from typing import IO, Any

from datatrove.utils.logging import logger
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from schemas.config import InputConfig
from stages.ingest.base import HTML_TYPES, BadRecord, InputFile, NonDocument, Parsed, RawRecord, Skipped
from stages.ingest.text_decoding import decode_html

DOCUMENT_RECORD_TYPES = ("response", "resource", "conversion")


def parse_warc(input_file: InputFile, config: InputConfig) -> Iterator[Parsed]:
    source = input_file.display
    emitted = 0
    try:
        with input_file.folder.open(input_file.path, "rb") as handle:
            for parsed in _iter_archive(ArchiveIterator(handle, arc2warc=True), source):
                emitted += 1
                yield parsed
        return
    except Exception as err:
        problem = f"{type(err).__name__}: {_one_line(err)}"
    # warcio is strict where real crawls are not: ClueWeb gzips a whole file as one stream and ClueWeb09 and
    # hand-made WET files carry wrong Content-Lengths. Re-read leniently, splitting on the `WARC/x.y` lines that
    # start records; the records warcio already returned are skipped.
    logger.warning(f"{source}: strict read stopped after {emitted} records ({problem}); re-reading leniently")
    try:
        with input_file.folder.open(input_file.path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
            for number, chunk in enumerate(_split_records(stream)):
                if number < emitted:
                    continue
                try:
                    record = next(iter(ArchiveIterator(io.BytesIO(chunk), arc2warc=True)))
                    yield _parse_record(record, source, number)
                except Exception as err:
                    yield BadRecord(f"unparseable record ({type(err).__name__}: {_one_line(err)})", record=number)
    except Exception as err:
        yield BadRecord(
            f"archive is corrupt or truncated ({type(err).__name__}: {_one_line(err)}); rest of file skipped",
            record=emitted,
        )


_RECORD_START = re.compile(rb"^WARC/\d+\.\d+\r?\n$")


def _split_records(stream: IO[bytes]) -> Iterator[bytes]:
    """Raw records of an uncompressed WARC stream, cut at each `WARC/x.y` line that follows a blank line."""
    chunk: list[bytes] = []
    previous_blank = True
    for line in stream:
        if previous_blank and _RECORD_START.match(line) and chunk:
            yield b"".join(chunk)
            chunk = []
        chunk.append(line)
        previous_blank = not line.strip()
    if chunk:
        yield b"".join(chunk)


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())[:300]


def _iter_archive(records: ArchiveIterator, source: str) -> Iterator[Parsed]:
    for number, record in enumerate(records):
        try:
            yield _parse_record(record, source, number)
        except (ArchiveLoadFailed, EOFError, OSError):
            raise  # the stream itself is broken: handled by the caller, with the records read so far
        except Exception as err:  # one odd record (bad header, bad date) must not cost the rest of the file
            yield BadRecord(
                f"unparseable record ({type(err).__name__}: {_one_line(err)})",
                record=number,
                offset=records.offset,
            )


def _parse_record(record: Any, source: str, number: int) -> Parsed:
    rec_type = record.rec_type
    if rec_type not in DOCUMENT_RECORD_TYPES:
        return NonDocument(rec_type or "unknown")
    headers = record.rec_headers
    record_id = headers.get_header("WARC-Record-ID") or f"{source}/{number}"
    url = headers.get_header("WARC-Target-URI") or headers.get_header("uri")
    metadata: dict[str, Any] = {"warc_date": headers.get_header("WARC-Date") or headers.get_header("archive-date")}
    payload = record.content_stream().read()
    missing = getattr(record.raw_stream, "limit", 0)  # bytes the header promised but the file did not hold
    if missing:
        raise EOFError(f"record {record_id} is truncated: {missing} bytes short of its Content-Length")

    declared_charset = None
    http_type = None
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        metadata["http_status"] = status
        if status and not status.startswith("2"):
            return Skipped(record_id, source, "http_status", url, metadata)
        http_type = record.http_headers.get_header("Content-Type")
        declared_charset = _charset(http_type)
    content_type = _media_type(
        headers.get_header("WARC-Identified-Payload-Type") or http_type or headers.get_header("Content-Type")
    )
    if rec_type == "conversion" or content_type == "text/plain":
        kind = "text/plain"
    elif content_type in HTML_TYPES or (not content_type and payload.lstrip()[:1] == b"<"):
        kind = "text/html"
    else:
        return Skipped(record_id, source, "unsupported_content_type", url, metadata | {"content_type": content_type})
    text = decode_html(payload, declared_charset)
    if text is None:
        return Skipped(record_id, source, "undecodable", url, metadata)
    return RawRecord(text=text, id=record_id, source=source, url=url, content_type=kind, metadata=metadata)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None
