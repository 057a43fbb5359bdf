"""Gopher repetition rules (datatrove ``GopherRepetitionFilter``), with every fraction recorded."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from schemas.quality import DUP_N_GRAM_SIZES, TOP_N_GRAM_SIZES, GopherRepetitionConfig

from .result import GroupResult, above, first_failure

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


def top_n_gram_chars(words: list[str], n: int) -> int:
    """Characters covered by the most frequent n-gram (space-joined, times its count); 0 if none."""
    n_grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not n_grams:
        return 0
    # Counter.most_common breaks ties by first occurrence, as datatrove relies on.
    top, count = Counter(n_grams).most_common(1)[0]
    return len(top) * count


def duplicated_n_gram_chars(words: list[str], n: int) -> int:
    """Characters in n-grams seen before, skipping past each repeat so overlaps count once."""
    seen: set[str] = set()
    repeated = idx = 0
    while idx < len(words) - n + 1:
        n_gram = "".join(words[idx : idx + n])
        if n_gram in seen:
            repeated += len(n_gram)
            idx += n
        else:
            seen.add(n_gram)
            idx += 1
    return repeated


def score_repetition(text: str, words: Callable[[], list[str]], cfg: GopherRepetitionConfig) -> GroupResult:
    """``words`` is called only for non-empty text; tokenizing is the expensive part."""
    if not text:
        return GroupResult({}, "empty")
    n_chars = len(text)
    paragraphs = _PARAGRAPH_SPLIT.split(text.strip())
    para_dups, para_dup_chars = find_duplicates(paragraphs)
    # Not stripped, unlike paragraphs: leading/trailing newlines give empty "lines", as in datatrove.
    lines = _LINE_SPLIT.split(text)
    line_dups, line_dup_chars = find_duplicates(lines)
    tokens = words()
    top = {n: top_n_gram_chars(tokens, n) / n_chars for n in TOP_N_GRAM_SIZES}
    dup = {n: duplicated_n_gram_chars(tokens, n) / n_chars for n in DUP_N_GRAM_SIZES}

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
