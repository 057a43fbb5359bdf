"""`refinery train CONFIG.yaml`: fine-tune a model with SFT or DPO on refinery's outputs (see configs/train_*.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli_errors import exit_on
from schemas.config import ConfigError, load_config
from schemas.train import TrainConfig

console = Console(stderr=True)


def load_train_config(config: str | Path, output: str | None, sets: list[str] | None, merge: bool) -> TrainConfig:
    extra = [f"output.dir={json.dumps(output)}"] if output else []
    if merge:
        extra.append("output.merge=true")
    return load_config(config, [*extra, *(sets or [])], model=TrainConfig)


def train(
    config: Annotated[Path, typer.Argument(help="YAML config, e.g. configs/train_sft.yaml.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Run folder; replaces output.dir.", show_default=False)
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a config key, value read as YAML: --set training.max_steps=100 "
            "--set model.path=/models/qwen. Repeatable; applied after the file.",
            show_default=False,
        ),
    ] = None,
    merge: Annotated[bool, typer.Option("--merge", help="Also write merged/: the LoRA merged into the base.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the newest checkpoint in OUTPUT/checkpoints.")
    ] = False,
    launch_command_only: Annotated[
        bool, typer.Option("--launch-command", help="Only print the `accelerate launch` command for this config.")
    ] = False,
) -> None:
    """Fine-tune with TRL (SFT or DPO, LoRA/QLoRA/full) on refinery outputs; write adapter, metrics and model card.

    OUTPUT gets adapter/ (or model/ for full), merged/ with --merge, checkpoints/, config.yaml, metrics.json,
    loss.png, samples.json (greedy replies before vs after), README.md (model card), summary.json and
    data-rejected.jsonl / data-errors.jsonl (records left out, with the reason). With
    distributed.num_processes > 1 it prints the `accelerate launch` command that runs the same training on that
    many GPUs instead of training on one.
    """
    from stages.train.launch import is_launched, launch_command

    with exit_on(ConfigError):
        cfg = load_train_config(config, output, sets, merge)
    cli_args = [*(["--output", output] if output else []), *(a for s in sets or [] for a in ("--set", s))]
    cli_args += (["--merge"] if merge else []) + (["--resume"] if resume else [])
    command = launch_command(cfg, str(config), cli_args)
    if launch_command_only or (cfg.distributed.num_processes > 1 and not is_launched()):
        if not launch_command_only:
            console.print(f"distributed.num_processes={cfg.distributed.num_processes}: run it on the GPUs with")
        typer.echo(command)
        return
    from stages.train.data import DataError
    from stages.train.preflight import PreflightError
    from stages.train.trainer import run_training

    with exit_on(PreflightError, DataError, FileNotFoundError):
        summary = run_training(cfg, config_path=str(config), resume=resume, on_stage=console.print)
    if summary:  # empty on the non-main processes of a multi-GPU run
        print_train_summary(summary)


def print_train_summary(summary: dict[str, Any]) -> None:
    table = Table(title="refinery train", show_header=False)
    data, loss = summary["data"], summary["metrics"]["loss"]
    rows = [
        ("records read / unreadable", f"{data['records_read']:,} / {data['read_errors']:,}"),
        ("train / eval examples", f"{data['train_examples']:,} / {data['eval_examples']:,}"),
        ("truncated", f"{data['truncated']:,}"),
        ("rejected", ", ".join(f"{k} {v}" for k, v in data["rejected"].items()) or "0"),
        ("steps", f"{summary['global_step']} (resumed from {summary['resumed_from_step']})"),
        ("train loss first -> last", f"{loss['first']:.4f} -> {loss['last']:.4f}"),
        ("train time", f"{summary['train_seconds']:.1f} s"),
    ]
    if summary["eval"].get("loss") is not None:
        ppl = summary["eval"].get("perplexity")
        rows.append(("eval loss / perplexity", f"{summary['eval']['loss']:.4f} / {ppl:.2f}" if ppl else "-"))
    if summary["method"] == "dpo":
        margin = summary["metrics"]["rewards/margins"]
        rows.append(("reward margin first -> last", f"{margin['first']:.4f} -> {margin['last']:.4f}"))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    out = Path(summary["output_dir"])
    console.print(
        f"weights: {summary['weights']}" + (f"  merged: {out / 'merged'}" if summary["merged"] else "") + "\n"
        f"summary: {out / 'summary.json'}  model card: {out / 'README.md'}  loss plot: {out / 'loss.png'}\n"
        f"multi-GPU: {summary['launch_command']}"
    )
