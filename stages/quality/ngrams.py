"""Gopher's n-gram repetition measures, vectorised with numpy and exact.

datatrove builds every n-gram as a Python string (``" ".join`` for the most frequent n-gram, ``"".join`` for
the duplicated ones). Here:

- top n-gram: an n-gram is the tuple of its word ids (``" ".join`` of space-free tokens is injective), packed
  into one int64, counted in a ``Counter`` of Python ints (cheaper than ``np.unique`` on the few hundred n-grams
  of a typical document); ties go to the first occurrence, as ``Counter.most_common`` does.
- duplicated n-grams: datatrove compares the *concatenated* strings, so ["ab", "c"] equals ["a", "bc"]. They
  are substrings of the concatenated words, hashed with a polynomial rolling hash. Only positions whose hash
  occurs more than once can ever be a repeat, so datatrove's greedy scan runs over those alone, comparing the
  real strings; a hash collision adds a candidate but cannot change the result.
"""

from __future__ import annotations

from collections import Counter
from operator import itemgetter

import numpy as np

from .native import native

_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 2**64)
_MAX_PACKED = 2**63


class NGrams:
    """The repetition measures of one document's words."""

    def __init__(self, words: list[str], ids: list[int] | None = None) -> None:
        """``ids``: any ints equal exactly for equal words (e.g. from a token cache)."""
        self.words = words
        self.n_words = n = len(words)
        if ids is None:
            vocab: dict[str, int] = {}
            ids = [vocab.setdefault(w, len(vocab)) for w in words]
        # Dense ids 0..V-1 so that n of them pack into one int64 (a dict beats np.unique on short documents).
        dense: dict[int, int] = {}
        self.ids = np.asarray([dense.setdefault(i, len(dense)) for i in ids], dtype=np.int64)
        self.vocab_size = len(dense)
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=n), out=self.offsets[1:])
        self._prefix: tuple[np.ndarray, np.ndarray] | None = None

    def top_chars(self, n: int) -> int:
        """Characters of the most frequent n-gram joined by spaces, times its count (datatrove's
        ``find_top_duplicate``); 0 when there is no n-gram."""
        m = self.n_words - n + 1
        if m <= 0:
            return 0
        if self.vocab_size**n >= _MAX_PACKED:  # ids no longer pack into int64: count the strings
            top, count = Counter(" ".join(self.words[i : i + n]) for i in range(m)).most_common(1)[0]
            return len(top) * count
        keys = self.ids[:m].copy()
        for k in range(1, n):
            keys *= self.vocab_size
            keys += self.ids[k : k + m]
        # Counting the Python ints beats np.unique on the few hundred n-grams of a typical document.
        key_list = keys.tolist()
        if len(set(key_list)) == m:  # all distinct: the first n-gram wins with count 1
            first, count = 0, 1
        else:
            counts = Counter(key_list)
            # max() keeps the first maximal item and a Counter is in first-occurrence order: most_common(1).
            top, count = max(counts.items(), key=itemgetter(1))
            first = key_list.index(top)
        return (int(self.offsets[first + n] - self.offsets[first]) + n - 1) * count

    def duplicated_chars(self, n: int) -> int:
        """Characters in n-grams seen before, skipping past each repeat (datatrove's ``find_all_duplicate``)."""
        m = self.n_words - n + 1
        if m <= 1:
            return 0
        hashes = self._substring_hashes(self.offsets[:m], self.offsets[n:]).tolist()
        if len(set(hashes)) == m:
            return 0
        counts = Counter(hashes)
        candidates = [i for i, h in enumerate(hashes) if counts[h] > 1]
        words = self.words
        seen: set[str] = set()
        repeated = next_free = 0
        for i in candidates:
            if i < next_free:  # inside the n words skipped after a repeat
                continue
            n_gram = "".join(words[i : i + n])
            if n_gram in seen:
                repeated += len(n_gram)
                next_free = i + n
            else:
                seen.add(n_gram)
        return repeated

    def _substring_hashes(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Position-independent hash of text[start:end] of the concatenated words (uint64 arithmetic wraps)."""
        if self._prefix is None:
            codes = np.frombuffer("".join(self.words).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            powers = np.full(len(codes) + 1, _BASE, dtype=np.uint64)
            powers[0] = 1
            powers = np.cumprod(powers, dtype=np.uint64)
            inverse_powers = np.full(len(codes) + 1, _BASE_INV, dtype=np.uint64)
            inverse_powers[0] = 1
            inverse_powers = np.cumprod(inverse_powers, dtype=np.uint64)
            prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
            np.cumsum(codes * inverse_powers[:-1], dtype=np.uint64, out=prefix[1:])
            self._prefix = (prefix, powers)
        prefix, powers = self._prefix
        # sum_j c_j B^-j over [start, end), times B^start: sum_j c_j B^(start - j), independent of start.
        return (prefix[ends] - prefix[starts]) * powers[starts]


def repetition_chars(
    words: list[str], ids: list[int] | None, top_sizes: tuple[int, ...], dup_sizes: tuple[int, ...]
) -> tuple[list[int], list[int]]:
    """``[top_chars(n) for n in top_sizes]`` and ``[duplicated_chars(n) for n in dup_sizes]``, compiled when
    the extension is built (same results; ``tests/test_quality_native.py``)."""
    if native is None:
        n_grams = NGrams(words, ids)
        return [n_grams.top_chars(n) for n in top_sizes], [n_grams.duplicated_chars(n) for n in dup_sizes]
    if ids is None:
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(w, len(vocab)) for w in words]
    return native.repetition(words, ids, top_sizes, dup_sizes)
