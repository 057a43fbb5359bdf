"""Exact and near-duplicate prompts, with the dedup stage's machinery (stages/dedup/index.py): the same
normalization and shingles, MinHash signatures, LSH bands, candidate verification and union-find clustering.

The prompt is the system prompt plus the user turns: two records asking the same thing teach the same thing
twice, whatever their replies say. By default (`same_context`) the system prompt and tool definitions must be
identical and the user turns are what is compared, exactly and by MinHash. The records of one dataset arrive in
input order, which is the dedup stage's canonical order, so `keep: first` keeps the earliest record of each cluster.
"""

from __future__ import annotations

import numpy as np
import xxhash
from datatrove.data import Document

from schemas.conversation import ConversationRecord, Message, SftRecord
from schemas.dedup import DedupConfig
from schemas.sft_curate import SftDedupCheck
from stages.dedup.index import (
    EMPTY_TEXT_HASH,
    KEEP,
    REASONS,
    Signer,
    band_candidates,
    cluster,
    priority,
    row_similarity,
)
from stages.dedup.shingles import normalize
from stages.sft.common import split_system
from stages.sft.curation.structure import Drop

BATCH = 512  # records signed at once (the numpy work is vectorised over a batch)


def _system_and_turns(record: SftRecord) -> tuple[str | None, list[Message]]:
    return split_system(record.system, record.messages if isinstance(record, ConversationRecord) else record.prompt)


def prompt_text(record: SftRecord, with_system: bool) -> str:
    """The user turns, after the system prompt when `with_system`."""
    system, turns = _system_and_turns(record)
    parts = [system or ""] if with_system else []
    return "\n".join(p for p in [*parts, *(m.content for m in turns if m.role == "user")] if p)


def context_hash(record: SftRecord) -> int:
    """The system prompt (normalized as the dedup stage does) and the tool definitions."""
    system = _system_and_turns(record)[0]
    key = f"{normalize(system or '')}\x00{record.tools or ''}"
    return xxhash.xxh3_64_intdigest(key.encode("utf-8")) & 0x7FFF_FFFF_FFFF_FFFF


def separate_contexts(exact: np.ndarray, bands: np.ndarray, salts: np.ndarray) -> None:
    """Mix each record's context hash into its exact and band hashes (in place), so only records with the same
    context can collide. Empty prompts stay unmatched, as in the dedup stage."""
    keep_empty = exact == EMPTY_TEXT_HASH
    exact ^= salts
    exact[keep_empty] = EMPTY_TEXT_HASH
    bands ^= salts.astype(np.uint64)[:, None]


def dedup_config(config: SftDedupCheck) -> DedupConfig:
    # No language labels here: the dedup stage's script rule picks character shingles for Chinese and the like.
    return DedupConfig(
        enabled=True,
        exact=config.exact,
        near=config.near,
        n_grams=config.n_grams,
        char_n_grams=config.char_n_grams,
        char_languages=[],
        num_bands=config.num_bands,
        rows_per_band=config.rows_per_band,
        seed=config.seed,
        min_similarity=config.min_similarity,
        keep="first",
    )


def duplicate_prompts(records: list[SftRecord], config: SftDedupCheck) -> list[Drop | None]:
    """Per record, in order: None for the kept ones, a Drop with `duplicate_of` (the kept record's id) and
    `keeper_index` (its index in `records`) for the others."""
    if not records:
        return []
    cfg = dedup_config(config)
    signer = Signer(cfg)
    batches = [
        signer.sign(
            [Document(text=prompt_text(r, not config.same_context), id=r.id) for r in records[lo : lo + BATCH]]
        )
        for lo in range(0, len(records), BATCH)
    ]
    exact = np.concatenate([b.exact for b in batches])
    bands = np.concatenate([b.bands for b in batches])
    eligible = np.concatenate([b.has_shingles for b in batches])
    signatures = np.concatenate([b.signatures for b in batches])
    if config.same_context:
        separate_contexts(exact, bands, np.array([context_hash(r) for r in records], dtype=np.int64))
    rank = priority(cfg, np.concatenate([b.length for b in batches]), np.concatenate([b.score for b in batches]))
    pairs = (band_candidates(bands[:, b], eligible) for b in range(cfg.num_bands)) if cfg.near else ()
    clusters = cluster(cfg, exact, pairs, rank, row_similarity(lambda idx: signatures[idx]))
    drops: list[Drop | None] = []
    for i, verdict in enumerate(clusters.verdict.tolist()):
        if verdict == KEEP:
            drops.append(None)
            continue
        keeper = int(clusters.keeper[i])
        details = {"duplicate_of": records[keeper].id, "keeper_index": keeper, "cluster_size": int(clusters.size[i])}
        drops.append(Drop(REASONS[verdict], details))
    return drops
