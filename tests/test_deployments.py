"""The deploy loop users run, for real on 127.0.0.1: own server, work pools, `deploy --all`, `deployment run`,
`worker start --run-once`. It proves prefect.yaml deploys all five flows as described and that a worker completes
an end-to-end pipeline run (curate -> convert -> publish to a local folder) from it; it does not prove anything
about remote workers, other pool types or a GPU worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path: Path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so every process it starts is stopped with it
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("prefect server did not become healthy within 90 s")
        yield api, env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _prefect(env: dict, *args: str, timeout: int = 300) -> str:
    done = subprocess.run([PREFECT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_deploy_run_and_work_the_nightly_pipeline(prefect_server, tmp_path: Path):
    api, env = prefect_server
    output = tmp_path / "nightly"
    config = tmp_path / "pipeline.yaml"  # the shipped one, publishing into the test's folder
    spec = yaml.safe_load((REPO / "configs/pipeline.yaml").read_text())
    spec["publish"]["local_dir"] = str(tmp_path / "hub")
    config.write_text(yaml.safe_dump(spec))
    timings = {}
    started = time.monotonic()
    _prefect(env, "work-pool", "create", "refinery-cpu", "--type", "process")
    _prefect(env, "work-pool", "create", "refinery-gpu", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all")
    timings["deploy"] = time.monotonic() - started
    _prefect(env, "deployment", "run", "pipeline/nightly", "-p", f"output_dir={output}", "-p", f"config_path={config}")
    started = time.monotonic()
    _prefect(env, "worker", "start", "--pool", "refinery-cpu", "--run-once")
    timings["worker"] = time.monotonic() - started
    print(f"deploy loop timings: {timings}")

    deployments = httpx.post(f"{api}/deployments/filter", json={}).json()
    flows = {f["id"]: f["name"] for f in httpx.post(f"{api}/flows/filter", json={}).json()}
    found = {f"{flows[d['flow_id']]}/{d['name']}": d for d in deployments}
    assert set(found) == {"curate/nightly", "pipeline/nightly", "distill/weekly", "train/weekly", "publish/weekly"}
    for name, deployment in found.items():
        (schedule,) = deployment["schedules"]
        assert schedule["active"] is False, name  # every schedule ships inactive
        assert deployment["global_concurrency_limit"]["limit"] == 1, name
        pool = "refinery-gpu" if name.startswith("train/") else "refinery-cpu"
        assert deployment["work_pool_name"] == pool, name
    assert found["pipeline/nightly"]["schedules"][0]["schedule"]["cron"] == "0 3 * * *"
    # The UI's form for the flow's parameters comes from the pydantic config model.
    schema = found["pipeline/nightly"]["parameter_openapi_schema"]
    assert "EndToEndConfig" in json.dumps(schema) and "output_dir" in schema["properties"]

    (run,) = httpx.post(f"{api}/flow_runs/filter", json={}).json()
    assert run["state_type"] == "COMPLETED", run["state"]
    curate = json.loads((output / "curate/manifest.json").read_text())
    assert curate["accounted"] and curate["kept_records"] == 22
    assert json.loads((output / "convert/manifest.json").read_text())["converted"] == 10
    assert (tmp_path / "hub/README.md").is_file() and list((tmp_path / "hub/data").rglob("*.parquet"))
