"""The same chain on datatrove's Ray and Slurm executors: Ray for real on a local cluster, Slurm up to sbatch."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.executors import make_phase_executor
from pipelines.run import run_curate
from schemas.config import ConfigError, ExecutorConfig, load_config


def kept_ids(output: Path) -> list[str]:
    return sorted(i for f in (output / "data").glob("*.parquet") for i in pq.read_table(f)["id"].to_pylist())


def _curate(shared_data: Path, output: Path, *sets: str) -> dict:
    inputs = json.dumps([str(shared_data / "warc")])
    settings = [f"input.paths={inputs}", f"output.dir={output}", "dedup.enabled=true", *sets]
    return run_curate(load_config(None, settings))


def test_ray_run_keeps_the_same_documents_as_the_local_run(shared_data: Path, tmp_path: Path):
    """The whole chain, dedup included: streaming dedup on one local task, sharded dedup (signatures, buckets,
    clusters, filter: one Ray job per phase) on two Ray tasks."""
    import ray

    local = _curate(shared_data, tmp_path / "local")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = _curate(
            shared_data,
            tmp_path / "ray",
            "executor.type=ray",
            "executor.tasks=2",
            "executor.workers=2",
            "dedup.mode=sharded",
        )
    finally:
        ray.shutdown()
    assert on_ray["accounted"] and on_ray["input_records"] == local["input_records"]
    assert on_ray["rejected"]["dedup"] == local["rejected"]["dedup"] == {"exact": 2}
    assert kept_ids(tmp_path / "ray") == kept_ids(tmp_path / "local") != []


def test_slurm_needs_a_partition():
    with pytest.raises(ConfigError, match="executor.slurm_partition"):
        load_config(None, ["executor.type=slurm"])


def test_slurm_executor_submits_a_job_array_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No Slurm here: a stand-in `sbatch` on PATH records the script it is given. This proves the generated
    script and submission; it does not prove the job runs on a cluster."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    sbatch = fake_bin / "sbatch"
    # sbatch [options] SCRIPT: keep every submitted script (the job array, then datatrove's stats-merge job)
    sbatch.write_text(
        f'#!/bin/sh\nfor last; do :; done\ncat "$last" >> {tmp_path}/submitted.sh\necho "Submitted batch job 4242"\n'
    )
    sbatch.chmod(sbatch.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    config = ExecutorConfig(
        type="slurm",
        tasks=8,
        workers=4,
        slurm_partition="cpu",
        slurm_time="02:00:00",
        cpus_per_task=2,
        slurm_sbatch_args={"account": "data-team"},
    )
    from stages.tokens import TokenCounter

    executor = make_phase_executor(config, [TokenCounter()], tasks=8, logging_dir=str(tmp_path / "logs"))
    executor.run()
    assert executor.job_id == "4242"
    script = (tmp_path / "submitted.sh").read_text()
    for expected in (
        "--partition=cpu",
        "--time=02:00:00",
        "--cpus-per-task=2",
        "--account=data-team",
        "--array=0-7%4",
    ):
        assert expected in script, expected
    assert f"source {sys.prefix}/bin/activate" in script
    assert (tmp_path / "logs" / "executor.pik").is_file()
