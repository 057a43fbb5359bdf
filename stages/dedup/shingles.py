"""Text normalization, shingling and the exact-duplicate hash.

Normalization folds what should not make two copies of a page different: Unicode compatibility forms (NFKC),
case, punctuation and runs of whitespace. Shingles are word n-grams, or character n-grams for languages written
without spaces (zh, ja, th, ...) and for any text written mostly in such a script, whatever its language label.

Everything works on the UTF-8 bytes of the normalized text, which is what gets hashed: ASCII text (most of an
English crawl) is normalized with `bytes.translate`, several times faster than the Unicode regex it equals.
`shingle_spans` finds the shingles of a whole batch of documents as (start, end) offsets into one buffer with a
few numpy operations, so no Python object is made per shingle; `shingle` lists them for one document.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

# \W is every character that is not a letter, digit or underscore in any script: punctuation, symbols, spaces.
_NON_WORD = re.compile(r"[\W_]+")
_SPACE = 0x20
# Among ASCII characters \W is "not [a-zA-Z0-9]": this table lowercases ASCII letters, turns every other ASCII
# byte into a space and leaves the bytes of non-ASCII characters (>= 0x80 in UTF-8) alone.
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else _SPACE for c in range(256)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_WORD_CHARS: dict[str, bool] = {}
# Scripts written without spaces between words: kana, CJK ideographs, Thai, Lao, Tibetan, Myanmar, Khmer.
_NO_SPACE_SCRIPT = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]"
)


def _non_word(char: str) -> bool:
    """Whether the regex folds this character (cached: a text holds few distinct non-ASCII characters)."""
    folded = _NON_WORD_CHARS.get(char)
    if folded is None:
        folded = _NON_WORD_CHARS[char] = _NON_WORD.match(char) is not None
    return folded


def normalize_bytes(text: str) -> bytes:
    """UTF-8 of `normalize(text)`, computed on bytes: ASCII punctuation goes with one `bytes.translate`, each
    distinct non-ASCII punctuation character with one `bytes.replace` (UTF-8 cannot match inside another
    character), whitespace runs with split/join; 2-4x faster than the Unicode regex it equals on mostly-ASCII text."""
    if text.isascii():
        return b" ".join(text.encode("ascii").translate(_ASCII_FOLD).split())
    text = unicodedata.normalize("NFKC", text).lower()
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: \W, so the regex turns them into spaces
        data = b""
    if not data or len(data) > len(text) + len(text) // 8:  # mostly non-ASCII (Chinese, Russian): the regex wins
        return _NON_WORD.sub(" ", text).strip().encode("utf-8")
    data = data.translate(_ASCII_FOLD)
    for char in set(_NON_ASCII.findall(text)):
        if _non_word(char):
            data = data.replace(char.encode("utf-8"), b" ")
    return b" ".join(data.split())


def normalize(text: str) -> str:
    """NFKC, lowercase, punctuation and whitespace folded to single spaces."""
    return normalize_bytes(text).decode("utf-8")


def exact_hash(normalized: str | bytes) -> int:
    """63 bits (fits int64 columns) of xxh3 over the normalized text: equal for texts that differ only in case,
    punctuation, spacing or Unicode form."""
    data = normalized.encode("utf-8") if isinstance(normalized, str) else normalized
    return xxhash.xxh3_64_intdigest(data) & 0x7FFF_FFFF_FFFF_FFFF


def uses_char_shingles(
    normalized: str | bytes, language: str | None, char_languages: frozenset[str] | set[str]
) -> bool:
    """Character shingles for the configured languages, and for any text mostly in a script without word spaces.

    Looking at the script rather than at spacing keeps the choice stable under small edits: Chinese with
    punctuation (folded to spaces) would otherwise flip between word and character shingles with a single
    changed comma, and the two shingle sets of near-identical texts would share nothing."""
    if language in char_languages:
        return True
    if normalized.isascii():
        return False
    if isinstance(normalized, bytes):
        normalized = normalized.decode("utf-8")
    letters = len(normalized) - normalized.count(" ")
    return 2 * len(_NO_SPACE_SCRIPT.findall(normalized)) > letters


def word_shingles(normalized: str | bytes, n: int) -> list[bytes]:
    """Distinct word n-grams, as the UTF-8 bytes of the n words joined by one space.

    The n-grams are slices of the encoded text (words are separated by exactly one space after normalization),
    which is several times faster than joining and encoding each n-gram.
    """
    data = normalized.encode("utf-8") if isinstance(normalized, str) else normalized
    if not data:
        return []
    spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SPACE)
    if len(spaces) < n:  # fewer than n words: the whole text is the one shingle
        return [data]
    starts = np.concatenate(([0], spaces + 1))[: len(spaces) + 2 - n].tolist()
    ends = np.concatenate((spaces, [len(data)]))[n - 1 :].tolist()
    return list({data[s:e] for s, e in zip(starts, ends, strict=True)})


def char_shingles(normalized: str | bytes, n: int) -> list[bytes]:
    """Distinct character n-grams of the text with the spaces removed."""
    text = normalized.decode("utf-8") if isinstance(normalized, bytes) else normalized
    text = text.replace(" ", "")
    if not text:
        return []
    if len(text) <= n:
        return [text.encode("utf-8")]
    grams = set(map(text.__getitem__, map(slice, range(len(text) - n + 1), range(n, len(text) + 1))))
    return list(map(str.encode, grams))


def shingle(
    text: str,
    language: str | None = None,
    n_grams: int = 5,
    char_n_grams: int = 5,
    char_languages: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[bytes], int]:
    """(distinct shingles, exact hash) of one document."""
    normalized = normalize_bytes(text)
    if uses_char_shingles(normalized, language, char_languages):
        shingles = char_shingles(normalized, char_n_grams)
    else:
        shingles = word_shingles(normalized, n_grams)
    return shingles, exact_hash(normalized)


def shingle_spans(
    normalized: list[bytes], char_based: list[bool], n_grams: int, char_n_grams: int
) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
    """The shingles of a batch of normalized documents as byte spans of one buffer: (buffer, starts, ends, count
    per document), the spans grouped by document in input order. They are the shingles `shingle` lists, except
    that a shingle occurring twice in a document is listed twice (MinHash takes a minimum: repeats change
    nothing)."""
    word_docs = [i for i, (text, char) in enumerate(zip(normalized, char_based, strict=True)) if text and not char]
    char_docs = [i for i, char in enumerate(char_based) if char and normalized[i]]
    # Every document of the word buffer is followed by one space, so every word ends at a space.
    word_data = b" ".join([normalized[i] for i in word_docs]) + b" " if word_docs else b""
    char_texts = [normalized[i].replace(b" ", b"") for i in char_docs]
    char_data = b"".join(char_texts)
    w_starts, w_ends, w_counts = _word_spans(word_data, [normalized[i].count(b" ") + 1 for i in word_docs], n_grams)
    c_starts, c_ends, c_counts = _char_spans(char_data, [len(t) for t in char_texts], char_n_grams)
    counts = np.zeros(len(normalized), dtype=np.int64)
    counts[word_docs] = w_counts
    counts[char_docs] = c_counts
    doc_of = np.repeat(np.array(word_docs + char_docs, dtype=np.int64), np.concatenate((w_counts, c_counts)))
    order = np.argsort(doc_of, kind="stable")
    starts = np.concatenate((w_starts, c_starts + len(word_data)))[order]
    ends = np.concatenate((w_ends, c_ends + len(word_data)))[order]
    return word_data + char_data, starts, ends, counts


def _ngram_spans(
    unit_starts: np.ndarray, unit_ends: np.ndarray, units_per_doc: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spans of n consecutive units (words or characters) within each document, the units of all documents
    given one after the other; a document of fewer than n units is one span, its whole text."""
    per_doc = np.where(units_per_doc >= n, units_per_doc - n + 1, np.minimum(units_per_doc, 1))
    first_unit = np.cumsum(units_per_doc) - units_per_doc
    first_span = np.cumsum(per_doc) - per_doc
    begin = np.repeat(first_unit - first_span, per_doc) + np.arange(int(per_doc.sum()), dtype=np.int64)
    last = begin + np.repeat(np.minimum(units_per_doc, n) - 1, per_doc)
    return unit_starts[begin], unit_ends[last], per_doc


def _word_spans(data: bytes, words_per_doc: list[int], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SPACE)
    starts = np.concatenate(([0], spaces[:-1] + 1)).astype(np.int64)
    return _ngram_spans(starts, spaces, np.array(words_per_doc, dtype=np.int64), n)


def _char_spans(data: bytes, bytes_per_doc: list[int], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Character n-grams in UTF-8: a character starts at every byte that is not a continuation byte (10xxxxxx)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    char_starts = np.flatnonzero((raw & 0xC0) != 0x80)
    doc_bytes = np.cumsum(np.array(bytes_per_doc, dtype=np.int64))
    chars_per_doc = np.diff(np.searchsorted(char_starts, doc_bytes), prepend=0)
    # A character ends where the next one starts; the last one ends at the end of the buffer.
    char_ends = np.append(char_starts[1:], len(raw))
    return _ngram_spans(char_starts, char_ends, chars_per_doc, n)
