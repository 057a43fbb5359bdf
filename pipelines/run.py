"""Run the curate chain with datatrove's LocalPipelineExecutor and write the manifest."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import datatrove.executor.base as executor_base
from datatrove.executor import LocalPipelineExecutor
from datatrove.utils import logging as datatrove_logging
from loguru import logger

from pipelines.build import build_stages
from pipelines.manifest import build_manifest, write_manifest
from pipelines.summary import manifest_markdown
from schemas.config import PipelineConfig


def _console_logger() -> None:
    """datatrove logs every step at INFO to the console; show only warnings unless REFINERY_LOG_LEVEL says more."""
    logger.remove()
    logger.add(sys.stderr, level=os.environ.get("REFINERY_LOG_LEVEL", "WARNING"), format="{level}: {message}")


def _task_logger(logging_dir, rank: int, local_rank: int = 0, node_rank: int = -1):
    """datatrove's add_task_logger with our console level: the full DEBUG log goes to logs/logs/task_*.log."""
    _console_logger()
    logfile = logging_dir.open(f"logs/task_{rank:05d}.log", "w")
    logger.add(
        logfile,
        level="DEBUG",
        format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{line} - {message}",
    )
    logger.info(f"Launching pipeline for {rank=}")
    return logfile


# Installed where datatrove's executor looks them up, so worker processes (which import this module to
# unpickle the executor) get them too.
executor_base.add_task_logger = _task_logger
datatrove_logging.setup_default_logger = _console_logger


def make_executor(config: PipelineConfig, progress: bool = False) -> tuple[LocalPipelineExecutor, list]:
    stages = build_stages(config, progress)
    executor = LocalPipelineExecutor(
        pipeline=[stage.step for stage in stages],
        tasks=config.executor.tasks,
        workers=min(config.executor.workers, config.executor.tasks),
        logging_dir=str(Path(config.output.dir) / "logs"),
        skip_completed=True,
        # fork keeps the parent's imports (spacy, fastText) warm; forkserver would re-import them per worker
        start_method="fork",
    )
    return executor, stages


def run_curate(config: PipelineConfig, progress: bool = False) -> dict[str, Any]:
    """Run (or resume) the chain; return the manifest, also written to OUTPUT/manifest.json.

    Rerunning with the same output folder skips tasks that completed, so a crashed run resumes where it stopped.
    """
    if not config.input.paths:
        raise ValueError("no input: set input.paths in the config or pass --input")
    executor, stages = make_executor(config, progress)
    started = time.monotonic()
    _console_logger()
    executor.run()
    manifest = build_manifest(config.output.dir, stages, time.monotonic() - started, config.model_dump(mode="json"))
    write_manifest(config.output.dir, manifest)
    summary = Path(config.output.dir) / "summary.md"
    summary.write_text(manifest_markdown(manifest, config.output.dir), encoding="utf-8")
    return manifest
