"""Prefect flow `train`: validate the config and the machine, fine-tune, publish the run summary as an artifact.

The flow only orchestrates; the training lives in stages/train/. Its deployment belongs on a GPU work pool.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from pipelines.train_cli import load_train_config
from schemas.train import TrainConfig
from stages.train.report import samples_markdown, summary_markdown


@task(name="load-train-config")
def load_config_task(config_path: str, output_dir: str | None, overrides: list[str]) -> TrainConfig:
    return load_train_config(config_path, output_dir, overrides, merge=False)


@task(name="preflight")
def preflight_task(config: TrainConfig) -> str:
    from stages.train.preflight import check

    return check(config).device


# No retries: a training run that failed half-way is resumed on purpose (overrides `--resume`), not re-run blind.
@task(name="fine-tune")
def train_task(config: TrainConfig, config_path: str) -> dict[str, Any]:
    from stages.train.trainer import run_training

    return run_training(config, config_path=config_path, progress=False)


@task(name="publish-train-summary")
def publish_summary_task(summary: dict[str, Any]) -> None:
    create_markdown_artifact(
        key="train-summary",
        markdown=summary_markdown(summary) + "\n" + samples_markdown(summary["samples"]),
        description=f"refinery train: {summary['method']} {summary['adapter']} of {summary['model']}",
    )


@flow(name="train", log_prints=True)
def train(config_path: str, output_dir: str | None = None, overrides: list[str] | None = None) -> dict[str, Any]:
    """Fine-tune as `refinery train`; `overrides` are `dotted.key=value` strings (as --set)."""
    config = load_config_task(config_path, output_dir, list(overrides or []))
    device = preflight_task(config)
    get_run_logger().info(f"training {config.model.path} ({config.method}, {config.adapter.type}) on {device}")
    summary = train_task(config, config_path)
    publish_summary_task(summary)
    loss = summary["metrics"]["loss"]
    get_run_logger().info(
        f"{summary['global_step']} steps, loss {loss['first']:.4f} -> {loss['last']:.4f}; "
        f"outputs in {summary['output_dir']}"
    )
    return summary


if __name__ == "__main__":
    import sys

    train(sys.argv[1], *(sys.argv[2:3] or [None]))
