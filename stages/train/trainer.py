"""One fine-tuning run: preflight -> data -> model -> samples before -> TRL SFT/DPO (+PEFT) -> eval -> samples after
-> adapter/model, merged model, metrics, loss plot, model card, summary.json.

Order matters: everything that can fail cheaply (config combinations, the machine, the data) fails before the
model loads. Checkpoints go to OUTPUT/checkpoints every `training.save_steps`; `resume=True` continues from the
newest one with the optimizer, scheduler and data order it had.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from schemas.config import dump_config
from schemas.train import TrainConfig
from stages.sft.io import write_rows
from stages.train import preflight
from stages.train.data import DataError, Examples, build_dpo, build_sft, count_pairs, read_records
from stages.train.launch import is_main_process, launch_command
from stages.train.model_card import model_card
from stages.train.report import perplexity, plot_loss, training_metrics, write_json

log = logging.getLogger(__name__)
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def load_tokenizer(config: TrainConfig) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.model.path, trust_remote_code=config.model.trust_remote_code)
    template = config.model.chat_template
    if template:
        tokenizer.chat_template = Path(template).read_text("utf-8") if Path(template).is_file() else template
    if not tokenizer.chat_template:
        raise DataError(f"model.chat_template: the tokenizer of {config.model.path} has no chat template; set one")
    if not tokenizer.is_fast:
        raise DataError(f"model.path: {config.model.path} has no fast tokenizer (needed to locate assistant turns)")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(config: TrainConfig, machine: preflight.Machine) -> Any:
    from transformers import AutoModelForCausalLM

    dtype = DTYPES[config.training.precision]
    kwargs: dict[str, Any] = {
        "attn_implementation": config.model.attn_implementation,
        "trust_remote_code": config.model.trust_remote_code,
        # A frozen base can sit in the compute dtype; full fine-tuning keeps fp32 master weights under autocast.
        "dtype": torch.float32 if config.adapter.type == "full" else dtype,
    }
    if config.adapter.type == "qlora":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype, bnb_4bit_use_double_quant=True
        )
        kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    return AutoModelForCausalLM.from_pretrained(config.model.path, **kwargs)


def lora_config(config: TrainConfig) -> Any:
    if config.adapter.type == "full":
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=config.adapter.rank,
        lora_alpha=config.adapter.alpha,
        lora_dropout=config.adapter.dropout,
        target_modules=config.adapter.target_modules,
        task_type="CAUSAL_LM",
    )


@torch.no_grad()
def generate(model: Any, tokenizer: Any, prompts: list[list[dict[str, Any]]], max_new_tokens: int) -> list[str]:
    """Greedy replies to chat prompts (deterministic, so before/after differ only by training)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    replies = []
    for messages in prompts:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(text, add_special_tokens=False, return_tensors="pt").to(device)
        output = model.generate(
            **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
        replies.append(tokenizer.decode(output[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True))
    model.train(was_training)
    return replies


def sample_prompts(config: TrainConfig, examples: Examples) -> list[dict[str, Any]]:
    if config.samples.prompts:
        return [{"messages": [{"role": "user", "content": p}], "reference": None} for p in config.samples.prompts]
    pool = examples.eval_prompts or examples.train_prompts
    return pool[: config.samples.from_eval]


def _trl_args(config: TrainConfig, machine: preflight.Machine, out: Path, has_eval: bool, progress: bool) -> Any:
    t = config.training
    common: dict[str, Any] = {
        "output_dir": str(out / "checkpoints"),
        "learning_rate": t.learning_rate,
        "lr_scheduler_type": t.lr_scheduler,
        "warmup_steps": t.warmup_ratio,  # transformers 5 reads a float in [0, 1) as a ratio of the total steps
        "weight_decay": t.weight_decay,
        "num_train_epochs": t.epochs,
        "max_steps": t.max_steps or -1,
        "per_device_train_batch_size": t.batch_size,
        "per_device_eval_batch_size": t.batch_size,
        "gradient_accumulation_steps": t.grad_accum,
        "bf16": t.precision == "bf16",
        "fp16": t.precision == "fp16",
        "activation_checkpointing": t.gradient_checkpointing,
        "activation_checkpointing_kwargs": {"use_reentrant": False} if t.gradient_checkpointing else None,
        "seed": t.seed,
        "logging_steps": t.logging_steps,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": t.save_steps,
        "save_total_limit": t.save_total_limit,
        "eval_strategy": "steps" if has_eval and t.eval_steps else "no",
        "eval_steps": t.eval_steps,
        "report_to": [],
        "use_cpu": not machine.cuda,
        "dataloader_num_workers": 0,
        "disable_tqdm": not progress,
        "max_length": t.max_seq_length,
    }
    if config.method == "dpo":
        from trl import DPOConfig

        return DPOConfig(
            **common, beta=config.dpo.beta, loss_type=[config.dpo.loss_type], truncation_mode="keep_start"
        )
    from trl import SFTConfig

    return SFTConfig(**common, packing=t.packing, packing_strategy="bfd")


def build_trainer(
    config: TrainConfig,
    machine: preflight.Machine,
    model: Any,
    tokenizer: Any,
    examples: Examples,
    out: Path,
    callbacks: list[Any] | None,
    progress: bool,
) -> Any:
    from datasets import Dataset

    args = _trl_args(config, machine, out, bool(examples.eval), progress)
    train = Dataset.from_list(examples.train)
    evaluation = Dataset.from_list(examples.eval) if examples.eval else None
    common = {
        "model": model,
        "args": args,
        "train_dataset": train,
        "eval_dataset": evaluation,
        "processing_class": tokenizer,
        "peft_config": lora_config(config),
        "callbacks": callbacks,
    }
    if config.method == "dpo":
        from trl import DPOTrainer

        # With an adapter the reference is the base with the adapter switched off; a full fine-tune needs a copy.
        ref = None if config.adapter.type != "full" else load_model(config, machine)
        return DPOTrainer(ref_model=ref, **common)
    from trl import SFTTrainer

    return SFTTrainer(**common)


def prepare_data(config: TrainConfig, tokenizer: Any) -> tuple[Examples, dict[str, Any]]:
    """Records -> examples; raises DataError when nothing (or the wrong kind of thing) is left to train on."""
    loaded = read_records(config.data)
    if not loaded.records:
        raise DataError(f"data.paths: no readable records in {loaded.files} ({len(loaded.errors)} unreadable rows)")
    if config.method == "dpo" and count_pairs(loaded.records) == 0:
        raise DataError(
            "method: dpo needs preference pairs (prompt + chosen + rejected), but data.paths holds "
            f"{len(loaded.records)} records without a rejected reply; use method sft or preference data"
        )
    build = build_dpo if config.method == "dpo" else build_sft
    examples = build(loaded.records, tokenizer, config.data, config.training.max_seq_length, config.training.seed)
    if not examples.train:
        raise DataError(f"data: no record survived preparation ({dict(examples.counts)}); see data-rejected.jsonl")
    rejected = {
        k.removeprefix("rejected_"): v for k, v in sorted(examples.counts.items()) if k.startswith("rejected_")
    }
    stats = {
        "files": loaded.files,
        "records_read": len(loaded.records) + len(loaded.errors),
        "read_errors": len(loaded.errors),
        "train_examples": len(examples.train),
        "eval_examples": len(examples.eval),
        "truncated": examples.counts["truncated"],
        "rejected": rejected,
        "preference_as_sft": examples.counts["preference_as_sft"],
        "accounted": len(loaded.records) == len(examples.train) + len(examples.eval) + sum(rejected.values()),
        "errors_list": loaded.errors,
    }
    return examples, stats


def _versions() -> dict[str, str]:
    import peft
    import transformers
    import trl

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "trl": trl.__version__,
        "peft": peft.__version__,
    }


def run_training(
    config: TrainConfig,
    config_path: str | None = None,
    resume: bool = False,
    callbacks: list[Any] | None = None,
    machine: preflight.Machine | None = None,
    progress: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run one training and write every output; returns the summary (also OUTPUT/summary.json)."""
    from transformers import set_seed
    from transformers.trainer_utils import get_last_checkpoint

    say = on_stage or (lambda message: log.info(message))
    started = time.perf_counter()
    machine = preflight.check(config, machine)
    out = Path(config.output.dir)
    out.mkdir(parents=True, exist_ok=True)
    set_seed(config.training.seed)

    say("reading data")
    tokenizer = load_tokenizer(config)
    examples, data_stats = prepare_data(config, tokenizer)
    main = is_main_process()
    if main:
        write_rows(examples.rejected, out / "data-rejected.jsonl", "jsonl")
        write_rows(data_stats.pop("errors_list"), out / "data-errors.jsonl", "jsonl")
        (out / "config.yaml").write_text(dump_config(config), encoding="utf-8")
    else:
        data_stats.pop("errors_list")

    say(f"loading {config.model.path}")
    model = load_model(config, machine)
    if machine.cuda and config.adapter.type != "qlora":  # qlora is placed by its device_map
        model.to(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}")
    prompts = sample_prompts(config, examples)
    before = generate(model, tokenizer, [p["messages"] for p in prompts], config.samples.max_new_tokens)

    trainer = build_trainer(config, machine, model, tokenizer, examples, out, callbacks, progress)
    latest = get_last_checkpoint(str(out / "checkpoints")) if (out / "checkpoints").is_dir() else None
    checkpoint = latest if resume else None
    resumed_from = int(checkpoint.rsplit("-", 1)[1]) if checkpoint else 0
    if resume and checkpoint is None:
        say("no checkpoint to resume from: starting at step 0")
    elif latest and not resume:
        say(f"{out / 'checkpoints'} holds checkpoints of an earlier run: starting at step 0 (--resume continues)")
    eval_before = trainer.evaluate() if examples.eval and not checkpoint else {}

    say(f"training ({config.method}, {config.adapter.type}) from step {resumed_from}")
    train_started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=checkpoint)
    train_seconds = time.perf_counter() - train_started
    eval_after = trainer.evaluate() if examples.eval else {}
    after = generate(trainer.model, tokenizer, [p["messages"] for p in prompts], config.samples.max_new_tokens)

    summary: dict[str, Any] = {}
    if trainer.is_world_process_zero():
        summary = _write_outputs(
            config,
            config_path,
            trainer,
            tokenizer,
            out,
            data_stats,
            prompts,
            before,
            after,
            eval_before,
            eval_after,
            resumed_from,
            result,
            train_seconds,
            time.perf_counter() - started,
        )
    return summary


def _write_outputs(
    config: TrainConfig,
    config_path: str | None,
    trainer: Any,
    tokenizer: Any,
    out: Path,
    data_stats: dict[str, Any],
    prompts: list[dict[str, Any]],
    before: list[str],
    after: list[str],
    eval_before: dict[str, float],
    eval_after: dict[str, float],
    resumed_from: int,
    result: Any,
    train_seconds: float,
    wall_seconds: float,
) -> dict[str, Any]:
    weights_dir = out / ("model" if config.adapter.type == "full" else "adapter")
    trainer.model.save_pretrained(weights_dir)
    tokenizer.save_pretrained(weights_dir)
    merged = False
    if config.output.merge:
        merged_model = trainer.model.merge_and_unload()
        merged_model.save_pretrained(out / "merged")
        tokenizer.save_pretrained(out / "merged")
        merged = True

    log_history = trainer.state.log_history
    metrics = training_metrics(log_history, config.method)
    if "eval_loss" in eval_before:  # measured before train(), which starts a fresh log: put it back at its step
        metrics["eval_loss"].insert(0, {"step": resumed_from, "value": eval_before["eval_loss"]})
    write_json(out / "metrics.json", {"log_history": log_history, **metrics})
    plot_loss(metrics, config.method, out / "loss.png")
    samples = [
        {
            "prompt": p["messages"][-1]["content"] if p["messages"] else "",
            "reference": p["reference"],
            "before": b,
            "after": a,
        }
        for p, b, a in zip(prompts, before, after, strict=True)
    ]
    eval_loss = eval_after.get("eval_loss")
    summary: dict[str, Any] = {
        "output_dir": str(out),
        "method": config.method,
        "adapter": config.adapter.type,
        "model": config.model.path,
        "weights": str(weights_dir),
        "merged": merged,
        "data": data_stats,
        "global_step": trainer.state.global_step,
        "resumed_from_step": resumed_from,
        "train_loss": result.training_loss,
        "eval_loss": eval_loss,
        "train_seconds": train_seconds,
        "wall_seconds": wall_seconds,
        "train_samples_per_second": result.metrics.get("train_samples_per_second"),
        "metrics": {k: v for k, v in metrics.items() if k not in ("learning_rate",)},
        "eval": {
            "loss_before": eval_before.get("eval_loss"),
            "loss": eval_loss,
            # Perplexity is exp(token NLL): meaningful for SFT; a DPO eval loss is a preference loss, not an NLL.
            "perplexity_before": perplexity(eval_before.get("eval_loss")) if config.method == "sft" else None,
            "perplexity": perplexity(eval_loss) if config.method == "sft" else None,
            **(
                {
                    "rewards/margins": eval_after.get("eval_rewards/margins"),
                    "rewards/accuracies": eval_after.get("eval_rewards/accuracies"),
                }
                if config.method == "dpo"
                else {}
            ),
        },
        "samples": samples,
        # The run's own config.yaml: the exact config, --set overrides included.
        "launch_command": launch_command(config, str(out / "config.yaml")),
        "versions": _versions(),
    }
    write_json(out / "samples.json", samples)
    (out / "README.md").write_text(model_card(summary, dump_config(config)), encoding="utf-8")
    write_json(out / "summary.json", summary)
    return summary
