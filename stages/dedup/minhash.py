"""MinHash signatures identical to datasketch's `MinHash(num_perm, seed)` (scheme affine32, the default since
datasketch 2.0), computed for many documents at once.

datasketch hashes every shingle with `sha1_hash32` (the first 4 bytes of SHA1), pre-mixes the hash with the
MurmurHash3 finalizer and applies `a * h + b mod 2^32` per permutation, one shingle and one MinHash object at a
time. Here every step runs on numpy arrays for a whole batch of documents: SHA1 itself is computed in 32-bit lanes
(a shingle of up to 55 bytes is one SHA1 block), so no Python code runs per shingle, and each permutation is one
multiply-add pass followed by a per-document `minimum.reduceat`. `tests/test_dedup.py` checks the hashes against
hashlib and the signatures against datasketch bit for bit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_EMPTY = np.uint32(0xFFFFFFFF)
_SHA1_H = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)
_SHA1_K = (0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6)
# Shingles hashed per SHA1 pass: the 16 message words and the state stay within the CPU's L2 cache.
_SHA1_LANES = 16_384


def _padding_tables() -> tuple[np.ndarray, np.ndarray]:
    keep = np.zeros((56, 64), dtype=np.uint8)
    mark = np.zeros((56, 64), dtype=np.uint8)
    for n in range(56):
        keep[n, :n] = 0xFF
        mark[n, n] = 0x80
        mark[n, 62:] = np.frombuffer((n * 8).to_bytes(2, "big"), dtype=np.uint8)
    return keep.view(np.uint64), mark.view(np.uint64)


_PAD_AND, _PAD_OR = _padding_tables()
_MIX_MUL = np.uint64(0xFF51AFD7ED558CCD)
_MIX_MUL2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
# Shingles hashed per pass: 1 MB of uint32, small enough to stay in the CPU cache across the 3 passes.
_CHUNK = 262_144


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
    lengths = np.fromiter(map(len, shingles), dtype=np.int64, count=len(shingles))
    ends = np.cumsum(lengths)
    return sha1_hash32_spans(b"".join(shingles), ends - lengths, ends)


def _compress(state: np.ndarray, block: np.ndarray) -> None:
    """One SHA1 compression of a 64-byte block per column, in place: state (5, m), block (16, m) uint32."""
    w = block.copy()
    a, b, c, d, e = (state[i].copy() for i in range(5))
    f = np.empty_like(a)
    t1 = np.empty_like(a)
    for t in range(80):
        s = t % 16
        if t >= 16:  # message schedule, kept in a ring of 16 words
            x = w[s]
            x ^= w[(t - 3) % 16]
            x ^= w[(t - 8) % 16]
            x ^= w[(t - 14) % 16]
            np.left_shift(x, 1, out=t1)
            x >>= 31
            x |= t1
        if t < 20:
            np.bitwise_xor(c, d, out=f)
            f &= b
            f ^= d
        elif 40 <= t < 60:
            np.bitwise_or(b, c, out=f)
            f &= d
            np.bitwise_and(b, c, out=t1)
            f |= t1
        else:
            np.bitwise_xor(b, c, out=f)
            f ^= d
        f += e
        f += np.uint32(_SHA1_K[t // 20])
        f += w[s]
        np.left_shift(a, 5, out=t1)
        f += t1
        np.right_shift(a, 27, out=t1)
        f += t1  # rotl(a, 5) = (a << 5) | (a >> 27) and the two halves share no bits, so + is |
        # rotate names: e <- d <- c <- rotl(b, 30) <- b <- a <- f; rotl(b, 30) computed into the old e buffer
        np.left_shift(b, 30, out=e)
        b >>= 2
        e |= b
        a, b, c, d, e, f = f, a, e, c, d, b
    for i, v in enumerate((a, b, c, d, e)):
        state[i] += v


def sha1_hash32_spans(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """datasketch's sha1_hash32 of every span data[starts[i]:ends[i]], computed as 32-bit lanes of numpy arrays:
    SHA1 of up to 55 bytes is one 64-byte block, so one compression over a batch hashes thousands of shingles with
    ~1,700 array operations and no Python call per shingle. Longer spans (rare: a few very long words) go through
    hashlib."""
    out = np.empty(len(starts), dtype=np.uint32)
    starts = starts.astype(np.int64)
    ends = ends.astype(np.int64)
    lengths = ends - starts
    short = np.flatnonzero(lengths <= 55)
    # One 64-byte block holds the message, the 0x80 end mark and the 8-byte bit length: up to 55 bytes. Each block
    # is the 64 bytes from the span's start, ANDed with a mask that keeps the first n bytes and ORed with the end
    # mark and length, both looked up by n as 8 uint64 words.
    padded = np.frombuffer(data + bytes(64), dtype=np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 64)
    for lo in range(0, len(short), _SHA1_LANES):
        idx = short[lo : lo + _SHA1_LANES]
        n = lengths[idx]
        block = windows[starts[idx]]
        block64 = block.view(np.uint64)
        block64 &= _PAD_AND[n]
        block64 |= _PAD_OR[n]
        words = block.view(">u4").T.astype(np.uint32)
        state = np.array(_SHA1_H, dtype=np.uint32)[:, None].repeat(len(idx), axis=1)
        _compress(state, words)
        out[idx] = state[0].byteswap()
    sha1 = hashlib.sha1
    for i in np.flatnonzero(lengths > 55).tolist():
        out[i] = int.from_bytes(sha1(data[starts[i] : ends[i]]).digest()[:4], "little")
    return out


class MinHasher:
    """Signatures for batches of shingle sets. Documents without shingles get the empty signature (all 2^32-1),
    as a datasketch MinHash that was never updated."""

    def __init__(self, num_perm: int = 112, seed: int = 1):
        self.num_perm = num_perm
        self.seed = seed
        self.a, self.b = permutations(num_perm, seed)

    def signatures(self, shingle_sets: Sequence[Sequence[bytes]]) -> np.ndarray:
        """Signatures of lists of shingles."""
        counts = np.fromiter(map(len, shingle_sets), dtype=np.int64, count=len(shingle_sets))
        flat = [s for shingles in shingle_sets for s in shingles]
        lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
        ends = np.cumsum(lengths)
        return self.span_signatures(b"".join(flat), ends - lengths, ends, counts)

    def span_signatures(self, data: bytes, starts: np.ndarray, ends: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Signatures of documents whose shingles are the spans data[starts[i]:ends[i]], `counts` per document in
        order (`shingles.shingle_spans`)."""
        out = np.full((len(counts), self.num_perm), _EMPTY, dtype=np.uint32)
        rows = np.flatnonzero(counts)
        if not len(rows):
            return out
        with np.errstate(over="ignore"):
            hv = _fmix32(sha1_hash32_spans(data, starts, ends))
        offsets = np.concatenate(([0], np.cumsum(counts[rows])))
        # One permutation at a time over a contiguous run of shingles, then reduceat takes each document's minimum:
        # 1-D passes over a cache-sized buffer are ~5x faster than one (shingles x permutations) matrix.
        buffer = np.empty(min(int(offsets[-1]), max(_CHUNK, int(counts.max()))), dtype=np.uint32)
        transposed = np.empty((self.num_perm, len(rows)), dtype=np.uint32)
        start = 0
        while start < len(rows):
            stop = int(np.searchsorted(offsets, offsets[start] + _CHUNK, side="right")) - 1
            stop = max(stop, start + 1)
            lo, hi = int(offsets[start]), int(offsets[stop])
            phv, doc_starts = buffer[: hi - lo], offsets[start:stop] - lo
            for k in range(self.num_perm):
                np.multiply(hv[lo:hi], self.a[k], out=phv)  # uint32 wraparound is the mod 2^32
                np.add(phv, self.b[k], out=phv)
                transposed[k, start:stop] = np.minimum.reduceat(phv, doc_starts)
            start = stop
        out[rows] = transposed.T
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
