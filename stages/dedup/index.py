"""The dedup index and clustering, shared by the streaming step and the sharded steps.

Per document the in-memory index holds the exact hash (8 bytes), one 64-bit hash per LSH band (8 x num_bands),
whether it has shingles (1), the text length and the keep-policy score (4 + 4), and its position in the input
(source number and sequence, 4 + 4): 137 bytes at 14 bands. The full signatures (4 x num_perm bytes) are only
needed to check candidate pairs, so they live in a file and are read back for the candidates alone.

Everything is ordered canonically before clustering: by source path, then position within that source. Both
modes produce that same order whatever the task count, so ties, pivots and the `first` policy come out the
same and the two modes keep identical sets.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from datatrove.data import Document

from schemas.dedup import DedupConfig
from stages.dedup.minhash import MinHasher, band_hashes
from stages.dedup.shingles import exact_hash, normalize_bytes, shingle_spans, uses_char_shingles

KEEP, EXACT, NEAR = 0, 1, 2
EMPTY_TEXT_HASH = exact_hash("")
REASONS = {EXACT: "exact", NEAR: "near"}

# (canonical indices a, canonical indices b) -> fraction of equal signature values per pair
SimilarityFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def policy_score(doc: Document, config: DedupConfig) -> float:
    """Higher wins under `keep: quality`; NaN (signal missing) loses to any value."""
    if config.keep != "quality":
        return 0.0
    if config.quality_signal == "language_score":
        value = doc.metadata.get("language_score")
    else:
        value = (doc.metadata.get("quality") or {}).get(config.quality_signal)
    return float(value) if value is not None and not math.isnan(float(value)) else float("nan")


@dataclass
class DocBatch:
    """Index data of a batch of documents, in arrival order."""

    exact: np.ndarray  # int64
    bands: np.ndarray  # (n, num_bands) uint64
    has_shingles: np.ndarray  # bool
    length: np.ndarray  # uint32
    score: np.ndarray  # float32
    signatures: np.ndarray  # (n, num_perm) uint32


class Signer:
    """Documents -> DocBatch: shingles, exact hash, MinHash signature and band hashes."""

    def __init__(self, config: DedupConfig):
        self.config = config
        self.hasher = MinHasher(config.num_perm, config.seed)
        self.char_languages = frozenset(config.char_languages)

    def sign(self, docs: list[Document]) -> DocBatch:
        cfg = self.config
        normalized = [normalize_bytes(doc.text) for doc in docs]
        exact = np.fromiter(map(exact_hash, normalized), dtype=np.int64, count=len(docs))
        if cfg.near:
            char_based = [
                uses_char_shingles(text, doc.metadata.get("language"), self.char_languages)
                for text, doc in zip(normalized, docs, strict=True)
            ]
            data, starts, ends, counts = shingle_spans(normalized, char_based, cfg.n_grams, cfg.char_n_grams)
            signatures = self.hasher.span_signatures(data, starts, ends, counts)
        else:
            counts = np.zeros(len(docs), dtype=np.int64)
            signatures = self.hasher.signatures([[] for _ in docs])
        return DocBatch(
            exact=exact,
            bands=band_hashes(signatures, cfg.num_bands, cfg.rows_per_band),
            has_shingles=counts > 0,
            length=np.array([min(len(doc.text), 2**32 - 1) for doc in docs], dtype=np.uint32),
            score=np.array([policy_score(doc, cfg) for doc in docs], dtype=np.float32),
            signatures=signatures,
        )


class Positions:
    """Where each document sits in the input: source number and sequence within the source, in arrival order, as
    compact arrays (8 bytes a document; the source paths themselves are stored once)."""

    def __init__(self):
        self.sources: list[str] = []
        self.source_of = array("I")
        self.seq = array("I")
        self._numbers: dict[str, int] = {}
        self._next_seq: list[int] = []

    def add(self, source: str) -> None:
        number = self._numbers.get(source)
        if number is None:
            number = self._numbers[source] = len(self.sources)
            self.sources.append(source)
            self._next_seq.append(0)
        self.source_of.append(number)
        self.seq.append(self._next_seq[number])
        self._next_seq[number] += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self.source_of, dtype=np.uint32), np.frombuffer(self.seq, dtype=np.uint32)


def canonical_order(sources: list[str], source_of: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Permutation sorting documents by (source path, position in it): arrival index of canonical i."""
    rank_of_source = np.empty(len(sources), dtype=np.int64)
    rank_of_source[np.argsort(np.array(sources, dtype=object), kind="stable")] = np.arange(len(sources))
    return np.lexsort((seq, rank_of_source[source_of]))


def band_candidates(values: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of one band: documents (canonical indices) with equal band hash, as stars from the first
    (lowest index) member of each run to every other member."""
    idx = np.flatnonzero(eligible)
    order = idx[np.argsort(values[idx], kind="stable")]
    sorted_values = values[order]
    same = sorted_values[1:] == sorted_values[:-1]
    if not same.any():
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    run_start = np.concatenate(([True], ~same))
    run_id = np.cumsum(run_start) - 1
    firsts = order[run_start]
    member = np.flatnonzero(~run_start)
    return firsts[run_id[member]].astype(np.int64), order[member].astype(np.int64)


def _verify(
    pairs: list[tuple[np.ndarray, np.ndarray]], similarity: SimilarityFn | None, min_similarity: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Keep candidate pairs whose signatures agree enough. Within a run, members that fail against the run's first
    member are tried against each other the same way (first failed member as the new pivot), so a run that mixes
    two groups still links each group."""
    if not pairs:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    first = np.concatenate([p[0] for p in pairs])
    member = np.concatenate([p[1] for p in pairs])
    band = np.concatenate([np.full(len(p[0]), b, dtype=np.int64) for b, p in enumerate(pairs)])
    if similarity is None or min_similarity is None:
        return first, member
    # The same pair shows up in several bands: check each distinct pair once.
    keys = (first << 32) | member
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    passed = similarity(unique_keys >> 32, unique_keys & 0xFFFFFFFF) >= min_similarity
    ok = passed[inverse]
    out_a, out_b = [first[ok]], [member[ok]]
    if not ok.all():
        failed = np.flatnonzero(~ok)
        groups: dict[tuple[int, int], list[int]] = {}
        for b, f, m in zip(band[failed].tolist(), first[failed].tolist(), member[failed].tolist(), strict=True):
            groups.setdefault((b, f), []).append(m)
        for rest in groups.values():
            while len(rest) > 1:
                pivot, others = rest[0], np.array(rest[1:], dtype=np.int64)
                sims = similarity(np.full(len(others), pivot, dtype=np.int64), others)
                good = sims >= min_similarity
                out_a.append(np.full(int(good.sum()), pivot, dtype=np.int64))
                out_b.append(others[good])
                rest = others[~good].tolist()
    return np.concatenate(out_a), np.concatenate(out_b)


@dataclass
class Clusters:
    """Per document (canonical order): the kept document of its cluster, the cluster size and the verdict."""

    keeper: np.ndarray  # int64 canonical index
    size: np.ndarray  # int64
    verdict: np.ndarray  # uint8: KEEP, EXACT or NEAR


def priority(config: DedupConfig, length: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank of each document (canonical order) under the keep policy; lower wins, ties to the earlier."""
    n = len(length)
    canonical = np.arange(n)
    if config.keep == "longest":
        order = np.lexsort((canonical, -length.astype(np.int64)))
    elif config.keep == "quality":
        order = np.lexsort((canonical, -np.nan_to_num(score.astype(np.float64), nan=-np.inf)))
    else:
        order = canonical
    rank = np.empty(n, dtype=np.int64)
    rank[order] = canonical
    return rank


def cluster(
    config: DedupConfig,
    exact: np.ndarray,
    band_pairs: Iterable[tuple[np.ndarray, np.ndarray]],
    rank: np.ndarray,
    similarity: SimilarityFn | None,
) -> Clusters:
    """Union-find over exact-hash runs and verified band candidates; keep the best-ranked document per cluster."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(exact)
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return Clusters(keeper=empty, size=empty, verdict=np.empty(0, dtype=np.uint8))
    edges_a, edges_b = [], []
    if config.exact:
        # Texts that normalize to nothing ("...", "!!!") are not copies of each other.
        a, b = band_candidates(exact.view(np.uint64), exact != EMPTY_TEXT_HASH)
        edges_a.append(a)
        edges_b.append(b)
    if config.near:
        a, b = _verify(list(band_pairs), similarity, config.min_similarity)
        edges_a.append(a)
        edges_b.append(b)
    a = np.concatenate(edges_a) if edges_a else np.empty(0, dtype=np.int64)
    b = np.concatenate(edges_b) if edges_b else np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Keeper per label: the member with the lowest rank.
    by_label = np.lexsort((rank, labels))
    label_sorted = labels[by_label]
    starts = np.flatnonzero(np.concatenate(([True], label_sorted[1:] != label_sorted[:-1])))
    keeper_of_label = np.empty(labels.max() + 1 if n else 0, dtype=np.int64)
    keeper_of_label[label_sorted[starts]] = by_label[starts]
    sizes = np.bincount(labels)
    keeper = keeper_of_label[labels]
    verdict = np.where(exact == exact[keeper], EXACT, NEAR).astype(np.uint8)
    verdict[keeper == np.arange(n)] = KEEP
    return Clusters(keeper=keeper, size=sizes[labels].astype(np.int64), verdict=verdict)


def row_similarity(rows: Callable[[np.ndarray], np.ndarray]) -> SimilarityFn:
    """Fraction of equal signature values per pair, given a function from canonical indices to signature rows
    (in memory or memory-mapped); computed in chunks to bound the temporary arrays."""

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty(len(a), dtype=np.float64)
        for lo in range(0, len(a), 65_536):
            hi = lo + 65_536
            out[lo:hi] = (rows(a[lo:hi]) == rows(b[lo:hi])).mean(axis=1)
        return out

    return similarity
