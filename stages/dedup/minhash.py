"""MinHash signatures identical to datasketch's `MinHash(num_perm, seed)` (scheme affine32, the default since
datasketch 2.0), computed for many documents at once.

datasketch hashes every shingle with `sha1_hash32`, pre-mixes the hash with the MurmurHash3 finalizer and applies
`a * h + b mod 2^32` per permutation, one MinHash object at a time. Here the same arithmetic runs on one numpy
array for a whole batch of documents, and the SHA1 prefixes are read with one `np.frombuffer` instead of a
`struct.unpack` per shingle; `tests/test_dedup.py` checks the signatures equal datasketch's bit for bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_EMPTY = np.uint32(0xFFFFFFFF)
_MIX_MUL = np.uint64(0xFF51AFD7ED558CCD)
_MIX_MUL2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
# Rows of the (shingles x permutations) matrix computed at once: bounds the temporary to ~8 MB at 112 perms.
_CHUNK_ROWS = 16_384


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 parameters: `a` odd, both drawn from RandomState(seed) in this order."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def sha1_hash32_array(shingles: Sequence[bytes]) -> np.ndarray:
    """datasketch's sha1_hash32 (first 4 bytes of SHA1, little-endian) for many inputs at once."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s).digest() for s in shingles])
    return np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)  # 20-byte digest = 5 words; keep the 1st


class MinHasher:
    """Signatures for batches of shingle sets. Documents without shingles get the empty signature (all 2^32-1),
    as a datasketch MinHash that was never updated."""

    def __init__(self, num_perm: int = 112, seed: int = 1):
        self.num_perm = num_perm
        self.seed = seed
        a, b = permutations(num_perm, seed)
        self.a = a[None, :]
        self.b = b[None, :]

    def signatures(self, shingle_sets: Sequence[Sequence[bytes]]) -> np.ndarray:
        out = np.full((len(shingle_sets), self.num_perm), _EMPTY, dtype=np.uint32)
        counts = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
        rows = np.flatnonzero(counts)
        if not len(rows):
            return out
        hv = _fmix32(sha1_hash32_array([s for i in rows.tolist() for s in shingle_sets[i]]))
        offsets = np.concatenate(([0], np.cumsum(counts[rows])))
        # Walk the documents in groups whose shingles fit one chunk; reduceat takes each document's minimum.
        buffer = np.empty((max(_CHUNK_ROWS, int(counts.max())), self.num_perm), dtype=np.uint32)
        start = 0
        while start < len(rows):
            stop = int(np.searchsorted(offsets, offsets[start] + _CHUNK_ROWS, side="right")) - 1
            stop = max(stop, start + 1)
            lo, hi = int(offsets[start]), int(offsets[stop])
            phv = buffer[: hi - lo]
            np.multiply(hv[lo:hi, None], self.a, out=phv)  # uint32 wraparound is the mod 2^32
            np.add(phv, self.b, out=phv)
            out[rows[start:stop]] = np.minimum.reduceat(phv, offsets[start:stop] - lo, axis=0)
            start = stop
        return out


def band_hashes(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    """(docs, bands) uint64: a 64-bit mix of each band's rows. Two documents share a band hash when their band rows
    are equal; different rows collide with probability ~2^-64 per pair, and candidate pairs are checked against
    the full signatures afterwards anyway."""
    n = signatures.shape[0]
    bands = signatures[:, : num_bands * rows_per_band].reshape(n, num_bands, rows_per_band).astype(np.uint64)
    h = np.full((n, num_bands), 0x9E3779B97F4A7C15, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows_per_band):
            h = (h ^ bands[:, :, row]) * _MIX_MUL
            h ^= h >> _SHIFT
        h = (h ^ (h >> _SHIFT)) * _MIX_MUL2
        h ^= h >> _SHIFT
    return h
