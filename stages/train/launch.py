"""The `accelerate launch` command that runs the same `refinery train` on several GPUs.

Each process runs the CLI module; TRL/transformers pick up the distributed environment accelerate sets
(WORLD_SIZE, RANK, ...), so the training code is the same on one GPU and on many.
"""

from __future__ import annotations

import os
import shlex

from schemas.train import TrainConfig


def is_launched() -> bool:
    """True inside `accelerate launch` / torchrun (more than one process)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def launch_command(config: TrainConfig, config_path: str, cli_args: list[str] | None = None) -> str:
    """`accelerate launch ... -m pipelines.cli train CONFIG ...`, with the process count from the config."""
    dist = config.distributed
    precision = {"bf16": "bf16", "fp16": "fp16", "fp32": "no"}[config.training.precision]
    parts = [
        "accelerate",
        "launch",
        "--num_processes",
        str(dist.num_processes),
        "--num_machines",
        str(dist.num_machines),
    ]
    if dist.num_machines > 1:
        # Each node runs this with its own rank; the address is the first node's.
        parts += ["--machine_rank", "$MACHINE_RANK", "--main_process_ip", "$MAIN_IP", "--main_process_port", "29500"]
    if dist.deepspeed_config:
        parts += ["--use_deepspeed", "--deepspeed_config_file", dist.deepspeed_config]
    elif dist.num_processes > 1:
        parts.append("--multi_gpu")
    parts += ["--mixed_precision", precision, "-m", "pipelines.cli", "train", config_path, *(cli_args or [])]
    return " ".join(p if p.startswith("$") else shlex.quote(p) for p in parts)
