"""FineWeb's own rules (datatrove ``FineWebQualityFilter``), run on the text C4 left."""

from __future__ import annotations

from collections.abc import Callable

from datatrove.utils.text import TERMINAL_PUNCTUATION

from schemas.quality import FineWebConfig

from .repetition import find_duplicates
from .result import GroupResult, first_failure, ratio


def score_fineweb(text: str, words: Callable[[], list[str]], cfg: FineWebConfig) -> GroupResult:
    """``words`` is called only for non-empty text; tokenizing is the expensive part."""
    lines = [line for line in text.split("\n") if line.strip() != ""]
    if not lines:
        return GroupResult({}, "empty")
    stop_chars = tuple(TERMINAL_PUNCTUATION if cfg.stop_chars is None else cfg.stop_chars) + cfg.extra_stop_chars

    punct_ratio = sum(line.endswith(stop_chars) for line in lines) / len(lines)
    short_ratio = sum(len(line) <= cfg.short_line_length for line in lines) / len(lines)
    dup_ratio = ratio(find_duplicates(lines)[1], len(text.replace("\n", "")))
    list_ratio = ratio(text.count("\n"), len(words()))
    signals = {
        "fineweb_line_punct_ratio": punct_ratio,
        "fineweb_short_line_ratio": short_ratio,
        "fineweb_char_dup_ratio": dup_ratio,
        "fineweb_list_ratio": list_ratio,
    }
    checks = [
        (
            "line_punct_ratio",
            punct_ratio < cfg.line_punct_thr and not (punct_ratio == 0 and cfg.line_punct_exclude_zero),
        ),
        ("short_line_ratio", short_ratio > cfg.short_line_thr),
        ("char_dup_ratio", dup_ratio > cfg.char_duplicates_ratio),
        ("list_ratio", list_ratio > cfg.new_line_ratio),
    ]
    return GroupResult(signals, first_failure(checks))
