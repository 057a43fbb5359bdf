"""ExecutorConfig -> a datatrove executor: the same stage chain on local processes, a Ray cluster or Slurm."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from datatrove.executor.base import PipelineExecutor
from datatrove.pipeline.base import PipelineStep

from schemas.config import ExecutorConfig


def make_phase_executor(
    config: ExecutorConfig,
    pipeline: Sequence[PipelineStep],
    tasks: int,
    logging_dir: str,
    depends: PipelineExecutor | None = None,
    job_name: str = "refinery",
) -> PipelineExecutor:
    """One executor per phase; `depends` chains phases so a later one starts when the earlier one finished."""
    workers = min(config.workers, tasks)
    if config.type == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
            pipeline=list(pipeline),
            tasks=tasks,
            workers=workers,
            logging_dir=logging_dir,
            skip_completed=True,
            # fork keeps the parent's imports (spacy, fastText) warm; forkserver would re-import them per worker
            start_method="fork",
            depends=depends,
        )
    if config.type == "ray":
        import ray
        from datatrove.executor.ray import RayPipelineExecutor

        if not ray.is_initialized():
            ray.init(address=config.ray_address, include_dashboard=False, log_to_driver=False)
        return RayPipelineExecutor(
            pipeline=list(pipeline),
            tasks=tasks,
            workers=workers,
            logging_dir=logging_dir,
            skip_completed=True,
            cpus_per_task=config.cpus_per_task,
            mem_per_cpu_gb=config.mem_per_cpu_gb,
            depends=depends,
        )
    from datatrove.executor.slurm import SlurmPipelineExecutor

    return SlurmPipelineExecutor(
        pipeline=list(pipeline),
        tasks=tasks,
        workers=config.workers,
        time=config.slurm_time,
        partition=config.slurm_partition,
        cpus_per_task=config.cpus_per_task,
        mem_per_cpu_gb=config.mem_per_cpu_gb,
        job_name=job_name,
        venv_path=config.slurm_venv or os.path.join(sys.prefix, "bin", "activate"),
        sbatch_args=dict(config.slurm_sbatch_args),
        logging_dir=logging_dir,
        skip_completed=True,
        depends=depends,
    )
