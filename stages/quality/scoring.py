"""One entry point: run the rule groups in FineWeb's pipeline order and keep every measured value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from schemas.quality import QualityConfig

from .c4 import score_c4
from .fineweb import score_fineweb
from .gopher import score_gopher_quality
from .repetition import score_repetition
from .text_units import WordStats, text_units_for


@dataclass(frozen=True)
class QualityVerdict:
    #: Measured values keyed by names from ``schemas.quality.QUALITY_SIGNALS``; groups that were
    #: disabled or not reached (an earlier group rejected the document) are absent.
    signals: dict[str, float] = field(default_factory=dict)
    #: Reason of the first failed rule (datatrove's reason strings), None if the document is kept.
    failed_rule: str | None = None
    #: The text after C4's line removal; the input text when C4 did not run or rejected the document.
    text: str = ""

    @property
    def kept(self) -> bool:
        return self.failed_rule is None


def score_document(text: str, language: str | None, config: QualityConfig) -> QualityVerdict:
    """Score ``text`` with the thresholds for ``language`` (None: datatrove's default, English).

    Groups run as in FineWeb's pipeline: Gopher repetition, Gopher quality, C4, FineWeb; the first
    rejection stops the run. With ``config.by_language`` off, ``language`` is ignored (English, as datatrove).
    """
    if not config.by_language:
        language = None
    cfg = config.for_language(language)
    if not cfg.enabled:
        return QualityVerdict({}, None, text)
    units = text_units_for(language)
    # Repetition and Gopher both tokenize the original text: do it once, and only if needed.
    stats: Callable[[], WordStats] = cache(lambda: units.word_stats(text))
    signals: dict[str, float] = {}

    if cfg.gopher_repetition.enabled:
        result = score_repetition(text, stats, cfg.gopher_repetition)
        signals.update(result.signals)
        if result.failed_rule:
            return QualityVerdict(signals, result.failed_rule, text)
    if cfg.gopher_quality.enabled:
        result = score_gopher_quality(text, stats(), cfg.gopher_quality)
        signals.update(result.signals)
        if result.failed_rule:
            return QualityVerdict(signals, result.failed_rule, text)
    edited, edited_words = text, lambda: stats().words
    if cfg.c4.enabled:
        result = score_c4(text, units, cfg.c4)
        signals.update(result.signals)
        if result.failed_rule:
            return QualityVerdict(signals, result.failed_rule, text)
        if result.text is not None and result.text != text:
            edited = result.text
            # FineWeb sees C4's output: reuse C4's tokens of it, or tokenize it once on demand.
            c4_words = result.words
            edited_words = (lambda: c4_words) if c4_words is not None else cache(lambda: units.words(edited))
    if cfg.fineweb.enabled:
        result = score_fineweb(edited, edited_words, cfg.fineweb)
        signals.update(result.signals)
        if result.failed_rule:
            return QualityVerdict(signals, result.failed_rule, edited)
    return QualityVerdict(signals, None, edited)
