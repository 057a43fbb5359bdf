"""PipelineConfig -> the ordered datatrove steps of the curate chain."""

from __future__ import annotations

from dataclasses import dataclass

from datatrove.pipeline.base import PipelineStep

from schemas.config import PipelineConfig
from stages.extract import HtmlExtractor
from stages.ingest import IngestReader
from stages.language import LanguageTagger
from stages.quality.step import QualityFilter
from stages.tokens import TokenCounter
from stages.write import DocumentWriter


@dataclass(frozen=True)
class Stage:
    """A step and the stage name it reports under (manifest, rejected/ file names)."""

    name: str
    step: PipelineStep


def build_stages(config: PipelineConfig, progress: bool = False) -> list[Stage]:
    """Instantiate every enabled stage. Anything unusable (missing model file, unknown tokenizer) raises here,
    before the executor starts a single task."""
    out = config.output.dir
    codec = config.output.compression
    stages = [Stage("ingest", IngestReader(config.input, out, codec, progress))]
    if config.extract.enabled:
        stages.append(Stage("extract", HtmlExtractor(out, config.extract.extractor, config.extract.timeout, codec)))
    if config.language.enabled:
        lang = config.language
        stages.append(
            Stage(
                "language",
                LanguageTagger(out, lang.model, lang.languages, lang.threshold, lang.label_only, codec),
            )
        )
    if config.quality.enabled:
        stages.append(Stage("quality", QualityFilter(out, config.quality, codec)))
    if config.tokens.enabled:
        stages.append(Stage("tokens", TokenCounter(config.tokens.tokenizer)))
    stages.append(Stage("write", DocumentWriter(out, config.output.max_rows_per_file, codec)))
    return stages
