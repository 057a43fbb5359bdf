"""Gopher repetition rules (datatrove ``GopherRepetitionFilter``), with every fraction recorded."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from schemas.quality import DUP_N_GRAM_SIZES, TOP_N_GRAM_SIZES, GopherRepetitionConfig

from .ngrams import repetition_chars
from .result import GroupResult, above, first_failure

if TYPE_CHECKING:
    from .text_units import WordStats

_PARAGRAPH_SPLIT = re.compile(r"\n{2,}")
_LINE_SPLIT = re.compile("\n+")


def find_duplicates(items: list[str]) -> tuple[int, int]:
    """(number of repeated items, characters in them); first occurrences are not counted."""
    seen: set[str] = set()
    dup_items = dup_chars = 0
    for item in items:
        if item in seen:
            dup_items += 1
            dup_chars += len(item)
        else:
            seen.add(item)
    return dup_items, dup_chars


def score_repetition(text: str, words: Callable[[], WordStats], cfg: GopherRepetitionConfig) -> GroupResult:
    """``words`` is called only for non-empty text; tokenizing is the expensive part."""
    if not text:
        return GroupResult({}, "empty")
    n_chars = len(text)
    paragraphs = _PARAGRAPH_SPLIT.split(text.strip())
    para_dups, para_dup_chars = find_duplicates(paragraphs)
    # Not stripped, unlike paragraphs: leading/trailing newlines give empty "lines", as in datatrove.
    lines = _LINE_SPLIT.split(text)
    line_dups, line_dup_chars = find_duplicates(lines)
    stats = words()
    top_chars, dup_chars = repetition_chars(stats.words, stats.word_ids, TOP_N_GRAM_SIZES, DUP_N_GRAM_SIZES)
    top = {n: chars / n_chars for n, chars in zip(TOP_N_GRAM_SIZES, top_chars, strict=True)}
    dup = {n: chars / n_chars for n, chars in zip(DUP_N_GRAM_SIZES, dup_chars, strict=True)}

    signals = {
        "repetition_dup_para_frac": para_dups / len(paragraphs),
        "repetition_dup_para_char_frac": para_dup_chars / n_chars,
        "repetition_dup_line_frac": line_dups / len(lines),
        "repetition_dup_line_char_frac": line_dup_chars / n_chars,
        **{f"repetition_top_{n}gram_char_frac": v for n, v in top.items()},
        **{f"repetition_dup_{n}gram_char_frac": v for n, v in dup.items()},
    }
    checks = [
        ("dup_para_frac", above(signals["repetition_dup_para_frac"], cfg.dup_para_frac)),
        ("dup_para_char_frac", above(signals["repetition_dup_para_char_frac"], cfg.dup_para_char_frac)),
        ("dup_line_frac", above(signals["repetition_dup_line_frac"], cfg.dup_line_frac)),
        ("dup_line_char_frac", above(signals["repetition_dup_line_char_frac"], cfg.dup_line_char_frac)),
        # n-gram limits are always applied (datatrove has no off switch); order follows the config.
        *((f"top_{n}_gram", top[n] > limit) for n, limit in cfg.top_n_grams),
        *((f"duplicated_{n}_n_grams", dup[n] > limit) for n, limit in cfg.dup_n_grams),
    ]
    return GroupResult(signals, first_failure(checks))
