"""Thresholds for the heuristic quality rules (Gopher quality/repetition, C4, FineWeb).

Field names and defaults mirror datatrove 0.10.1's filter constructors so a FineWeb recipe translates 1:1.
Per-language overrides change only the fields they name; zh/ja/ko ship with adapted defaults because
several rules assume space-delimited, ASCII-punctuated English (see ``_builtin_language_overrides``).

This module stays import-light (pydantic only): datatrove's constants are copied here and a test checks
that they still match the installed datatrove.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_serializer,
    field_validator,
)

# Copies of datatrove 0.10.1 constants (gopher_quality_filter.STOP_WORDS, c4_filters.END_PUNCTUATION,
# c4_filters.ELLIPSIS, c4_filters.POLICY_SUBSTRINGS); tests/test_quality_rules.py guards against drift.
DATATROVE_STOP_WORDS: tuple[str, ...] = ("the", "be", "to", "of", "and", "that", "have", "with")
DATATROVE_C4_END_PUNCTUATION: tuple[str, ...] = (".", "?", "!", '"', "'")
DATATROVE_C4_ELLIPSIS: tuple[str, ...] = ("...",)
DATATROVE_C4_POLICY_SUBSTRINGS: tuple[str, ...] = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)

TOP_N_GRAM_SIZES: tuple[int, ...] = (2, 3, 4)
DUP_N_GRAM_SIZES: tuple[int, ...] = (5, 6, 7, 8, 9, 10)

# Three-letter and macro-language codes that should share the two-letter CJK overrides and tokenizers.
LANGUAGE_ALIASES: dict[str, str] = {
    "zho": "zh",
    "cmn": "zh",
    "yue": "zh",
    # Chinese varieties written in Han characters (fastText lid.176 labels Wu Chinese "wuu")
    "wuu": "zh",
    "gan": "zh",
    "hsn": "zh",
    "lzh": "zh",
    "jpn": "ja",
    "kor": "ko",
    "eng": "en",
}

# The order is part of the document Parquet schema (one float64 struct field per name): append only.
QUALITY_SIGNALS: tuple[str, ...] = (
    # Gopher repetition (on the original text)
    "repetition_dup_para_frac",
    "repetition_dup_para_char_frac",
    "repetition_dup_line_frac",
    "repetition_dup_line_char_frac",
    *(f"repetition_top_{n}gram_char_frac" for n in TOP_N_GRAM_SIZES),
    *(f"repetition_dup_{n}gram_char_frac" for n in DUP_N_GRAM_SIZES),
    # Gopher quality (on the original text)
    "gopher_word_count",
    "gopher_mean_word_length",
    "gopher_hash_word_ratio",
    "gopher_ellipsis_word_ratio",
    "gopher_bullet_lines_ratio",
    "gopher_end_ellipsis_lines_ratio",
    "gopher_alpha_words_ratio",
    "gopher_stop_word_count",
    # C4 (line filtering; counts are lines by the first rule that dropped them)
    "c4_line_count",
    "c4_kept_line_count",
    "c4_sentence_count",
    "c4_too_long_word_lines",
    "c4_no_terminal_punct_lines",
    "c4_too_few_words_lines",
    "c4_javascript_lines",
    "c4_policy_lines",
    "c4_lorem_ipsum_lines",
    "c4_curly_bracket_lines",
    "c4_removed_char_frac",
    # FineWeb (on the text after C4's line removal)
    "fineweb_line_punct_ratio",
    "fineweb_short_line_ratio",
    "fineweb_char_dup_ratio",
    "fineweb_list_ratio",
)


class _Strict(BaseModel):
    # frozen: resolved configs are cached per language, so they must not change underneath the cache.
    model_config = ConfigDict(extra="forbid", frozen=True)


class GopherQualityConfig(_Strict):
    """datatrove ``GopherQualityFilter``; a ``None`` (or 0) threshold disables that check, as in datatrove."""

    enabled: bool = Field(True, description="Run this rule group.")
    min_doc_words: int | None = Field(50, description="Reject with fewer non-symbol words (gopher_short_doc).")
    max_doc_words: int | None = Field(100000, description="Reject with more non-symbol words (gopher_long_doc).")
    min_avg_word_length: float | None = Field(
        3, description="Reject when the mean non-symbol word length is below (gopher_below_avg_threshold)."
    )
    max_avg_word_length: float | None = Field(
        10, description="Reject when the mean non-symbol word length is above (gopher_above_avg_threshold)."
    )
    max_symbol_word_ratio: float | None = Field(
        0.1,
        description="Max '#' per word and max ellipses per word (gopher_too_many_hashes / _ellipsis).",
    )
    max_bullet_lines_ratio: float | None = Field(
        0.9, description="Max fraction of lines starting with '•' or '-' (gopher_too_many_bullets)."
    )
    max_ellipsis_lines_ratio: float | None = Field(
        0.3, description="Max fraction of lines ending with '...' or '…' (gopher_too_many_end_ellipsis)."
    )
    max_non_alpha_words_ratio: float | None = Field(
        0.8,
        description="Despite datatrove's name, the MIN fraction of words with an alphabetic character "
        "(gopher_below_alpha_threshold).",
    )
    min_stop_words: int | None = Field(
        2, description="Min number of distinct stop words present (gopher_enough_stop_words)."
    )
    stop_words: tuple[str, ...] | None = Field(
        None,
        description="Stop-word list (exact, case-sensitive tokens); None means datatrove's English list.",
    )


def _check_n_gram_sizes(value: tuple[tuple[int, float], ...], allowed: tuple[int, ...]) -> None:
    for n, _ in value:
        if n not in allowed:
            # Each n has a fixed signal column; other sizes would need a schema change.
            raise ValueError(f"n-gram size {n} not supported, use one of {allowed}")


class GopherRepetitionConfig(_Strict):
    """datatrove ``GopherRepetitionFilter`` (Gopher paper table A1 defaults)."""

    enabled: bool = Field(True, description="Run this rule group.")
    dup_line_frac: float | None = Field(0.3, description="Max fraction of duplicate lines (dup_line_frac).")
    dup_para_frac: float | None = Field(0.3, description="Max fraction of duplicate paragraphs (dup_para_frac).")
    dup_line_char_frac: float | None = Field(
        0.2, description="Max fraction of characters in duplicate lines (dup_line_char_frac)."
    )
    dup_para_char_frac: float | None = Field(
        0.2, description="Max fraction of characters in duplicate paragraphs (dup_para_char_frac)."
    )
    top_n_grams: tuple[tuple[int, float], ...] = Field(
        ((2, 0.2), (3, 0.18), (4, 0.16)),
        description="(n, max char fraction of the most frequent n-gram) pairs, checked in order "
        f"(top_{{n}}_gram); n in {TOP_N_GRAM_SIZES}.",
    )
    dup_n_grams: tuple[tuple[int, float], ...] = Field(
        ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)),
        description="(n, max char fraction covered by repeated n-grams) pairs, checked in order "
        f"(duplicated_{{n}}_n_grams); n in {DUP_N_GRAM_SIZES}.",
    )

    @field_validator("top_n_grams")
    @classmethod
    def _top_sizes(cls, value: tuple[tuple[int, float], ...]) -> tuple[tuple[int, float], ...]:
        _check_n_gram_sizes(value, TOP_N_GRAM_SIZES)
        return value

    @field_validator("dup_n_grams")
    @classmethod
    def _dup_sizes(cls, value: tuple[tuple[int, float], ...]) -> tuple[tuple[int, float], ...]:
        _check_n_gram_sizes(value, DUP_N_GRAM_SIZES)
        return value


class C4Config(_Strict):
    """datatrove ``C4QualityFilter`` as FineWeb runs it (``filter_no_terminal_punct=False``).

    Integer thresholds use datatrove's ``-1`` to disable. Lines are edited out of the text; only
    lorem ipsum, curly brackets and too few sentences reject the whole document.
    """

    enabled: bool = Field(True, description="Run this rule group.")
    split_paragraph: bool = Field(
        True, description="Treat lines as units (C4); False applies the line rules to sentences instead."
    )
    remove_citations: bool = Field(True, description="Strip wikipedia-style [1], [edit], [citation needed].")
    filter_no_terminal_punct: bool = Field(
        False,
        description="Drop lines not ending in terminal punctuation. datatrove defaults to True, but "
        "FineWeb turns it off (its line_punct_ratio rule covers the intent more gently).",
    )
    min_num_sentences: int = Field(
        5, description="Reject with fewer sentences in kept lines (too_few_sentences); -1 disables."
    )
    min_words_per_line: int = Field(3, description="Drop lines with fewer words; -1 disables.")
    max_word_length: int = Field(1000, description="Drop lines with a longer word; -1 disables.")
    filter_lorem_ipsum: bool = Field(True, description="Reject documents containing 'lorem ipsum'.")
    filter_javascript: bool = Field(True, description="Drop lines mentioning 'javascript'.")
    filter_curly_bracket: bool = Field(True, description="Reject documents containing '{' (curly_bracket).")
    filter_policy: bool = Field(True, description="Drop lines containing a policy_substrings phrase.")
    terminal_punctuation: tuple[str, ...] = Field(
        DATATROVE_C4_END_PUNCTUATION,
        description="Line endings accepted by filter_no_terminal_punct (datatrove's END_PUNCTUATION).",
    )
    ellipsis_endings: tuple[str, ...] = Field(
        DATATROVE_C4_ELLIPSIS,
        description="Line endings that never count as terminal punctuation (datatrove's ELLIPSIS).",
    )
    policy_substrings: tuple[str, ...] = Field(
        DATATROVE_C4_POLICY_SUBSTRINGS,
        description="Lower-case phrases marking cookie/terms boilerplate lines (datatrove's POLICY_SUBSTRINGS).",
    )


class FineWebConfig(_Strict):
    """datatrove ``FineWebQualityFilter``; it runs on the text left after C4's line removal."""

    enabled: bool = Field(True, description="Run this rule group.")
    line_punct_thr: float = Field(0.12, description="Min fraction of lines ending in stop_chars (line_punct_ratio).")
    line_punct_exclude_zero: bool = Field(False, description="Do not reject when no line at all ends in stop_chars.")
    stop_chars: tuple[str, ...] | None = Field(
        None,
        description="Line-final characters; None means datatrove's TERMINAL_PUNCTUATION (includes 。！？).",
    )
    extra_stop_chars: tuple[str, ...] = Field(
        (), description="Added to stop_chars; lets a language override extend the default set."
    )
    short_line_thr: float = Field(
        0.67, description="Max fraction of lines no longer than short_line_length (short_line_ratio)."
    )
    short_line_length: int = Field(30, description="A line of at most this many characters is short.")
    char_duplicates_ratio: float = Field(
        0.01, description="Max fraction of characters in duplicate lines (char_dup_ratio)."
    )
    new_line_ratio: float = Field(0.3, description="Max newlines per word (list_ratio).")


class LanguageOverride(_Strict):
    """Partial overrides for one language: only the fields actually given replace the global ones.

    Each group is parsed with its full model (so unknown fields and bad types are rejected with the
    field's path), but only its explicitly set fields (``model_fields_set``) are applied.
    """

    enabled: bool | None = Field(None, description="Turn all quality scoring on/off for this language.")
    gopher_repetition: GopherRepetitionConfig | None = Field(None, description="Partial repetition overrides.")
    gopher_quality: GopherQualityConfig | None = Field(None, description="Partial Gopher quality overrides.")
    c4: C4Config | None = Field(None, description="Partial C4 overrides.")
    fineweb: FineWebConfig | None = Field(None, description="Partial FineWeb overrides.")

    @field_serializer("gopher_repetition", "gopher_quality", "c4", "fineweb")
    def _only_set_fields(self, group: _Strict | None) -> dict[str, Any] | None:
        # Dumping defaults would turn them into explicit overrides on the next load.
        return None if group is None else group.model_dump(exclude_unset=True)


GROUP_NAMES: tuple[str, ...] = ("gopher_repetition", "gopher_quality", "c4", "fineweb")


def _merge_partial(base: _Strict | None, update: _Strict | None, *, keep_unset: bool) -> _Strict | None:
    if update is None:
        return base
    if base is None:
        return update
    # Re-validate rather than model_copy so that field validators see the merged values.
    merged = {**base.model_dump(exclude_unset=not keep_unset), **update.model_dump(exclude_unset=True)}
    return type(base).model_validate(merged)


def _merge_overrides(base: LanguageOverride, update: LanguageOverride) -> LanguageOverride:
    values: dict[str, Any] = {}
    if update.enabled is not None or base.enabled is not None:
        values["enabled"] = update.enabled if update.enabled is not None else base.enabled
    for name in GROUP_NAMES:
        merged = _merge_partial(getattr(base, name), getattr(update, name), keep_unset=False)
        if merged is not None:
            values[name] = merged
    return LanguageOverride(**values)


# CJK punctuation: sentence enders, closing quotes/brackets that legitimately end a line after them,
# and the CJK ellipsis (U+2026, usually doubled "……").
_CJK_SENTENCE_END = ("。", "！", "？", "．", "｡")
_CJK_CLOSERS = ("」", "』", "”", "’", "）", "》")


def _cjk_override(
    *,
    stop_words: tuple[str, ...] | None,
    min_avg_word_length: float | None,
    max_avg_word_length: float,
    short_line_length: int,
    policy: tuple[str, ...],
    min_alpha_words_ratio: float | None = None,
) -> dict[str, Any]:
    gopher: dict[str, Any] = {
        "min_avg_word_length": min_avg_word_length,
        "max_avg_word_length": max_avg_word_length,
    }
    if min_alpha_words_ratio is not None:
        gopher["max_non_alpha_words_ratio"] = min_alpha_words_ratio
    if stop_words is None:
        gopher["min_stop_words"] = None
    else:
        gopher["stop_words"] = stop_words
    return {
        "gopher_quality": gopher,
        "c4": {
            # Only matters when filter_no_terminal_punct is switched on: accept 。！？ and a closing
            # quote after them (「…。」), and treat the CJK ellipsis like "...".
            "terminal_punctuation": DATATROVE_C4_END_PUNCTUATION + _CJK_SENTENCE_END + _CJK_CLOSERS,
            "ellipsis_endings": DATATROVE_C4_ELLIPSIS + ("…",),
            # C4's boilerplate intent in the local language; English phrases still apply to mixed pages.
            "policy_substrings": DATATROVE_C4_POLICY_SUBSTRINGS + policy,
        },
        "fineweb": {
            # TERMINAL_PUNCTUATION already has 。！？; dialogue and quotations often end a line with a
            # closing quote instead, which would otherwise count as an unpunctuated line.
            "extra_stop_chars": _CJK_CLOSERS,
            "short_line_length": short_line_length,
        },
    }


# Gopher's stop-word rule asks for at least two of a handful of the most frequent function words, a cheap
# "is this running prose" test. The English list never matches other languages, so every non-English article
# would fail it; these are each language's most frequent function words (lower case, as they appear
# mid-sentence), the same kind of list as Gopher's English one.
_SPACE_DELIMITED_STOP_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf", "für", "ist", "nicht"),
    "fr": ("de", "la", "le", "et", "les", "des", "en", "un", "du", "une", "que", "est", "pour", "qui", "dans"),
    "es": ("de", "la", "que", "el", "en", "y", "a", "los", "se", "del", "las", "un", "por", "con", "una"),
    "it": ("di", "e", "il", "la", "che", "in", "a", "per", "un", "del", "non", "è", "una", "le", "con"),
    "pt": ("de", "a", "o", "que", "e", "do", "da", "em", "um", "para", "com", "não", "uma", "os", "no"),
    "nl": ("de", "en", "van", "het", "een", "in", "is", "dat", "op", "te", "zijn", "met", "voor", "niet"),
    "ru": ("и", "в", "не", "на", "что", "с", "по", "как", "это", "он", "к", "но", "из", "у", "за", "от"),
    "pl": ("i", "w", "na", "z", "się", "nie", "do", "to", "że", "jest", "o", "jak", "po", "a"),
    "ar": ("في", "من", "على", "أن", "إلى", "عن", "ما", "هذا", "التي", "الذي", "مع", "كان", "و", "لا"),
}


def _builtin_language_overrides() -> dict[str, dict[str, Any]]:
    """zh/ja/ko defaults; numbers measured on lingua's Leipzig sentence samples (see the report).

    - Stop words: the English list can never match. zh/ja have free-standing function words after
      tokenization (的/了/是…, の/に/は…), present in every sample document; Korean particles and
      endings are bound to the eojeol, so no free-standing set is reliable without a morphological
      analyzer (datatrove uses Kiwi, not installed) and the rule is off. Measured: even 38 free-standing
      function words (수, 것, 있다, 및, 등, 그리고, 때문에, ...) are present twice in only 93% of 6-sentence and
      71% of 3-sentence Korean documents, against 100% and 98.5% for English with Gopher's 8 words.
    - Mean word length: English bounds 3..10 are ~0.6x..2x the typical 4.9. Typical values are zh 1.75
      (jieba), ja 2.6 (script runs), ko 3.3 (eojeol). jieba falls back to single characters, so a low
      mean is not a gibberish signal in zh (min off); the max still catches docs dominated by long
      Latin/number/URL tokens, with room for mixed zh-en text (~4-5).
    - Alphabetic-word share: punctuation tokens count as non-alphabetic, and Chinese is denser in them
      (median 16% of jieba tokens vs 12% of spaCy's English tokens; median share 0.83 vs 0.86), so zh
      gets 0.75 for the same margin as English's 0.8. ja (14%, 0.84) and ko (9%, 0.88) keep 0.8.
    - FineWeb short_line_length: 30 characters of English carry about as much as 12 of zh/ja and 16 of
      ko (median sentence length en 101, zh 42, ja 41, ko 54 characters).
    - C4 min_words_per_line stays 3 but counts tokenizer words for zh/ja (no spaces); ko is space-delimited.
    """
    stop_word_overrides = {
        lang: {"gopher_quality": {"stop_words": words}} for lang, words in _SPACE_DELIMITED_STOP_WORDS.items()
    }
    return stop_word_overrides | {
        "zh": _cjk_override(
            stop_words=("的", "了", "是", "在", "和", "有", "也", "就", "与", "不"),
            min_avg_word_length=None,
            max_avg_word_length=5,
            short_line_length=12,
            policy=("隐私政策", "隐私权政策", "使用条款", "服务条款"),
            min_alpha_words_ratio=0.75,
        ),
        "ja": _cjk_override(
            stop_words=("の", "に", "は", "を", "が", "で", "と", "も"),
            min_avg_word_length=1.5,
            max_avg_word_length=5,
            short_line_length=12,
            policy=("プライバシーポリシー", "利用規約", "クッキー"),
        ),
        "ko": _cjk_override(
            stop_words=None,
            min_avg_word_length=2,
            max_avg_word_length=7,
            short_line_length=16,
            policy=("개인정보처리방침", "개인정보 처리방침", "이용약관", "쿠키"),
        ),
    }


def normalize_language(lang: str | None) -> tuple[str, ...]:
    """Lookup keys for a language code, most specific first: 'zh-Hant' -> ('zh_hant', 'zh')."""
    if not lang:
        return ()
    full = lang.strip().lower().replace("-", "_")
    primary = full.split("_", 1)[0]
    keys = [full, primary, LANGUAGE_ALIASES.get(primary, primary)]
    return tuple(dict.fromkeys(k for k in keys if k))


class ResolvedQualityConfig(_Strict):
    """The thresholds that apply to one language (global config with its override merged in)."""

    language: str | None = Field(description="The language code this was resolved for, as given.")
    enabled: bool = Field(description="Score documents of this language at all.")
    gopher_repetition: GopherRepetitionConfig = Field(description="Gopher repetition thresholds.")
    gopher_quality: GopherQualityConfig = Field(description="Gopher quality thresholds.")
    c4: C4Config = Field(description="C4 line-rule settings.")
    fineweb: FineWebConfig = Field(description="FineWeb thresholds.")


class QualityConfig(_Strict):
    """All quality rule groups plus per-language overrides (keys are language codes, case-insensitive)."""

    enabled: bool = Field(True, description="Score documents at all.")
    gopher_repetition: GopherRepetitionConfig = Field(
        default_factory=GopherRepetitionConfig, description="Gopher repetition rules (run first)."
    )
    gopher_quality: GopherQualityConfig = Field(
        default_factory=GopherQualityConfig, description="Gopher quality rules (run second)."
    )
    c4: C4Config = Field(default_factory=C4Config, description="C4 line rules (run third; edit the text).")
    fineweb: FineWebConfig = Field(default_factory=FineWebConfig, description="FineWeb rules (run last).")
    classifier: str | None = Field(
        None,
        description="Path to a fastText quality classifier (`refinery quality train`); when set, every document "
        "that passes the rules gets `quality_classifier_score`, the probability of good quality. null: off.",
    )
    classifier_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="With a classifier, reject documents scoring below this (`classifier_below_threshold`); "
        "null only records the score.",
    )
    by_language: bool = Field(
        True,
        description="Score each document with its language's words, stop words and thresholds (jieba for zh, "
        "spaCy's tokenizer of the language, the overrides below). false: every document with English words and the "
        "global thresholds, as datatrove's filters do by default.",
    )
    builtin_language_overrides: bool = Field(
        True, description="Start from the shipped zh/ja/ko overrides; given languages merge on top of them."
    )
    languages: dict[str, LanguageOverride] = Field(
        default_factory=dict,
        validate_default=True,  # so the built-in overrides are merged in when none are given
        description="Per-language partial overrides, merged over the built-in ones.",
    )

    _resolved: dict[str | None, ResolvedQualityConfig] = PrivateAttr(default_factory=dict)

    @field_validator("languages", mode="after")
    @classmethod
    def _merge_builtin(cls, value: dict[str, LanguageOverride], info: ValidationInfo) -> dict[str, LanguageOverride]:
        given = {key.lower(): override for key, override in value.items()}
        if not info.data.get("builtin_language_overrides", True):
            return given
        merged = {key: LanguageOverride.model_validate(raw) for key, raw in _builtin_language_overrides().items()}
        for key, override in given.items():
            merged[key] = _merge_overrides(merged[key], override) if key in merged else override
        return merged

    def override_for(self, lang: str | None) -> LanguageOverride | None:
        for key in normalize_language(lang):
            if key in self.languages:
                return self.languages[key]
        return None

    def for_language(self, lang: str | None) -> ResolvedQualityConfig:
        """Global thresholds with ``lang``'s override applied (cached; configs are frozen)."""
        cached = self._resolved.get(lang)
        if cached is not None:
            return cached
        override = self.override_for(lang) or LanguageOverride()
        groups = {
            name: _merge_partial(getattr(self, name), getattr(override, name), keep_unset=True) for name in GROUP_NAMES
        }
        resolved = ResolvedQualityConfig(
            language=lang,
            enabled=self.enabled if override.enabled is None else override.enabled,
            **groups,
        )
        self._resolved[lang] = resolved
        return resolved
