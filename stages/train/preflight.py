"""Checks that depend on the machine, run before anything heavy loads: a run that cannot work fails in a second
with a message naming the config field, not after minutes of model loading.

bf16 on a CPU: torch runs bf16 on any CPU, but without native bf16 instructions (AVX512-BF16 or AMX) it is
emulated and slower than fp32, so we refuse it there and ask for fp32 instead of silently running slow.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from schemas.train import TrainConfig


class PreflightError(ValueError):
    """The config cannot run on this machine; the message names the field to change."""


@dataclass(frozen=True)
class Machine:
    cuda: bool
    cuda_bf16: bool
    cpu_bf16: bool
    bitsandbytes: bool

    @property
    def device(self) -> str:
        return "cuda" if self.cuda else "cpu"


def cpu_has_bf16() -> bool:
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def probe() -> Machine:
    cuda = torch.cuda.is_available()
    return Machine(
        cuda=cuda,
        cuda_bf16=cuda and torch.cuda.is_bf16_supported(),
        cpu_bf16=cpu_has_bf16(),
        bitsandbytes=importlib.util.find_spec("bitsandbytes") is not None,
    )


def _looks_like_hub_id(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 2 and all(parts) and not path.startswith((".", "~"))


def check(config: TrainConfig, machine: Machine | None = None) -> Machine:
    """Raise PreflightError for the first thing this machine cannot do with this config."""
    machine = machine or probe()
    precision, adapter = config.training.precision, config.adapter.type
    if adapter == "qlora" and not machine.cuda:
        raise PreflightError("adapter.type: qlora needs a CUDA GPU (bitsandbytes 4-bit); use lora or full on CPU")
    if adapter == "qlora" and not machine.bitsandbytes:
        raise PreflightError("adapter.type: qlora needs bitsandbytes (pip install bitsandbytes); it is not installed")
    if precision == "fp16" and not machine.cuda:
        raise PreflightError("training.precision: fp16 mixed precision needs a CUDA GPU; use fp32 (or bf16)")
    if precision == "bf16" and machine.cuda and not machine.cuda_bf16:
        raise PreflightError("training.precision: this GPU has no bf16 (pre-Ampere); use fp16")
    if precision == "bf16" and not machine.cuda and not machine.cpu_bf16:
        raise PreflightError(
            "training.precision: bf16 on this CPU would be emulated (no AVX512-BF16/AMX) and slow; use fp32"
        )
    if config.model.attn_implementation == "flash_attention_2" and not machine.cuda:
        raise PreflightError("model.attn_implementation: flash_attention_2 needs a CUDA GPU; use sdpa")
    model = config.model.path
    if not Path(model).exists():
        if not _looks_like_hub_id(model):
            raise PreflightError(f"model.path: {model} is neither a local folder nor a hub id (owner/name)")
        if os.environ.get("HF_HUB_OFFLINE") == "1":
            from huggingface_hub import try_to_load_from_cache

            if not isinstance(try_to_load_from_cache(model, "config.json"), str):
                raise PreflightError(f"model.path: {model} is not in the local cache and HF_HUB_OFFLINE=1")
    for path in config.data.paths:
        if not Path(path).exists():
            raise PreflightError(f"data.paths: {path} does not exist")
    if config.distributed.deepspeed_config and not Path(config.distributed.deepspeed_config).is_file():
        raise PreflightError(f"distributed.deepspeed_config: {config.distributed.deepspeed_config} not found")
    return machine
