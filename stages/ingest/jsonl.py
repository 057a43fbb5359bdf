"""JSON Lines (and JSON arrays of objects), optionally compressed. Bad lines become errors; the file goes on."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from schemas.config import InputConfig
from stages.ingest.base import BadRecord, InputFile, Parsed
from stages.ingest.records import row_to_record


def _describe_bad_utf8(err: UnicodeDecodeError) -> str:
    bad = err.object[err.start : err.start + 4].hex(" ")
    return f"line is not valid UTF-8 (bytes {bad} at column {err.start}); fix the encoding or re-export as UTF-8"


def parse_jsonl(input_file: InputFile, config: InputConfig) -> Iterator[Parsed]:
    source = input_file.display
    with input_file.folder.open(input_file.path, "rb", compression="infer") as handle:
        head = handle.peek(64) if hasattr(handle, "peek") else b""
        if head.lstrip()[:1] == b"[":
            yield from _parse_json_array(handle.read(), config, source)
            return
        offset = 0
        number = -1
        try:
            for number, line in enumerate(handle):
                line_offset, offset = offset, offset + len(line)
                if not line.strip():
                    continue  # blank lines are layout, not records
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as err:
                    yield BadRecord(_describe_bad_utf8(err), record=number, offset=line_offset)
                    continue
                try:
                    row = orjson.loads(line)
                except orjson.JSONDecodeError as err:
                    yield BadRecord(f"invalid JSON: {err}", record=number, offset=line_offset)
                    continue
                yield row_to_record(row, config, source, number, line_offset)
        except (OSError, EOFError) as err:  # corrupt or truncated compression stream
            yield BadRecord(
                f"file is corrupt or truncated after line {number + 1} ({type(err).__name__}: {err}); "
                "rest of file skipped",
                record=number + 1,
                offset=offset,
            )


def _parse_json_array(payload: bytes, config: InputConfig, source: str) -> Iterator[Parsed]:
    try:
        rows = orjson.loads(payload)
    except orjson.JSONDecodeError as err:
        yield BadRecord(f"file starts like a JSON array but does not parse: {err}")
        return
    for number, row in enumerate(rows):
        yield row_to_record(row, config, source, number)
