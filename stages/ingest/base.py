"""The ingest step: every input record becomes a Document, a rejection (`rejected/ingest-*`) or an error.

datatrove's own readers log and skip what they cannot parse (a bad JSON line, an empty text, a broken archive);
here every such case is written down with file, position and message, and counted, so that

    input_records == kept + rejected + errors

holds for every run. The per-format parsers in this package only turn bytes into records; this module owns the
accounting, the size and emptiness checks, and the sharding of files across tasks.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolder, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger
from tqdm import tqdm

from schemas.config import InputConfig
from stages.sinks import ErrorLog, RejectSink, clear_rank_outputs

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class RawRecord:
    """One record as a format parser found it, before the accounting checks."""

    text: str
    id: str
    source: str
    url: str | None = None
    content_type: str = "text/plain"  # text/html records go through the extract step
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Skipped:
    """A record that is input but can never become a document (an image response, undecodable bytes)."""

    id: str
    source: str
    reason: str
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class BadRecord:
    """Input that could not be parsed into a record; goes to errors/."""

    message: str
    record: int | None = None
    offset: int | None = None
    records: int = 1


@dataclass
class NonDocument:
    """Archive bookkeeping (warcinfo, request, metadata, revisit records): counted, but not input documents."""

    record_type: str


Parsed = RawRecord | Skipped | BadRecord | NonDocument


@dataclass(frozen=True)
class InputFile:
    folder: DataFolder
    path: str  # relative to folder
    format: str

    @property
    def display(self) -> str:
        return self.folder.resolve_paths(self.path)


class IngestReader(PipelineStep):
    """Reads this task's share of the input and accounts for every record.

    Args:
        input_config: where and what to read (`paths`, `format`, `text_key`, `id_key`, `max_document_bytes`).
        output_folder: the run's output folder; ingest rejections and errors are written under it.
        compression: Parquet codec for `rejected/ingest-*.parquet`.
        progress: show a progress bar of this task's files and records on stderr.
    """

    name = "📖 Ingest"
    type = "📖 - READER"

    def __init__(self, input_config: InputConfig, output_folder: str, compression: str = "zstd", progress=False):
        super().__init__()
        self.config = input_config
        self.output_folder = output_folder
        self.compression = compression
        self.progress = progress

    # -- what to read ---------------------------------------------------------------------------------------------
    def list_files(self) -> list[InputFile]:
        from stages.ingest.formats import detect_format

        files: list[InputFile] = []
        for path in self.config.paths:
            folder = get_datafolder(path)
            if folder.isfile(""):
                folder = get_datafolder(posixpath.dirname(path.rstrip("/")) or ".")
                names = [posixpath.basename(path.rstrip("/"))]
            elif folder.isdir(""):
                names = sorted(folder.find("", withdirs=False))
            else:
                raise FileNotFoundError(f"input path does not exist: {path}")
            for name in names:
                if posixpath.basename(name).startswith("."):
                    continue  # hidden files, e.g. our own in-progress temporaries
                fmt = detect_format(name, self.config.format)
                if fmt is None:
                    self.unrecognised.append(folder.resolve_paths(name))
                else:
                    files.append(InputFile(folder, name, fmt))
        return files

    def iter_parsed(self, rank: int, world_size: int) -> Iterator[tuple[str, Parsed]]:
        """(source, parsed record) for this task's files. Sharding is by file, round-robin over a sorted list."""
        from stages.ingest.formats import PARSERS
        from stages.ingest.hf import parse_hf_dataset

        if self.config.format == "hf":
            for name in self.config.paths:
                self.stat_update("input_files")
                for parsed in parse_hf_dataset(name, self.config, rank, world_size):
                    yield name, parsed
            return
        self.unrecognised: list[str] = []
        files = self.list_files()
        if rank == 0:  # every task lists the same files; report once
            if not files:
                logger.warning(f"no readable input files under {self.config.paths}")
            if self.unrecognised:
                self.stat_update("unrecognised_files", value=len(self.unrecognised))
                logger.warning(
                    f"skipping {len(self.unrecognised)} files of unknown type (set input.format to read them): "
                    + ", ".join(self.unrecognised[:5])
                )
        shard = files[rank::world_size]
        bar = tqdm(total=len(shard), unit="file", desc=f"task {rank}", position=rank, disable=not self.progress)
        with bar:
            for input_file in shard:
                self.stat_update("input_files")
                logger.info(f"reading {input_file.display}")
                parse = PARSERS[input_file.format]
                source = input_file.display
                try:
                    for parsed in parse(input_file, self.config):
                        yield source, parsed
                except Exception as err:  # a parser giving up on a file is one error for the rest of it
                    yield (
                        source,
                        BadRecord(f"unreadable input ({type(err).__name__}): {err}; rest of file skipped"),
                    )
                bar.update()
                bar.set_postfix(records=int(self.stats["input_records"].total))

    # -- accounting -------------------------------------------------------------------------------------------------
    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        clear_rank_outputs(self.output_folder, rank)
        with (
            ErrorLog(self.output_folder, "ingest", rank) as errors,
            RejectSink(self.output_folder, "ingest", self.compression) as rejects,
        ):
            records = self.iter_parsed(rank, world_size)
            while True:
                with self.track_time():  # parsing happens inside next(): time it here
                    item = next(records, None)
                if item is None:
                    break
                source, parsed = item
                if isinstance(parsed, NonDocument):
                    self.stat_update(f"non_document_{parsed.record_type}")
                    continue
                if isinstance(parsed, BadRecord):
                    self.stat_update("input_records", value=parsed.records)
                    self.stat_update("error_records", value=parsed.records)
                    errors.add(
                        source,
                        parsed.message,
                        record=parsed.record,
                        offset=parsed.offset,
                        records=parsed.records,
                    )
                    continue
                self.stat_update("input_records")
                if isinstance(parsed, Skipped):
                    doc = Document(
                        text="",
                        id=parsed.id,
                        metadata={"source": source, "url": parsed.url} | parsed.metadata,
                    )
                    self._reject(rejects, doc, parsed.reason, rank)
                    continue
                doc, reason = self._to_document(parsed)
                if reason:
                    self._reject(rejects, doc, reason, rank)
                    continue
                self.stat_update("documents")
                yield doc

    def _to_document(self, record: RawRecord) -> tuple[Document, str | None]:
        metadata = {"source": record.source, "url": record.url, "content_type": record.content_type}
        doc = Document(text=record.text, id=record.id, metadata=metadata | record.metadata)
        if not record.text.strip():
            return doc, "empty"
        # len(str) <= bytes <= 4*len(str): check cheaply first, encode only near the limit.
        limit = self.config.max_document_bytes
        if len(record.text) > limit or (4 * len(record.text) > limit and len(record.text.encode()) > limit):
            return doc, "too_large"
        return doc, None

    def _reject(self, rejects: RejectSink, doc: Document, reason: str, rank: int) -> None:
        self.stat_update(f"rejected_{reason}")
        rejects.reject(doc, reason, rank)
