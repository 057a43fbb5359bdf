"""Incremental dedup: an index of already published documents that a new crawl is deduplicated against.

`build_reference` signs the kept documents of a finished curate/dedup output (OUTPUT/data/*.parquet) and writes
one verified index file (stages/dedup/store.py format) with their exact hashes, band hashes, signatures and ids.
Both dedup modes load it (`dedup.reference_index`) and place those documents before every new one with the
highest keep priority: a new document that duplicates a published one is dropped with `duplicate_of` = the
published id, and published documents are never dropped (they are not part of the new run at all).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.io import get_datafolder

from schemas.dedup import DedupConfig
from stages.dedup.index import Signer
from stages.dedup.store import CorruptDedupFile, map_arrays, write_arrays

# Settings that must match between the index and the run that uses it, or signatures would not compare.
MATCHING = ("n_grams", "char_n_grams", "char_languages", "num_bands", "rows_per_band", "seed")


@dataclass
class ReferenceIndex:
    ids: list[str]
    exact: np.ndarray  # int64
    bands: np.ndarray  # (n, num_bands) uint64
    has_shingles: np.ndarray  # bool
    signatures: np.ndarray  # (n, num_perm) uint32


def _curated_documents(output_dir: Path) -> Iterator[Document]:
    files = sorted(p for p in (output_dir / "data").glob("*.parquet") if not p.name.startswith("."))
    if not files:
        raise FileNotFoundError(f"no kept documents under {output_dir / 'data'}: is it a refinery output folder?")
    for path in files:
        table = pq.read_table(path, columns=["id", "text", "language"])
        for row in table.to_pylist():
            yield Document(text=row["text"], id=row["id"], metadata={"language": row["language"]})


def build_reference(outputs: list[str | os.PathLike], index_path: str | os.PathLike, config: DedupConfig) -> int:
    """Sign every kept document of the given output folders into one index file; returns the document count."""
    signer = Signer(config.model_copy(update={"near": True}))
    ids: list[str] = []
    parts: list = []
    batch: list[Document] = []

    def flush() -> None:
        if batch:
            signed = signer.sign(batch)
            parts.append((signed.exact, signed.bands, signed.has_shingles, signed.signatures))
            batch.clear()

    for output in outputs:
        for doc in _curated_documents(Path(output)):
            ids.append(str(doc.id))
            batch.append(doc)
            if len(batch) >= 1024:
                flush()
    flush()
    arrays = {
        "exact": np.concatenate([p[0] for p in parts]),
        "bands": np.concatenate([p[1] for p in parts]),
        "has_shingles": np.concatenate([p[2] for p in parts]),
        "signatures": np.concatenate([p[3] for p in parts]),
    }
    index_path = Path(index_path).resolve()
    index_path.parent.mkdir(parents=True, exist_ok=True)
    settings = {key: getattr(config, key) for key in MATCHING}
    write_arrays(get_datafolder(str(index_path.parent)), index_path.name, arrays, {"ids": ids, "settings": settings})
    return len(ids)


def load_reference(config: DedupConfig) -> ReferenceIndex:
    path = Path(config.reference_index).resolve()
    arrays, meta = map_arrays(get_datafolder(str(path.parent)), path.name)  # signatures stay on disk
    settings = meta.get("settings", {})
    wrong = [
        f"{k}: index {settings.get(k)!r}, run {getattr(config, k)!r}"
        for k in MATCHING
        if settings.get(k) != getattr(config, k)
    ]
    if wrong:
        raise CorruptDedupFile(f"reference index {path} was built with other dedup settings ({'; '.join(wrong)})")
    return ReferenceIndex(
        ids=meta["ids"],
        exact=arrays["exact"],
        bands=arrays["bands"],
        has_shingles=arrays["has_shingles"],
        signatures=arrays["signatures"],
    )
