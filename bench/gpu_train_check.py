"""GPU training check: SFT throughput of refinery's training stack (TRL SFTTrainer) with and without packing.

On a CUDA machine it builds a ~0.5B-parameter Qwen2-style model from a config (Qwen2.5-0.5B's shape, random
weights, nothing downloaded), trains it on synthetic token sequences of mixed lengths for a fixed number of steps
in bf16 (fp32 master weights, bf16 autocast: what `adapter.type: full` does), once padded and once packed (TRL
best-fit decreasing, padding-free), and prints for each: tokens/s (real tokens, padding excluded), peak GPU
memory and model FLOPs utilisation, MFU = 6 * N * tokens/s / the GPU's peak dense bf16 FLOP/s. 6N counts the
matmuls of forward + backward per token and ignores attention scores, so MFU is slightly understated at long
sequence lengths; with --gradient-checkpointing the recomputed forward is not counted either.

    python bench/gpu_train_check.py                              # on a GPU: ~0.5B model, 20 timed steps each
    python bench/gpu_train_check.py --device cpu --tiny --steps 2  # anywhere: the same code path, tiny model

Without CUDA (and without --device cpu) it exits with status 2 and says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

# Peak dense bf16 tensor-core TFLOP/s (no sparsity), from the vendors' data sheets. Most specific name first.
PEAK_BF16_TFLOPS: list[tuple[str, float]] = [
    ("GB200", 2500.0),
    ("B200", 2250.0),
    ("H200", 989.0),
    ("GH200", 989.0),
    ("H100 NVL", 835.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.0),  # SXM
    ("H800", 989.0),
    ("H20", 148.0),
    ("A100", 312.0),
    ("A800", 312.0),
    ("L40S", 362.0),
    ("L40", 181.0),
    ("L4", 121.0),
    ("A10G", 125.0),
    ("A10", 125.0),
    ("RTX 6000 Ada", 364.0),
    ("A6000", 155.0),
    ("RTX 4090", 165.0),
    ("RTX 3090", 71.0),
]

QWEN2_05B = {  # Qwen2.5-0.5B: 494M parameters with tied embeddings
    "vocab_size": 151_936,
    "hidden_size": 896,
    "intermediate_size": 4864,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "max_position_embeddings": 32_768,
    "tie_word_embeddings": True,
    "rope_theta": 1_000_000.0,
}
TINY = {
    "vocab_size": 512,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 1024,
    "tie_word_embeddings": True,
}
PAD_ID = 0


def peak_tflops(device_name: str) -> float | None:
    for name, tflops in PEAK_BF16_TFLOPS:
        if name.lower() in device_name.lower():
            return tflops
    return None


def tokenizer_for(vocab_size: int) -> Any:
    """A word-level tokenizer over `vocab_size` made-up tokens: TRL wants a processing class, the data is ids."""
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": PAD_ID, **{f"t{i}": i for i in range(1, vocab_size)}}
    raw = Tokenizer(models.WordLevel(vocab=vocab, unk_token="t1"))
    return PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>", eos_token="t2")


def synthetic_examples(n: int, vocab_size: int, max_len: int, seed: int) -> list[dict[str, list[int]]]:
    """Chat-like examples: lengths log-uniform in [max_len/32, max_len], the first 30% a prompt without loss."""
    rng = random.Random(seed)
    low = max(8, max_len // 32)
    examples = []
    for _ in range(n):
        length = int(math.exp(rng.uniform(math.log(low), math.log(max_len))))
        ids = [rng.randrange(3, vocab_size) for _ in range(length)]
        prompt = int(length * 0.3)
        examples.append({"input_ids": ids, "labels": [-100] * prompt + ids[prompt:]})
    return examples


class TokenMeter:
    """Counts real (non-padding) tokens per forward through a hook; times optimizer steps after a warm-up."""

    def __init__(self, warmup_steps: int) -> None:
        self.warmup_steps = warmup_steps
        self.tokens = 0
        self.positions = 0
        self.started: float | None = None
        self.seconds = 0.0
        self.timed_steps = 0

    def forward_hook(self, module: Any, args: tuple, kwargs: dict[str, Any]) -> None:
        if not module.training or self.started is None:
            return
        ids = kwargs.get("input_ids", args[0] if args else None)
        mask = kwargs.get("attention_mask")
        self.positions += int(ids.numel())
        self.tokens += int(mask.sum()) if mask is not None else int(ids.numel())  # padding-free rows have no pads

    def callback(self, device: str) -> Any:
        import torch
        from transformers import TrainerCallback

        meter = self

        def sync() -> None:
            if device == "cuda":
                torch.cuda.synchronize()

        class _Timer(TrainerCallback):
            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                sync()
                if state.global_step == meter.warmup_steps:
                    meter.started = time.perf_counter()
                elif meter.started is not None:
                    meter.timed_steps += 1
                    meter.seconds = time.perf_counter() - meter.started

        return _Timer()


def run_case(args: argparse.Namespace, packing: bool, examples: list[dict[str, list[int]]]) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from transformers import Qwen2Config, Qwen2ForCausalLM
    from trl import SFTConfig, SFTTrainer

    shape = TINY if args.tiny else QWEN2_05B
    torch.manual_seed(args.seed)
    config = Qwen2Config(**shape, pad_token_id=PAD_ID, eos_token_id=2, attn_implementation=args.attn)
    model = Qwen2ForCausalLM(config)  # fp32 master weights; bf16 comes from autocast
    params = sum(p.numel() for p in model.parameters())
    meter = TokenMeter(args.warmup_steps)
    model.register_forward_pre_hook(meter.forward_hook, with_kwargs=True)
    cuda = args.device == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    sft_args = SFTConfig(
        output_dir=str(Path(args.workdir) / ("packed" if packing else "padded")),
        max_steps=args.warmup_steps + args.steps,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=1,
        learning_rate=1e-4,
        lr_scheduler_type="constant",
        bf16=args.precision == "bf16",
        activation_checkpointing=args.gradient_checkpointing,
        max_length=args.seq_len,
        packing=packing,
        packing_strategy="bfd",
        save_strategy="no",
        logging_steps=1,
        report_to=[],
        use_cpu=not cuda,
        dataloader_num_workers=0,
        disable_tqdm=True,
        seed=args.seed,
    )
    trainer = SFTTrainer(
        model=model,
        args=sft_args,
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer_for(shape["vocab_size"]),
        callbacks=[meter.callback(args.device)],
    )
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    tokens_per_s = meter.tokens / meter.seconds if meter.seconds else 0.0
    peak = peak_tflops(torch.cuda.get_device_name(0)) if cuda else None
    flops = 6 * params * tokens_per_s
    result = {
        "case": "packed" if packing else "padded",
        "params": params,
        "timed_steps": meter.timed_steps,
        "seconds": meter.seconds,
        "tokens": meter.tokens,
        "positions": meter.positions,
        "padding_share": 1 - meter.tokens / meter.positions if meter.positions else 0.0,
        "tokens_per_s": tokens_per_s,
        "model_tflops_per_s": flops / 1e12,
        "mfu": flops / (peak * 1e12) if peak else None,
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
        "loss_first": losses[0] if losses else None,
        "loss_last": losses[-1] if losses else None,
    }
    del trainer, model
    if cuda:
        torch.cuda.empty_cache()
    return result


def table(results: list[dict[str, Any]]) -> str:
    columns = "case | params | timed steps | tokens/s | padding | model TFLOP/s | MFU | peak mem | loss first->last"
    lines = [f"| {columns} |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        mfu = f"{r['mfu']:.1%}" if r["mfu"] is not None else "n/a"
        mem = f"{r['peak_memory_gib']:.1f} GiB" if r["peak_memory_gib"] is not None else "n/a"
        lines.append(
            f"| {r['case']} | {r['params'] / 1e6:.1f}M | {r['timed_steps']} | {r['tokens_per_s']:,.0f} | "
            f"{r['padding_share']:.0%} | {r['model_tflops_per_s']:.1f} | {mfu} | {mem} | "
            f"{r['loss_first']:.3f} -> {r['loss_last']:.3f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="cpu only with --tiny")
    parser.add_argument("--tiny", action="store_true", help="2-layer model, short sequences: checks the code path")
    parser.add_argument("--steps", type=int, default=20, help="timed optimizer steps per case")
    parser.add_argument("--warmup-steps", type=int, default=3, help="untimed steps first (compilation, allocator)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument(
        "--examples", type=int, default=None, help="synthetic examples (default: enough for all steps)"
    )
    parser.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    parser.add_argument(
        "--attn",
        choices=["auto", "sdpa", "flash_attention_2", "eager"],
        default="auto",
        help="auto: flash_attention_2 when flash-attn is installed (varlen kernels for packed rows), else sdpa",
    )
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default="/tmp/refinery-gpu-train-check")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if args.tiny:
        args.seq_len = min(args.seq_len, 256)
        args.batch_size = min(args.batch_size, 4)
        args.warmup_steps = min(args.warmup_steps, 1)
    if args.device == "cpu" and not args.tiny:
        parser.error("--device cpu needs --tiny: a 0.5B model on a CPU measures nothing useful")
    if args.attn == "auto":
        has_flash = args.device == "cuda" and importlib.util.find_spec("flash_attn") is not None
        args.attn = "flash_attention_2" if has_flash else "sdpa"
    if args.device == "cpu" and args.precision == "bf16":
        args.precision = "fp32"  # the CPU path checks the code, not bf16 kernels
    args.examples = args.examples or args.batch_size * (args.steps + args.warmup_steps) * 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print(
            "gpu_train_check: no CUDA GPU on this machine (torch.cuda.is_available() is False); nothing measured.\n"
            "Run it on a GPU machine, or `--device cpu --tiny` to check the code path only.",
            file=sys.stderr,
        )
        return 2
    if args.device == "cuda":
        name = torch.cuda.get_device_name(0)
        peak = peak_tflops(name)
        print(f"GPU: {name}; peak dense bf16: {f'{peak:.0f} TFLOP/s' if peak else 'unknown (MFU not computed)'}")
    print(
        f"torch {torch.__version__}; {'tiny' if args.tiny else 'Qwen2.5-0.5B-shaped'} model, {args.precision}, "
        f"batch {args.batch_size} x seq {args.seq_len}, {args.warmup_steps} warm-up + {args.steps} timed steps"
    )
    if args.attn != "flash_attention_2":
        # Padding-free packed rows then get a block-diagonal mask over the whole flattened batch: correct, but the
        # attention kernel computes the masked-out blocks too, which lowers the packed case's tokens/s.
        print(f"attention: {args.attn} (flash-attn not installed: packed rows use a dense block mask)")
    vocab = (TINY if args.tiny else QWEN2_05B)["vocab_size"]
    examples = synthetic_examples(args.examples, vocab, args.seq_len, args.seed)
    results = [run_case(args, packing, examples) for packing in (False, True)]
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
