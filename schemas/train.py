"""The training config (`refinery train CONFIG.yaml`): what to fine-tune, on which refinery output, and how.

Only what a config can decide on its own is checked here (ranges, method/adapter/packing combinations). What
depends on the machine or the data (a CUDA GPU for QLoRA, bitsandbytes, bf16 support, preference pairs for DPO) is
checked by `stages.train.preflight` before the model is loaded, so `refinery config`-style inspection works on
any machine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from schemas.section import ConfigSection

Method = Literal["sft", "dpo"]
AdapterType = Literal["lora", "qlora", "full"]
Precision = Literal["bf16", "fp16", "fp32"]
TooLong = Literal["truncate", "drop"]
DataFormat = Literal["auto", "canonical", "alpaca", "sharegpt", "preference", "kto", "openai", "trl", "hh", "lf-v1"]
Scheduler = Literal["linear", "cosine", "constant", "constant_with_warmup", "cosine_with_min_lr", "inverse_sqrt"]


class ModelSection(ConfigSection):
    path: str = Field(
        default="Qwen/Qwen2.5-0.5B-Instruct",
        description="Local model folder or Hugging Face hub id of the base or instruct model to fine-tune.",
    )
    chat_template: str | None = Field(
        default=None,
        description="Jinja chat template (inline, or a path to a .jinja file) for models without one (base models). "
        "Null uses the tokenizer's own template.",
    )
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = Field(
        default="sdpa", description="Attention kernel passed to transformers; flash_attention_2 needs flash-attn."
    )
    trust_remote_code: bool = Field(default=False, description="Allow model code from the hub repo to run.")


class AdapterSection(ConfigSection):
    type: AdapterType = Field(
        default="lora",
        description="lora: PEFT LoRA on the frozen model; qlora: LoRA on a 4-bit (bitsandbytes NF4) model, CUDA only; "
        "full: every weight trains.",
    )
    rank: int = Field(default=16, gt=0, description="LoRA rank r (lora/qlora).")
    alpha: int = Field(default=32, gt=0, description="LoRA alpha; the update is scaled by alpha / rank.")
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA input.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        default="all-linear",
        description="Module names LoRA wraps (e.g. [q_proj, k_proj, v_proj, o_proj]) or `all-linear`.",
    )


class DataSection(ConfigSection):
    paths: list[str] = Field(
        default_factory=list,
        description="refinery outputs to train on: files (Parquet/JSONL/JSON) or folders (a `data/` subfolder is "
        "used when present; rejected/ and errors/ are skipped). Canonical records and every format "
        "`refinery convert` writes are read as they are.",
    )
    format: DataFormat = Field(
        default="auto",
        description="auto detects per file: canonical records (distill, Parquet) or any `refinery convert` format.",
    )
    mapping: str | None = Field(
        default=None, description="PATH/dataset_info.json:NAME to read a LLaMA-Factory dataset through its entry."
    )
    eval_fraction: float = Field(
        default=0.05,
        ge=0.0,
        lt=0.5,
        description="Share of records held out (seeded) for eval loss and perplexity; 0 disables evaluation.",
    )
    too_long: TooLong = Field(
        default="truncate",
        description="Examples longer than training.max_seq_length: truncate (keep the start; dropped anyway if no "
        "assistant token is left) or drop. Both are counted in summary.json.",
    )
    keep_reasoning: bool = Field(
        default=True,
        description="Render an assistant turn's reasoning as `<think>...</think>` before its answer (reasoning "
        "models); false trains on answers only.",
    )
    max_records: int | None = Field(default=None, gt=0, description="Read at most this many records (smoke runs).")

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class TrainingSection(ConfigSection):
    learning_rate: float = Field(default=2e-4, gt=0, description="Peak learning rate (LoRA ~1e-4..2e-4, full ~1e-5).")
    lr_scheduler: Scheduler = Field(default="cosine", description="Learning-rate schedule after warmup.")
    warmup_ratio: float = Field(default=0.03, ge=0.0, lt=1.0, description="Share of steps spent warming up.")
    weight_decay: float = Field(default=0.0, ge=0.0, description="AdamW weight decay.")
    epochs: float = Field(default=1.0, gt=0, description="Passes over the training split (ignored with max_steps).")
    max_steps: int | None = Field(default=None, gt=0, description="Stop after this many optimizer steps.")
    batch_size: int = Field(default=4, gt=0, description="Examples per device per forward pass.")
    grad_accum: int = Field(default=4, gt=0, description="Forward passes accumulated per optimizer step.")
    max_seq_length: int = Field(default=2048, gt=8, description="Longest example (prompt + reply) in tokens.")
    packing: bool = Field(
        default=False,
        description="SFT only: pack examples into max_seq_length rows (TRL best-fit decreasing, padding-free).",
    )
    precision: Precision = Field(
        default="bf16",
        description="bf16 (Ampere+ GPUs, CPUs with native bf16), fp16 (CUDA only) or fp32 (anywhere).",
    )
    gradient_checkpointing: bool = Field(default=True, description="Trade compute for activation memory.")
    seed: int = Field(default=42, description="Seed for the eval split, shuffling, LoRA init and dropout.")
    logging_steps: int = Field(default=10, gt=0, description="Log loss (and DPO rewards) every N steps.")
    save_steps: int = Field(default=200, gt=0, description="Write a resumable checkpoint every N steps.")
    save_total_limit: int = Field(default=2, gt=0, description="Checkpoints kept on disk (oldest removed).")
    eval_steps: int | None = Field(
        default=None, gt=0, description="Also evaluate every N steps; null evaluates once, at the end."
    )


class DpoSection(ConfigSection):
    beta: float = Field(default=0.1, gt=0, description="DPO beta: how far the policy may move from the reference.")
    loss_type: Literal["sigmoid", "ipo", "hinge"] = Field(default="sigmoid", description="TRL DPO loss.")


class SamplesSection(ConfigSection):
    prompts: list[str] = Field(
        default_factory=list,
        description="User prompts generated from before and after training (greedy). Empty: the first "
        "`from_eval` held-out prompts (or training prompts without an eval split).",
    )
    from_eval: int = Field(
        default=3, ge=0, description="How many prompts to take from the data when prompts is empty."
    )
    max_new_tokens: int = Field(default=64, gt=0, description="Tokens generated per sample.")


class DistributedSection(ConfigSection):
    num_processes: int = Field(
        default=1, gt=0, description="GPUs in total; above 1 `refinery train` prints the `accelerate launch` command."
    )
    num_machines: int = Field(default=1, gt=0, description="Nodes; num_processes counts GPUs over all of them.")
    deepspeed_config: str | None = Field(
        default=None, description="DeepSpeed JSON config passed to `accelerate launch --deepspeed_config_file`."
    )


class OutputSection(ConfigSection):
    dir: str = Field(default="train-output", description="Run folder: adapter/ or model/, checkpoints/, reports.")
    merge: bool = Field(
        default=False, description="Also write merged/: the LoRA merged into the base weights (lora only)."
    )


class TrainConfig(ConfigSection):
    """`refinery train`: one fine-tuning run."""

    method: Method = Field(default="sft", description="sft (supervised) or dpo (preference pairs).")
    model: ModelSection = Field(default_factory=ModelSection, description="The model to start from.")
    adapter: AdapterSection = Field(default_factory=AdapterSection, description="LoRA/QLoRA settings or full.")
    data: DataSection = Field(default_factory=DataSection, description="Where the training records come from.")
    training: TrainingSection = Field(default_factory=TrainingSection, description="Optimiser and loop settings.")
    dpo: DpoSection = Field(default_factory=DpoSection, description="DPO settings (method dpo only).")
    samples: SamplesSection = Field(default_factory=SamplesSection, description="Before/after generations.")
    distributed: DistributedSection = Field(
        default_factory=DistributedSection, description="Multi-GPU launch (accelerate)."
    )
    output: OutputSection = Field(default_factory=OutputSection, description="Where the run writes.")

    @model_validator(mode="after")
    def _combinations(self) -> TrainConfig:
        if self.method == "dpo" and self.training.packing:
            raise ValueError("training.packing: packing is for method sft; DPO batches chosen/rejected pairs")
        if self.output.merge and self.adapter.type == "full":
            raise ValueError("output.merge: there is no adapter to merge with adapter.type=full")
        if self.output.merge and self.adapter.type == "qlora":
            # Merging into 4-bit weights rounds the update away; merge a LoRA trained in bf16 instead.
            raise ValueError(
                "output.merge: merging a QLoRA adapter into 4-bit weights loses it; use adapter.type=lora"
            )
        if self.adapter.type == "qlora" and self.training.precision == "fp32":
            raise ValueError("training.precision: qlora computes in bf16 or fp16, not fp32")
        return self
