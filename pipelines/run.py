"""Run the curate chain with datatrove's LocalPipelineExecutor and write the manifest."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import datatrove.executor.base as executor_base
from datatrove.executor.base import PipelineExecutor
from datatrove.utils import logging as datatrove_logging
from loguru import logger

from pipelines.build import Phase, build_phases
from pipelines.executors import make_phase_executor
from pipelines.manifest import build_manifest, write_manifest
from pipelines.report import write_report
from pipelines.summary import manifest_markdown
from schemas.config import PipelineConfig, dump_config


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


def make_executor(config: PipelineConfig, progress: bool = False) -> tuple[PipelineExecutor, list[Phase]]:
    """The executor of the last phase (earlier phases chained through `depends=`) and the phases."""
    phases = build_phases(config, progress)
    executor = None
    for phase in phases:
        executor = make_phase_executor(
            config.executor,
            [stage.step for stage in phase.stages],
            tasks=phase.tasks,
            logging_dir=str(Path(config.output.dir) / phase.logs),
            depends=executor,
            job_name=f"refinery-{phase.name}",
        )
    return executor, phases


def finish_run(config: PipelineConfig, wall_seconds: float | None = None) -> dict[str, Any]:
    """Manifest, summary.md and report.html for a finished output folder (also after a Slurm run)."""
    phases = build_phases(config)
    manifest = build_manifest(config.output.dir, phases, wall_seconds, config.model_dump(mode="json"))
    write_manifest(config.output.dir, manifest)
    summary = Path(config.output.dir) / "summary.md"
    summary.write_text(manifest_markdown(manifest, config.output.dir), encoding="utf-8")
    write_report(config.output.dir)
    return manifest


def _check_local_inputs(config: PipelineConfig) -> None:
    """Fail before any task starts (whose executor would log a traceback first) when a local input path is
    missing. Remote paths (s3://, hf://, ...) and Hugging Face dataset names are left to the readers."""
    if config.input.format == "hf":
        return
    missing = [path for path in config.input.paths if "://" not in path and not Path(path).exists()]
    if missing:
        raise FileNotFoundError(f"input path does not exist: {', '.join(missing)}")


def run_curate(config: PipelineConfig, progress: bool = False) -> dict[str, Any] | None:
    """Run (or resume) the chain; return the manifest, also written to OUTPUT/manifest.json.

    Rerunning with the same output folder skips tasks that completed, so a crashed run resumes where it stopped.
    On Slurm the jobs are only submitted: this returns None, and `refinery report OUTPUT` writes the manifest
    once they finished.
    """
    if not config.input.paths:
        raise ValueError("no input: set input.paths in the config or pass --input")
    _check_local_inputs(config)
    output = Path(config.output.dir)
    output.mkdir(parents=True, exist_ok=True)
    (output / "config.yaml").write_text(dump_config(config), encoding="utf-8")  # what `refinery report` reads
    executor, _ = make_executor(config, progress)
    started = time.monotonic()
    _console_logger()
    executor.run()
    if config.executor.type == "slurm":
        logger.warning(f"submitted Slurm job {executor.job_id}; run `refinery report {output}` once it finished")
        return None
    return finish_run(config, time.monotonic() - started)
