"""Text normalization, shingling and the exact-duplicate hash.

Normalization folds what should not make two copies of a page different: Unicode compatibility forms (NFKC),
case, punctuation and runs of whitespace. Shingles are word n-grams, or character n-grams for languages written
without spaces (zh, ja, th, ...) and for any text written mostly in such a script, whatever its language label.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

# \W is every character that is not a letter, digit or underscore in any script: punctuation, symbols, spaces.
_NON_WORD = re.compile(r"[\W_]+")
_SPACE = 0x20
# Scripts written without spaces between words: kana, CJK ideographs, Thai, Lao, Tibetan, Myanmar, Khmer.
_NO_SPACE_SCRIPT = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]"
)


def normalize(text: str) -> str:
    """NFKC, lowercase, punctuation and whitespace folded to single spaces."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def exact_hash(normalized: str) -> int:
    """63 bits (fits int64 columns) of xxh3 over the normalized text: equal for texts that differ only in case,
    punctuation, spacing or Unicode form."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8")) & 0x7FFF_FFFF_FFFF_FFFF


def uses_char_shingles(normalized: str, language: str | None, char_languages: frozenset[str] | set[str]) -> bool:
    """Character shingles for the configured languages, and for any text mostly in a script without word spaces.

    Looking at the script rather than at spacing keeps the choice stable under small edits: Chinese with
    punctuation (folded to spaces) would otherwise flip between word and character shingles with a single
    changed comma, and the two shingle sets of near-identical texts would share nothing."""
    if language in char_languages:
        return True
    if normalized.isascii():
        return False
    letters = len(normalized) - normalized.count(" ")
    return 2 * len(_NO_SPACE_SCRIPT.findall(normalized)) > letters


def word_shingles(normalized: str, n: int) -> list[bytes]:
    """Distinct word n-grams, as the UTF-8 bytes of the n words joined by one space.

    The n-grams are slices of the encoded text (words are separated by exactly one space after normalization),
    which is several times faster than joining and encoding each n-gram.
    """
    if not normalized:
        return []
    data = normalized.encode("utf-8")
    spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SPACE)
    if len(spaces) < n:  # fewer than n words: the whole text is the one shingle
        return [data]
    starts = np.concatenate(([0], spaces + 1))[: len(spaces) + 1 - n + 1].tolist()
    ends = np.concatenate((spaces, [len(data)]))[n - 1 :].tolist()
    return list({data[s:e] for s, e in zip(starts, ends, strict=True)})


def char_shingles(normalized: str, n: int) -> list[bytes]:
    """Distinct character n-grams of the text with the spaces removed."""
    text = normalized.replace(" ", "")
    if not text:
        return []
    if len(text) <= n:
        return [text.encode("utf-8")]
    return [s.encode("utf-8") for s in {text[i : i + n] for i in range(len(text) - n + 1)}]


def shingle(
    text: str,
    language: str | None = None,
    n_grams: int = 5,
    char_n_grams: int = 5,
    char_languages: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[bytes], int]:
    """(distinct shingles, exact hash) of one document."""
    normalized = normalize(text)
    if uses_char_shingles(normalized, language, char_languages):
        shingles = char_shingles(normalized, char_n_grams)
    else:
        shingles = word_shingles(normalized, n_grams)
    return shingles, exact_hash(normalized)
