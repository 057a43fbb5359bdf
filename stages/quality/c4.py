"""C4 line rules (datatrove ``C4QualityFilter``): drop bad lines, reject a few whole-page patterns.

Every line is examined even after a page-level rejection so that the counts describe the whole
document; the verdict is still the first page-level hit in line order, as in datatrove.
"""

from __future__ import annotations

import re

from schemas.quality import C4Config

from .result import GroupResult, ratio
from .text_units import TextUnits

CITATION_REGEX = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_LINE_COUNTS = (
    "too_long_word",
    "no_terminal_punct",
    "too_few_words",
    "javascript",
    "policy",
    "lorem_ipsum",
    "curly",
)


def score_c4(text: str, units: TextUnits, cfg: C4Config) -> GroupResult:
    units_of_text = text.splitlines() if cfg.split_paragraph else units.sentences(text)
    counts = dict.fromkeys(_LINE_COUNTS, 0)
    failed_rule: str | None = None
    kept: list[str] = []

    for raw in units_of_text:
        line = raw.strip()
        # Word rules look at the line before citations are removed, as datatrove does.
        words = units.line_words(line)
        if (
            cfg.max_word_length != -1
            and len(line) > cfg.max_word_length  # no word can be longer than its line
            and any(len(w) > cfg.max_word_length for w in words)
        ):
            counts["too_long_word"] += 1
            continue
        if cfg.remove_citations and "[" in line:
            line = CITATION_REGEX.sub("", line)
        if cfg.filter_no_terminal_punct and (
            not line.endswith(cfg.terminal_punctuation) or line.endswith(cfg.ellipsis_endings)
        ):
            counts["no_terminal_punct"] += 1
            continue
        if len(words) < cfg.min_words_per_line:
            counts["too_few_words"] += 1
            continue
        lowered = line.lower()
        if "lorem ipsum" in lowered:
            counts["lorem_ipsum"] += 1
            if cfg.filter_lorem_ipsum:
                failed_rule = failed_rule or "lorem_ipsum"
                continue
        if cfg.filter_javascript and "javascript" in lowered:
            counts["javascript"] += 1
            continue
        if "{" in line:
            counts["curly"] += 1
            if cfg.filter_curly_bracket:
                failed_rule = failed_rule or "curly_bracket"
                continue
        if cfg.filter_policy and any(p in lowered for p in cfg.policy_substrings):
            counts["policy"] += 1
            continue
        kept.append(line)

    # Counted for every kept line (datatrove skips this when min_num_sentences is -1; then the
    # comparison below can never fail anyway). In sentence mode every kept unit is one sentence.
    analysis = units.analyze_lines(kept) if cfg.split_paragraph else None
    n_sentences = sum(analysis.sentence_counts) if analysis else len(kept)
    if failed_rule is None and n_sentences < cfg.min_num_sentences:
        failed_rule = "too_few_sentences"
    new_text = ("\n" if cfg.split_paragraph else " ").join(kept).strip()
    signals = {
        "c4_line_count": float(len(units_of_text)),
        "c4_kept_line_count": float(len(kept)),
        "c4_sentence_count": float(n_sentences),
        "c4_too_long_word_lines": float(counts["too_long_word"]),
        "c4_no_terminal_punct_lines": float(counts["no_terminal_punct"]),
        "c4_too_few_words_lines": float(counts["too_few_words"]),
        "c4_javascript_lines": float(counts["javascript"]),
        "c4_policy_lines": float(counts["policy"]),
        # Lines containing the pattern, counted whether or not the page-level rule is enabled.
        "c4_lorem_ipsum_lines": float(counts["lorem_ipsum"]),
        "c4_curly_bracket_lines": float(counts["curly"]),
        "c4_removed_char_frac": ratio(len(text) - len(new_text), len(text)),
    }
    # A rejected page keeps its text: datatrove only rewrites documents it lets through.
    if failed_rule:
        return GroupResult(signals, failed_rule, text)
    return GroupResult(signals, None, new_text, analysis.words if analysis else None)
