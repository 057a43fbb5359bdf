"""Tiny chat models for tests: a BPE tokenizer trained on the test's own text and a Qwen2 with random weights,
built from a config, so no test downloads a model. Training and serving code treats them like any hub model."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def train_tokenizer(
    texts: Iterable[str],
    special_tokens: list[str],
    chat_template: str,
    eos_token: str,
    pad_token: str,
    unk_token: str | None = None,
    vocab_size: int = 600,
    full_byte_alphabet: bool = False,
) -> Any:
    """A byte-level BPE `PreTrainedTokenizerFast` with a chat template. With `full_byte_alphabet` every byte is in
    the vocabulary, so any text (also text the tokenizer never saw) encodes without unknown tokens."""
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    raw = Tokenizer(models.BPE(unk_token=unk_token))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    extra = {"initial_alphabet": pre_tokenizers.ByteLevel.alphabet()} if full_byte_alphabet else {}
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special_tokens, show_progress=False, **extra)
    raw.train_from_iterator(texts, trainer=trainer)
    named = {"unk_token": unk_token} if unk_token else {}
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=raw, pad_token=pad_token, eos_token=eos_token, **named
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def tiny_qwen2(
    tokenizer: Any,
    hidden_size: int = 32,
    layers: int = 2,
    heads: int = 2,
    kv_heads: int = 1,
    max_positions: int = 1024,
    tie_word_embeddings: bool = True,
    seed: int = 0,
) -> Any:
    """A Qwen2ForCausalLM with seeded random weights, sized to the tokenizer."""
    import torch
    import transformers

    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=tie_word_embeddings,
    )
    torch.manual_seed(seed)
    return transformers.Qwen2ForCausalLM(config)


def save_model(model: Any, tokenizer: Any, folder: Path) -> Path:
    """Save like a hub model, so `model.path: FOLDER` works wherever a hub id does."""
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
