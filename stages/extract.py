"""HTML -> plain text for documents whose content type is HTML; plain-text documents pass through untouched.

Extraction runs in datatrove's ExtractorSandbox (a child process with a per-page timeout), because a single
pathological page can hang an HTML parser for minutes. Pages that time out, raise, or yield no text are
rejected with that reason instead of disappearing as they do in datatrove's BaseExtractor.
"""

from __future__ import annotations

import signal

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.extractors.base import ExtractorSandbox

from stages.html_text import EXTRACTORS
from stages.ingest.base import HTML_TYPES
from stages.sinks import RejectSink


class _Sandbox(ExtractorSandbox):
    """datatrove's sandbox, with the child's SIGTERM reset to the default.

    The child is forked from whatever runs the pipeline; under a Prefect task that is Prefect's SIGTERM handler,
    which turns the sandbox's normal shutdown into a printed traceback.
    """

    def _worker(self, conn, extract_fn):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        super()._worker(conn, extract_fn)


class HtmlExtractor(PipelineStep):
    """Replace each HTML document's text by its main-content plain text.

    Args:
        output_folder: run output folder; rejected pages go to `rejected/extract-{rank}.parquet`.
        extractor: a key of `stages.html_text.EXTRACTORS` ("resiliparse" or "trafilatura").
        timeout: seconds one page may take.
        compression: Parquet codec for the rejected file.
    """

    name = "🛢 Extract"
    type = "🛢 - EXTRAC"

    def __init__(self, output_folder: str, extractor: str = "resiliparse", timeout: float = 5.0, compression="zstd"):
        super().__init__()
        if extractor not in EXTRACTORS:
            raise ValueError(f"unknown extractor {extractor!r}; choose from {sorted(EXTRACTORS)}")
        self.output_folder = output_folder
        self.extractor = extractor
        self.timeout = timeout
        self.compression = compression

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        extract = EXTRACTORS[self.extractor]
        with (
            _Sandbox(timeout=self.timeout) as sandbox,
            RejectSink(self.output_folder, "extract", self.compression) as rejects,
        ):
            for doc in data:
                if doc.metadata.get("content_type") not in HTML_TYPES:
                    self.stat_update("passed_plain_text")
                    yield doc
                    continue
                self.stat_update("html_pages")
                with self.track_time():
                    try:
                        text = sandbox.process_document(doc.text, extract)
                        reason = None if text else "empty_after_extraction"
                    except TimeoutError:
                        reason = "timeout"
                    except EOFError:  # the sandbox process died, most likely killed for memory
                        reason = "extractor_crashed"
                    except Exception as err:
                        doc.metadata["extract_error"] = f"{type(err).__name__}: {err}"
                        reason = "extraction_error"
                if reason:
                    self.stat_update(f"rejected_{reason}")
                    rejects.reject(doc, reason, rank)
                    continue
                doc.text = text
                doc.metadata["content_type"] = "text/plain"
                doc.metadata["extracted_with"] = self.extractor
                self.stat_update("extracted")
                yield doc
