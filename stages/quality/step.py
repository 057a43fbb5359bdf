"""The quality stage: score each document with every enabled rule group, drop it on the first failure."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from schemas.quality import QualityConfig
from stages.quality.scoring import score_document
from stages.sinks import RejectSink


class QualityFilter(BaseFilter):
    """Record each rule's measured value in `metadata["quality"]` and reject with the first failing rule.

    Args:
        output_folder: run output folder; dropped documents go to `rejected/quality-{rank}.parquet`.
        config: thresholds, with per-language overrides picked by the document's `language`.
        compression: Parquet codec for the rejected file.
    """

    name = "🥇 Quality"

    def __init__(self, output_folder: str, config: QualityConfig, compression: str = "zstd"):
        super().__init__(exclusion_writer=RejectSink(output_folder, "quality", compression))
        self.config = config

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        verdict = score_document(doc.text, doc.metadata.get("language"), self.config)
        doc.metadata["quality"] = verdict.signals
        if verdict.failed_rule:
            return False, verdict.failed_rule  # rejected rows keep the text as it arrived, for auditing
        doc.text = verdict.text  # C4's line rules remove lines, as datatrove's C4QualityFilter does
        return True
