"""Hugging Face datasets: a Hub name (cached or downloaded by `datasets`) or a local dataset folder.

Sharding is by contiguous row ranges, so task k of n reads the same rows on every run and reruns stay exact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from schemas.config import InputConfig
from stages.ingest.base import BadRecord, Parsed
from stages.ingest.records import row_to_record


def _load(name: str, config: InputConfig):
    from datasets import load_dataset, load_from_disk

    if os.path.isfile(os.path.join(name, "state.json")):  # written by Dataset.save_to_disk
        return load_from_disk(name)
    return load_dataset(name, config.hf_config, split=config.hf_split)


def parse_hf_dataset(name: str, config: InputConfig, rank: int, world_size: int) -> Iterator[Parsed]:
    dataset = _load(name, config)
    if isinstance(dataset, dict):  # DatasetDict from load_from_disk: pick the configured split
        if config.hf_split not in dataset:
            yield BadRecord(f"dataset {name} has no split `{config.hf_split}` (splits: {', '.join(dataset)})")
            return
        dataset = dataset[config.hf_split]
    shard = dataset.shard(num_shards=world_size, index=rank, contiguous=True)
    if config.text_key not in shard.column_names:
        yield BadRecord(
            f"dataset {name} has no `{config.text_key}` column (columns: {', '.join(shard.column_names)}); "
            "set input.text_key",
            records=max(len(shard), 1),
        )
        return
    start = sum(len(dataset.shard(world_size, k, contiguous=True)) for k in range(rank))
    for offset, row in enumerate(shard):
        yield row_to_record(row, config, name, start + offset)
