"""Language-aware words and sentences for the quality rules.

Space-delimited languages use exactly datatrove's tokenizer for the language (spaCy based), so English
decisions match datatrove's filters token for token. CJK gets tokenizers that exist offline:

- zh: jieba, the segmenter datatrove's own spaCy zh pipeline is configured with.
- ja: runs of one script (kanji / hiragana / katakana / Latin+digits), punctuation one char each.
  datatrove's ja needs SudachiPy (not installed). Script changes approximate Japanese word boundaries
  (content word in kanji or katakana, particles and inflections in hiragana), whereas one token per
  character would pin the mean word length at 1 and make n-gram rules see characters, not words.
- ko: spaCy's language-neutral "xx" tokenizer (whitespace + punctuation), what datatrove falls back to
  for space-delimited languages. Korean is written with spaces between eojeol, so these are real
  word units; datatrove's Kiwi morpheme tokenizer is not installed.

Models load on first use, not at import.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType

from datatrove.utils.text import PUNCTUATION_SET
from datatrove.utils.word_tokenizers import SpaCyTokenizer, WhitespaceTokenizer, WordTokenizer, load_word_tokenizer

from schemas.quality import normalize_language

from .spacy_chunks import ChunkTokenizer

logger = logging.getLogger(__name__)

# datatrove defaults every filter to English; unlabelled text is scored the same way.
DEFAULT_LANGUAGE = "en"

# Sentence ends for CJK: full-width and ASCII enders (ASCII "." only before a space or the end, so
# "3.5" is no boundary), optionally followed by closing quotes/brackets.
_CJK_SENTENCE_END = re.compile(r"(?:[。！？｡．!?]+|\.+(?=\s|$))[」』”’）)\]\"']*")

_KANJI = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HIRAGANA = "\u3041-\u309f"
_KATAKANA = "\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # minus ・ (U+30FB), a separator
_NOT_JA_WORD = rf"\W_{_KANJI}{_HIRAGANA}{_KATAKANA}"
# A Latin/digit run may contain single . , - between characters (8.5, 32,800, www.example.com), which keeps
# numbers and addresses whole as spaCy does for English instead of counting them as several non-words.
_JA_RUNS = re.compile(rf"[{_KANJI}]+|[{_HIRAGANA}]+|[{_KATAKANA}]+|[^{_NOT_JA_WORD}]+(?:[.,\-][^{_NOT_JA_WORD}]+)*|\S")


def is_symbol_word(word: str) -> bool:
    """datatrove's Gopher "symbol word": every character is punctuation."""
    return all(ch in PUNCTUATION_SET for ch in word)


def _strip_tokens(tokens: list[str]) -> list[str]:
    # datatrove's strip_strings: whitespace tokens vanish, the rest are stripped.
    return [t.strip() for t in tokens if t.strip()]


def _sentence_parts(text: str, ends: list[int]) -> list[str]:
    # datatrove's split_into_sentences: each part runs to the next sentence end, the last to the end of
    # the text, and no detected sentence still yields one part.
    starts = [0, *ends[:-1]]
    stops = [*ends[:-1], len(text)]
    return [text[a:b] for a, b in zip(starts, stops, strict=True)]


@dataclass(frozen=True)
class WordStats:
    """A text's words and the per-word counts Gopher's quality rules use."""

    words: list[str]
    #: Words with a character outside PUNCTUATION_SET (datatrove's non-symbol words), and their characters.
    n_content: int
    content_chars: int
    #: Words with an alphabetic character.
    n_alpha: int
    #: Per word: an id equal for equal words; None when not at hand (see NGrams).
    word_ids: list[int] | None = None

    @classmethod
    def of(cls, words: list[str]) -> WordStats:
        content = [w for w in words if not is_symbol_word(w)]
        n_alpha = sum(any(c.isalpha() for c in w) for w in words)
        return cls(words, len(content), sum(len(w) for w in content), n_alpha)


@dataclass(frozen=True)
class LineAnalysis:
    #: Sentences per line, counted like datatrove's ``len(split_into_sentences(line))``.
    sentence_counts: list[int]
    #: ``words("\n".join(lines))`` when it came for free, else None.
    words: list[str] | None = None


class TextUnits(ABC):
    """Words and sentences of one language, as the rules count them."""

    #: False where words are not separated by spaces, so C4's ``line.split()`` cannot count words.
    space_delimited: bool = True

    @abstractmethod
    def words(self, text: str) -> list[str]:
        """Word tokens including punctuation tokens, whitespace removed (datatrove's word_tokenize)."""

    def word_stats(self, text: str) -> WordStats:
        return WordStats.of(self.words(text))

    @abstractmethod
    def sentence_ends(self, text: str) -> list[int]:
        """Character offsets where sentences end."""

    def sentences(self, text: str) -> list[str]:
        return _sentence_parts(text, self.sentence_ends(text))

    def analyze_lines(self, lines: list[str]) -> LineAnalysis:
        return LineAnalysis([len(self.sentences(line)) for line in lines])

    def line_words(self, line: str) -> list[str]:
        """Words of one line for C4's per-line rules (min words, max word length)."""
        if self.space_delimited:
            return line.split()
        return [w for w in self.words(line) if not is_symbol_word(w)]


class DatatroveUnits(TextUnits):
    def __init__(self, tokenizer: WordTokenizer) -> None:
        self.tokenizer = tokenizer

    def words(self, text: str) -> list[str]:
        return self.tokenizer.word_tokenize(text)

    def sentence_ends(self, text: str) -> list[int]:
        return [end for _, end in self.tokenizer.span_tokenize(text)]

    def analyze_lines(self, lines: list[str]) -> LineAnalysis:
        tokenizer = self.tokenizer
        # ja is chunked by bytes inside datatrove; keep its own path for it and non-spaCy tokenizers.
        if not isinstance(tokenizer, SpaCyTokenizer) or tokenizer.language == "ja":
            return super().analyze_lines(lines)
        try:
            return _spacy_analyze_lines(tokenizer, lines)
        except Exception:  # datatrove's per-line path has its own workarounds (e.g. "IS_ALPHA")
            return super().analyze_lines(lines)


class CachedSpacyUnits(DatatroveUnits):
    """datatrove's spaCy tokenizer, computed per whitespace chunk and cached (see ``spacy_chunks``).

    Falls back to datatrove's own calls if spaCy fails on a text (datatrove retries some of those with the
    text altered, e.g. without "IS_ALPHA").
    """

    def __init__(self, tokenizer: SpaCyTokenizer, chunks: ChunkTokenizer) -> None:
        super().__init__(tokenizer)  # datatrove's pipeline loads only if a fallback needs it
        self.chunks = chunks

    def words(self, text: str) -> list[str]:
        try:
            return self.chunks.words(text)
        except Exception:
            return super().words(text)

    def word_stats(self, text: str) -> WordStats:
        try:
            entries = self.chunks.lookup(text.split())
        except Exception:
            return WordStats.of(super().words(text))
        words, ids, n_content, content_chars, n_alpha = self.chunks.concat(entries)
        return WordStats(words, n_content, content_chars, n_alpha, ids)

    def analyze_lines(self, lines: list[str]) -> LineAnalysis:
        try:
            return LineAnalysis(*self.chunks.analyze_lines(lines))
        except Exception:
            return super().analyze_lines(lines)


class WhitespaceUnits(DatatroveUnits):
    """datatrove's fallback ``WhitespaceTokenizer`` (ka, yi, dv, ...): its words are spaCy "xx" tokens, which it
    computes with a full spaCy call per text; here they come from the chunk cache. Sentences stay its own."""

    def words(self, text: str) -> list[str]:
        return _spacy_units("xx").words(text)

    def word_stats(self, text: str) -> WordStats:
        return _spacy_units("xx").word_stats(text)


class _CJKSentences(TextUnits):
    def sentence_ends(self, text: str) -> list[int]:
        return [m.end() for m in _CJK_SENTENCE_END.finditer(text)]


class ChineseUnits(_CJKSentences):
    """jieba words. jieba never joins across whitespace, so a text's words are its lines' words: they are
    memoised per line, and C4's per-line rules and FineWeb (on C4's output) reuse the document's."""

    space_delimited = False

    def __init__(self, max_cache: int = 20_000) -> None:
        self.max_cache = max_cache
        self._lines: dict[str, tuple[str, ...]] = {}

    def words(self, text: str) -> list[str]:
        words: list[str] = []
        for line in text.split("\n"):
            words += self._line_words(line)
        return words

    def _line_words(self, line: str) -> tuple[str, ...]:
        cached = self._lines.get(line)
        if cached is None:
            if len(self._lines) >= self.max_cache:
                self._lines.clear()
            cached = self._lines[line] = tuple(_strip_tokens(_jieba().lcut(line)))
        return cached


class JapaneseUnits(_CJKSentences):
    space_delimited = False

    def words(self, text: str) -> list[str]:
        return _JA_RUNS.findall(text)


class KoreanUnits(_CJKSentences):
    def words(self, text: str) -> list[str]:
        return _spacy_units("xx").words(text)


def _spacy_analyze_lines(tokenizer: SpaCyTokenizer, lines: list[str]) -> LineAnalysis:
    """Same pipeline as datatrove's span_tokenize/word_tokenize, one memory zone for all lines.

    Per-line calls each rebuild the vocabulary inside a fresh memory zone, which dominates C4's cost;
    ``nlp.pipe`` still processes every line as its own Doc, so the sentences are identical. spaCy
    tokenizes each whitespace-delimited chunk independently, so the lines' tokens are exactly the
    tokens of the lines joined by newlines (whitespace tokens are dropped, as datatrove does).
    """
    nlp = tokenizer.tokenizer
    counts: list[int] = []
    words: list[str] = []
    with nlp.memory_zone():
        nlp.max_length = max((len(line) for line in lines), default=0) + 10
        for doc in nlp.pipe(lines):
            # datatrove's sentence parts: a text without a detected sentence is still one part.
            counts.append(max(1, sum(1 for _ in doc.sents)))
            words.extend(_strip_tokens([token.text for token in doc]))
    return LineAnalysis(counts, words)


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading banner is noise in pipeline logs
    return jieba


_CJK_UNITS: dict[str, type[TextUnits]] = {"zh": ChineseUnits, "ja": JapaneseUnits, "ko": KoreanUnits}


@cache
def text_units_for(language: str | None) -> TextUnits:
    """The units for a language code (None means datatrove's default, English)."""
    keys = normalize_language(language or DEFAULT_LANGUAGE)
    for key in keys:
        if key in _CJK_UNITS:
            return _CJK_UNITS[key]()
    for key in dict.fromkeys((language or DEFAULT_LANGUAGE, *keys)):
        try:
            tokenizer = load_word_tokenizer(key)
            if isinstance(tokenizer, SpaCyTokenizer) and tokenizer.config is None:
                units = _spacy_units(tokenizer.language)
            elif type(tokenizer) is WhitespaceTokenizer:
                units = WhitespaceUnits(tokenizer)
            else:
                units = DatatroveUnits(tokenizer)
            units.words("probe")  # some tokenizers only find their missing packages on first use
        except (ValueError, ImportError, OSError):
            continue
        return units
    # Unknown code, or its tokenizer's package is missing: split on spaces and punctuation.
    logger.warning("no word tokenizer for language %r, using spaCy's multilingual tokenizer", language)
    return _spacy_units("xx")


@cache
def _spacy_units(language: str) -> TextUnits:
    """spaCy ``blank(language)`` words, through the chunk cache when its tokenizer is the standard one."""
    from spacy.tokenizer import Tokenizer

    chunks = ChunkTokenizer(language)
    if type(chunks.nlp.tokenizer) is Tokenizer:
        return CachedSpacyUnits(SpaCyTokenizer(language), chunks)
    return DatatroveUnits(SpaCyTokenizer(language))
