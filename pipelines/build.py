"""PipelineConfig -> the ordered datatrove steps of the curate chain."""

from __future__ import annotations

from dataclasses import dataclass

from datatrove.pipeline.base import PipelineStep

from schemas.config import PipelineConfig
from stages.dedup.steps import DedupBuckets, DedupCluster, DedupFilter, DedupSignatures, StreamingDedup
from stages.extract import HtmlExtractor
from stages.ingest import IngestReader
from stages.language import LanguageTagger
from stages.quality.step import QualityFilter
from stages.quality_classifier import QualityClassifier
from stages.tokens import TokenCounter
from stages.write import DocumentWriter


@dataclass(frozen=True)
class Stage:
    """A step and the stage name it reports under (manifest, rejected/ file names)."""

    name: str
    step: PipelineStep


@dataclass(frozen=True)
class Phase:
    """One executor run: its stages, how many tasks, and its logging folder under the output folder. Phases run
    one after the other, each once the previous one completed (datatrove's `depends=`)."""

    name: str
    stages: list[Stage]
    tasks: int
    logs: str


def build_phases(config: PipelineConfig, progress: bool = False) -> list[Phase]:
    """The curate chain as executor runs: one, or four with sharded dedup (the chain up to dedup signatures, the
    band buckets, the clustering, then dedup filter -> tokens -> write)."""
    stages = build_stages(config, progress)
    tasks = config.executor.tasks
    if not (config.dedup.enabled and config.dedup.mode == "sharded"):
        return [Phase("curate", stages, tasks, "logs")]
    cut = next(i for i, stage in enumerate(stages) if stage.name == "dedup_filter")
    out, dedup = config.output.dir, config.dedup
    return [
        Phase("curate", stages[:cut], tasks, "logs"),
        Phase(
            "dedup_buckets",
            [Stage("dedup_buckets", DedupBuckets(out, dedup, tasks))],
            min(tasks, dedup.num_bands),
            "logs/dedup_buckets",
        ),
        Phase("dedup_cluster", [Stage("dedup_cluster", DedupCluster(out, dedup, tasks))], 1, "logs/dedup_cluster"),
        Phase("dedup_filter", stages[cut:], tasks, "logs/dedup_filter"),
    ]


def build_stages(config: PipelineConfig, progress: bool = False) -> list[Stage]:
    """Instantiate every enabled stage, in chain order (with sharded dedup, the steps of the first and the last
    phase; build_phases adds the middle ones). Anything unusable (missing model file, unknown tokenizer) raises
    here, before the executor starts a single task."""
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
        quality = config.quality
        stages.append(Stage("quality", QualityFilter(out, quality, codec)))
        if quality.classifier:
            classifier = QualityClassifier(out, quality.classifier, quality.classifier_threshold, codec)
            stages.append(Stage("quality_classifier", classifier))
    if config.dedup.enabled:
        # After quality, so spam never becomes the kept copy of a cluster; before tokens, so dropped copies are
        # never tokenized.
        if config.dedup.mode == "streaming":
            stages.append(Stage("dedup", StreamingDedup(out, config.dedup, codec)))
        else:
            stages.append(Stage("dedup_signatures", DedupSignatures(out, config.dedup)))
            stages.append(Stage("dedup_filter", DedupFilter(out, codec)))
    if config.tokens.enabled:
        stages.append(Stage("tokens", TokenCounter(config.tokens.tokenizer)))
    stages.append(Stage("write", DocumentWriter(out, config.output.max_rows_per_file, codec)))
    return stages
