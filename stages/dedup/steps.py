"""The dedup PipelineSteps.

streaming (`StreamingDedup`): one step that sees every document. It spools the documents to disk while it signs
them, clusters once the input ends, then hands on the kept documents in input order and writes the others to
`rejected/dedup-*.parquet`. Only the compact index (see stages/dedup/index.py) stays in memory.

sharded, as datatrove's four MinHash stages, each run by its own executor after the previous one finished:
  1. `DedupSignatures` (end of the first chain, any task count): spool, index data and per-band bucket files;
  2. `DedupBuckets` (one task per band or fewer): per band, merge every task's bucket file into candidate pairs;
  3. `DedupCluster` (one task): verify candidates, union-find, keep choice, one decision file per task of step 1;
  4. `DedupFilter` (first step of the last chain, as many tasks as step 1): apply the decisions to the spool.
Every intermediate file is checksummed (stages/dedup/store.py); the work folder is OUTPUT/dedup/.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched
from datatrove.utils.logging import logger

from schemas.dedup import DedupConfig
from stages.dedup.index import (
    EXACT,
    KEEP,
    REASONS,
    Clusters,
    Positions,
    Signer,
    band_candidates,
    canonical_order,
    cluster,
    priority,
    row_similarity,
)
from stages.dedup.reference import ReferenceIndex, load_reference
from stages.dedup.store import SpoolWriter, map_arrays, read_arrays, read_spool, write_arrays
from stages.sinks import RejectSink

WORK_DIR = "dedup"


def _work_folder(output_folder: str):
    return get_datafolder(os.path.join(output_folder, WORK_DIR))


class _IndexBuilder:
    """Accumulates the index columns batch by batch; `add` returns the batch's signatures for the caller to store."""

    def __init__(self, config: DedupConfig):
        self.signer = Signer(config)
        keys = ("exact", "bands", "has_shingles", "length", "score")
        self.columns: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        self.count = 0

    def add(self, docs: list[Document]) -> np.ndarray:
        batch = self.signer.sign(docs)
        for key, chunks in self.columns.items():
            chunks.append(getattr(batch, key))
        self.count += len(docs)
        return batch.signatures

    def arrays(self, num_bands: int) -> dict[str, np.ndarray]:
        empty = {
            "exact": np.empty(0, np.int64),
            "bands": np.empty((0, num_bands), np.uint64),
            "has_shingles": np.empty(0, bool),
            "length": np.empty(0, np.uint32),
            "score": np.empty(0, np.float32),
        }
        return {k: np.concatenate(v) if v else empty[k] for k, v in self.columns.items()}


def _apply_decisions(
    step: PipelineStep,
    docs,
    verdict: np.ndarray,
    cluster_id: np.ndarray,
    size: np.ndarray,
    duplicate_of: dict[int, str],
    rejects: RejectSink,
    rank: int,
) -> DocumentsPipeline:
    """Kept documents get their cluster columns and go on; the others go to rejected/ with the kept id."""
    count = 0
    for i, doc in enumerate(docs):
        count += 1
        if i >= len(verdict):
            raise ValueError(f"dedup decisions cover {len(verdict)} documents but the spool holds more")
        doc.metadata["dedup_cluster_id"] = int(cluster_id[i])
        doc.metadata["dedup_cluster_size"] = int(size[i])
        if verdict[i] == KEEP:
            step.stat_update("kept")
            yield doc
        else:
            reason = REASONS[int(verdict[i])]
            step.stat_update(f"dropped_{reason}")
            rejects.reject(doc, reason, rank, duplicate_of=duplicate_of[i])
    if count != len(verdict):
        raise ValueError(f"dedup decisions cover {len(verdict)} documents but the spool holds {count}")


class StreamingDedup(PipelineStep):
    """Exact + MinHash near-dedup over every document of a single-task run.

    Args:
        output_folder: run output folder; rejected/dedup-00000.parquet and the work folder dedup/ go under it.
        config: the `dedup:` section.
        compression: Parquet codec for the rejected file.
        batch_size: documents signed at once (the numpy work is vectorised over a batch).
    """

    name = "🫂 Dedup"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: str, config: DedupConfig, compression: str = "zstd", batch_size: int = 512):
        super().__init__()
        self.output_folder = output_folder
        self.config = config
        self.compression = compression
        self.batch_size = batch_size
        # CPU seconds of this process per phase: signing, spooling (documents, signatures, ids to disk), clustering,
        # output (decisions, rejected Parquet; includes the time the consumer of the kept documents takes).
        self.cpu_seconds = {"sign": 0.0, "spool": 0.0, "cluster": 0.0, "output": 0.0}

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if world_size != 1:
            raise ValueError(
                f"streaming dedup must see every document but runs as {world_size} tasks; "
                "set executor.tasks=1 or dedup.mode=sharded"
            )
        cfg = self.config
        work = _work_folder(self.output_folder)
        work.makedirs("", exist_ok=True)
        spool_name, sig_name, ids_name = f"spool-{rank:05d}.bin", f"signatures-{rank:05d}.u32", f"ids-{rank:05d}.jsonl"
        sig_path, ids_path = Path(work.resolve_paths(sig_name)), Path(work.resolve_paths(ids_name))
        spool = SpoolWriter(work, spool_name)
        index, positions = _IndexBuilder(cfg), Positions()
        try:
            with sig_path.open("wb") as sig_file, ids_path.open("w", encoding="utf-8") as ids_file:
                for batch in batched(data or (), self.batch_size):
                    started = time.process_time()
                    with self.track_time("sign"):
                        signatures = index.add(batch)
                    signed = time.process_time()
                    sig_file.write(signatures.tobytes())
                    for doc in batch:
                        spool.add(doc)
                        positions.add(str(doc.metadata.get("source") or ""))
                        ids_file.write(json.dumps(str(doc.id)) + "\n")
                    self.cpu_seconds["sign"] += signed - started
                    self.cpu_seconds["spool"] += time.process_time() - signed
            spool.close()
        except BaseException:
            spool.discard()
            raise
        n = index.count
        arrays = index.arrays(cfg.num_bands)
        source_of, seq = positions.arrays()
        index_bytes = sum(a.nbytes for a in arrays.values()) + source_of.nbytes + seq.nbytes
        self.stat_update("documents", value=n)
        self.stat_update("index_bytes", value=index_bytes)
        logger.info(f"dedup index: {n} documents, {index_bytes / max(n, 1):.0f} bytes per document")
        started = time.process_time()
        with self.track_time("cluster"):
            signatures = (
                np.memmap(sig_path, dtype=np.uint32, mode="r", shape=(n, cfg.num_perm))
                if n
                else np.empty((0, cfg.num_perm), np.uint32)
            )
            order = canonical_order(positions.sources, source_of, seq)  # canonical -> arrival
            reference = load_reference(cfg) if cfg.reference_index else None
            clusters, exact_all = _cluster_canonical(cfg, arrays, order, signatures, reference)
            verdict, cluster_id, size, keeper = _to_arrival(clusters, order, exact_all)
        self.cpu_seconds["cluster"] += time.process_time() - started
        started = time.process_time()
        # Documents of the reference index take the first canonical indices, this run's follow in canonical order.
        known = len(reference.ids) if reference else 0
        dropped = np.flatnonzero(verdict != KEEP)
        keepers = np.unique(keeper[dropped]).tolist()
        new_ids = _read_ids(ids_path, {int(order[k - known]) for k in keepers if k >= known})

        def id_of(k: int) -> str:
            return reference.ids[k] if k < known else new_ids[int(order[k - known])]

        duplicate_of = {int(i): id_of(int(keeper[i])) for i in dropped}
        with RejectSink(self.output_folder, "dedup", self.compression) as rejects:
            yield from _apply_decisions(
                self, read_spool(work, spool_name), verdict, cluster_id, size, duplicate_of, rejects, rank
            )
        del signatures
        for name in (spool_name, sig_name, ids_name):
            work.rm(name)
        self.cpu_seconds["output"] += time.process_time() - started


def _cluster_canonical(
    cfg: DedupConfig,
    arrays: dict[str, np.ndarray],
    order: np.ndarray,
    signatures: np.ndarray,
    reference: ReferenceIndex | None = None,
) -> tuple[Clusters, np.ndarray]:
    """Cluster documents given in arrival order, after permuting them into canonical order. Documents of a
    reference index come first and outrank every new document, so they are always the ones kept.

    Returns the clusters (over reference + new documents) and the exact hashes in that same order."""
    known = len(reference.ids) if reference else 0
    exact, bands, eligible = arrays["exact"][order], arrays["bands"][order], arrays["has_shingles"][order]
    rank = priority(cfg, arrays["length"][order], arrays["score"][order]) + known
    if reference:
        exact = np.concatenate((reference.exact, exact))
        bands = np.concatenate((reference.bands, bands))
        eligible = np.concatenate((reference.has_shingles, eligible))
        rank = np.concatenate((np.arange(known), rank))
        similarity = row_similarity(lambda idx: _rows(reference.signatures, signatures, order, idx))
    else:
        similarity = row_similarity(lambda idx: signatures[order[idx]])
    pairs = (band_candidates(bands[:, b], eligible) for b in range(cfg.num_bands)) if cfg.near else ()
    return cluster(cfg, exact, pairs, rank, similarity), exact


def _rows(known: np.ndarray, new: np.ndarray, order: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Signature rows for canonical indices over reference (first len(known)) and new documents."""
    out = np.empty((len(idx), new.shape[1] if len(new) else known.shape[1]), dtype=np.uint32)
    is_known = idx < len(known)
    out[is_known] = known[idx[is_known]]
    out[~is_known] = new[order[idx[~is_known] - len(known)]]
    return out


def _to_arrival(clusters: Clusters, order: np.ndarray, exact_canonical: np.ndarray):
    """Decisions of the last len(order) canonical documents -> arrival order: verdict, cluster id, size, and the
    canonical index of the kept document."""
    n, known = len(order), len(clusters.keeper) - len(order)
    verdict = np.empty(n, dtype=np.uint8)
    size = np.empty(n, dtype=np.int64)
    keeper = np.empty(n, dtype=np.int64)
    verdict[order] = clusters.verdict[known:]
    size[order] = clusters.size[known:]
    keeper[order] = clusters.keeper[known:]
    return verdict, exact_canonical[keeper], size, keeper


def _read_ids(path: Path, wanted: set[int]) -> dict[int, str]:
    ids: dict[int, str] = {}
    if not wanted:
        return ids
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i in wanted:
                ids[i] = json.loads(line)
    return ids


# -- sharded mode ------------------------------------------------------------------------------------------------


class DedupSignatures(PipelineStep):
    """Sharded step 1, the end of the first chain: spool this task's documents and write its index data.

    Files (under OUTPUT/dedup/): spool/{rank}.bin (the documents), docs/{rank}.bin (exact hash, length, score,
    position, signatures), ids/{rank}.bin, and buckets/{band}/{rank}.bin (band hash and document number of the
    documents with shingles, sorted by hash).
    """

    name = "🫂 Dedup signatures"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: str, config: DedupConfig, batch_size: int = 512):
        super().__init__()
        self.output_folder = output_folder
        self.config = config
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        cfg = self.config
        work = _work_folder(self.output_folder)
        work.makedirs("spool", exist_ok=True)
        spool = SpoolWriter(work, f"spool/{rank:05d}.bin")
        index, positions = _IndexBuilder(cfg), Positions()
        signatures, ids = [], []
        try:
            for batch in batched(data or (), self.batch_size):
                with self.track_time("sign"):
                    signatures.append(index.add(batch))
                for doc in batch:
                    spool.add(doc)
                    positions.add(str(doc.metadata.get("source") or ""))
                    ids.append(str(doc.id))
            spool.close()
        except BaseException:
            spool.discard()
            raise
        arrays = index.arrays(cfg.num_bands)
        bands = arrays.pop("bands")
        sigs = np.concatenate(signatures) if signatures else np.empty((0, cfg.num_perm), np.uint32)
        meta = {"sources": positions.sources, "documents": index.count}
        source_of, seq = positions.arrays()
        write_arrays(work, f"positions/{rank:05d}.bin", {"source_of": source_of, "seq": seq}, meta)
        write_arrays(work, f"docs/{rank:05d}.bin", arrays | {"signatures": sigs}, meta)
        write_arrays(work, f"ids/{rank:05d}.bin", {}, {"ids": ids})
        local = np.flatnonzero(arrays["has_shingles"]).astype(np.uint32)
        for band in range(cfg.num_bands):
            values = bands[local, band]
            order = np.argsort(values, kind="stable")
            write_arrays(work, f"buckets/{band:03d}/{rank:05d}.bin", {"hash": values[order], "doc": local[order]})
        self.stat_update("documents", value=index.count)
        return
        yield


def _global_order(work, tasks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets of each task's documents in the global arrival order, canonical -> global, global -> canonical)."""
    numbers: dict[str, int] = {}
    source_of, seq, counts = [], [], []
    for rank in range(tasks):
        arrays, meta = read_arrays(work, f"positions/{rank:05d}.bin")
        remap = np.array([numbers.setdefault(s, len(numbers)) for s in meta["sources"]], dtype=np.int64)
        source_of.append(remap[arrays["source_of"]] if len(remap) else arrays["source_of"].astype(np.int64))
        seq.append(arrays["seq"])
        counts.append(len(arrays["seq"]))
    names = sorted(numbers, key=numbers.get)
    order = canonical_order(names, np.concatenate(source_of), np.concatenate(seq))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64), order, inverse


class DedupBuckets(PipelineStep):
    """Sharded step 2: per band, merge every task's bucket file and write the candidate pairs (canonical indices).

    Args:
        signature_tasks: task count of step 1 (the number of bucket files per band).
    """

    name = "🫂 Dedup buckets"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: str, config: DedupConfig, signature_tasks: int):
        super().__init__()
        self.output_folder = output_folder
        self.config = config
        self.signature_tasks = signature_tasks

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = _work_folder(self.output_folder)
        offsets, _, inverse = _global_order(work, self.signature_tasks)
        # Documents of a reference index (incremental dedup) come first in canonical order.
        reference = load_reference(self.config) if self.config.reference_index else None
        known = len(reference.ids) if reference else 0
        n = int(offsets[-1])
        for band in range(rank, self.config.num_bands, world_size):
            with self.track_time():
                values = np.zeros(known + n, dtype=np.uint64)
                eligible = np.zeros(known + n, dtype=bool)
                if reference:
                    values[:known] = reference.bands[:, band]
                    eligible[:known] = reference.has_shingles
                for task in range(self.signature_tasks):
                    arrays, _ = read_arrays(work, f"buckets/{band:03d}/{task:05d}.bin")
                    canonical = known + inverse[offsets[task] + arrays["doc"].astype(np.int64)]
                    values[canonical] = arrays["hash"]
                    eligible[canonical] = True
                first, member = band_candidates(values, eligible)
                write_arrays(work, f"candidates/{band:03d}.bin", {"first": first, "member": member})
                self.stat_update("candidate_pairs", value=len(first))
        return
        yield


class DedupCluster(PipelineStep):
    """Sharded step 3 (one task): verify candidates, union-find, choose keepers, write per-task decisions."""

    name = "🫂 Dedup clusters"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: str, config: DedupConfig, signature_tasks: int):
        super().__init__()
        self.output_folder = output_folder
        self.config = config
        self.signature_tasks = signature_tasks

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if world_size != 1:
            raise ValueError("DedupCluster runs as a single task")
        cfg = self.config
        work = _work_folder(self.output_folder)
        with self.track_time():
            offsets, order, _ = _global_order(work, self.signature_tasks)
            # Signatures stay memory-mapped: only the rows of candidate pairs are read.
            parts = [map_arrays(work, f"docs/{task:05d}.bin")[0] for task in range(self.signature_tasks)]
            arrays = {k: np.concatenate([p[k] for p in parts]) for k in ("exact", "length", "score")}
            reference = load_reference(cfg) if cfg.reference_index else None
            known = len(reference.ids) if reference else 0
            exact = arrays["exact"][order]
            rank_ = priority(cfg, arrays["length"][order], arrays["score"][order]) + known
            if reference:  # indexed documents come first and outrank every new one
                exact = np.concatenate((reference.exact, exact))
                rank_ = np.concatenate((np.arange(known), rank_))
            pairs = []
            if cfg.near:
                for band in range(cfg.num_bands):
                    cand, _ = read_arrays(work, f"candidates/{band:03d}.bin")
                    pairs.append((cand["first"].astype(np.int64), cand["member"].astype(np.int64)))
            signatures = [p["signatures"] for p in parts]

            def rows(idx: np.ndarray) -> np.ndarray:
                out = np.empty((len(idx), cfg.num_perm), dtype=np.uint32)
                is_known = idx < known
                if is_known.any():
                    out[is_known] = reference.signatures[idx[is_known]]
                positions = np.flatnonzero(~is_known)
                global_idx = order[idx[positions] - known]
                task_of = np.searchsorted(offsets, global_idx, side="right") - 1
                for task in np.unique(task_of).tolist():
                    mine = task_of == task
                    out[positions[mine]] = signatures[task][global_idx[mine] - offsets[task]]
                return out

            similarity = row_similarity(rows)
            clusters = cluster(cfg, exact, pairs, rank_, similarity)
            verdict, cluster_id, size, keeper = _to_arrival(clusters, order, exact)
            # global arrival index of the kept document; -1 - i for document i of the reference index
            keeper_global = np.where(keeper >= known, order[np.maximum(keeper - known, 0)], -1 - keeper)
        dropped = np.flatnonzero(verdict != KEEP)
        needed = np.unique(keeper_global[dropped])
        ids: dict[int, str] = {int(g): reference.ids[-1 - int(g)] for g in needed if g < 0}
        for task in range(self.signature_tasks):
            lo, hi = offsets[task], offsets[task + 1]
            local = needed[(needed >= lo) & (needed < hi)]
            if len(local):
                task_ids = read_arrays(work, f"ids/{task:05d}.bin")[1]["ids"]
                ids.update({int(g): task_ids[int(g - lo)] for g in local})
        for task in range(self.signature_tasks):
            lo, hi = int(offsets[task]), int(offsets[task + 1])
            mine = dropped[(dropped >= lo) & (dropped < hi)]
            write_arrays(
                work,
                f"decisions/{task:05d}.bin",
                {"verdict": verdict[lo:hi], "cluster_id": cluster_id[lo:hi], "size": size[lo:hi]},
                {"duplicate_of": {str(int(g - lo)): ids[int(keeper_global[g])] for g in mine}},
            )
        self.stat_update("documents", value=len(verdict))
        self.stat_update("dropped_exact", value=int((verdict == EXACT).sum()))
        self.stat_update("dropped_near", value=int((verdict > EXACT).sum()))
        return
        yield


class DedupFilter(PipelineStep):
    """Sharded step 4, the start of the last chain: read this task's spool, apply the decisions."""

    name = "🫂 Dedup filter"
    type = "🫂 - DEDUP"

    def __init__(self, output_folder: str, compression: str = "zstd"):
        super().__init__()
        self.output_folder = output_folder
        self.compression = compression

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = _work_folder(self.output_folder)
        decisions, meta = read_arrays(work, f"decisions/{rank:05d}.bin")
        duplicate_of = {int(k): v for k, v in meta["duplicate_of"].items()}
        with RejectSink(self.output_folder, "dedup", self.compression) as rejects:
            yield from _apply_decisions(
                self,
                read_spool(work, f"spool/{rank:05d}.bin"),
                decisions["verdict"],
                decisions["cluster_id"],
                decisions["size"],
                duplicate_of,
                rejects,
                rank,
            )
        work.rm(f"spool/{rank:05d}.bin")
