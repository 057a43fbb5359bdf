"""Which parser reads which file."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemas.config import InputConfig
from stages.ingest.base import InputFile, Parsed
from stages.ingest.html_files import parse_html_file
from stages.ingest.jsonl import parse_jsonl
from stages.ingest.parquet import parse_parquet
from stages.ingest.warc import parse_warc

PARSERS: dict[str, Callable[[InputFile, InputConfig], Iterator[Parsed]]] = {
    "jsonl": parse_jsonl,
    "parquet": parse_parquet,
    "warc": parse_warc,
    "html": parse_html_file,
}

_COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".warc": "warc",
    ".arc": "warc",
    ".wet": "warc",
    ".html": "html",
    ".htm": "html",
}


def detect_format(name: str, configured: str) -> str | None:
    """The parser for a file: the configured one, or by extension (after stripping compression) when `auto`.

    Files of unknown type inside an input folder are skipped (READMEs, licenses); `auto` never guesses.
    """
    if configured != "auto":
        return configured
    lowered = name.lower()
    for suffix in _COMPRESSIONS:
        if lowered.endswith(suffix):
            lowered = lowered[: -len(suffix)]
            break
    if lowered.endswith(".warc.txt"):  # some test suites ship uncompressed WET files under this name
        return "warc"
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return fmt
    return None
