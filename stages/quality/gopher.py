"""Gopher quality rules (datatrove ``GopherQualityFilter``), with every measured value recorded."""

from __future__ import annotations

from schemas.quality import DATATROVE_STOP_WORDS, GopherQualityConfig

from .result import GroupResult, above, below, first_failure, ratio
from .text_units import WordStats


def score_gopher_quality(text: str, stats: WordStats, cfg: GopherQualityConfig) -> GroupResult:
    words = stats.words
    n_words = len(words)
    n_content = stats.n_content
    mean_length = ratio(stats.content_chars, n_content)
    hash_ratio = ratio(text.count("#"), n_words)
    ellipsis_ratio = ratio(text.count("...") + text.count("…"), n_words)
    lines = text.splitlines()
    bullet_ratio = ratio(sum(s.lstrip().startswith(("•", "-")) for s in lines), len(lines))
    end_ellipsis_ratio = ratio(sum(s.rstrip().endswith(("...", "…")) for s in lines), len(lines))
    alpha_ratio = ratio(stats.n_alpha, n_words)
    stop_words = set(DATATROVE_STOP_WORDS if cfg.stop_words is None else cfg.stop_words)
    n_stop_words = len(stop_words.intersection(words))

    signals = {
        "gopher_word_count": float(n_content),
        "gopher_mean_word_length": mean_length,
        "gopher_hash_word_ratio": hash_ratio,
        "gopher_ellipsis_word_ratio": ellipsis_ratio,
        "gopher_bullet_lines_ratio": bullet_ratio,
        "gopher_end_ellipsis_lines_ratio": end_ellipsis_ratio,
        "gopher_alpha_words_ratio": alpha_ratio,
        "gopher_stop_word_count": float(n_stop_words),
    }
    # Word counts and mean length use non-symbol words; the per-word ratios divide by all tokens.
    checks = [
        ("gopher_short_doc", below(n_content, cfg.min_doc_words)),
        ("gopher_long_doc", above(n_content, cfg.max_doc_words)),
        ("gopher_below_avg_threshold", below(mean_length, cfg.min_avg_word_length)),
        ("gopher_above_avg_threshold", above(mean_length, cfg.max_avg_word_length)),
        ("gopher_too_many_hashes", above(hash_ratio, cfg.max_symbol_word_ratio)),
        ("gopher_too_many_ellipsis", above(ellipsis_ratio, cfg.max_symbol_word_ratio)),
        ("gopher_too_many_bullets", above(bullet_ratio, cfg.max_bullet_lines_ratio)),
        ("gopher_too_many_end_ellipsis", above(end_ellipsis_ratio, cfg.max_ellipsis_lines_ratio)),
        # datatrove's max_non_alpha_words_ratio is really a minimum share of words with a letter.
        ("gopher_below_alpha_threshold", below(alpha_ratio, cfg.max_non_alpha_words_ratio)),
        ("gopher_enough_stop_words", below(n_stop_words, cfg.min_stop_words)),
    ]
    return GroupResult(signals, first_failure(checks))
