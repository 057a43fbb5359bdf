"""The deploy loop users run, for real on 127.0.0.1: own server, work pool, `deploy --all`, `deployment run`,
`worker start --run-once`. It proves prefect.yaml deploys and a worker completes a curate run from it; it does
not prove anything about remote workers or other pool types."""

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


def test_deploy_run_and_work_the_nightly_curate(prefect_server, tmp_path: Path):
    api, env = prefect_server
    output = tmp_path / "nightly"
    timings = {}
    started = time.monotonic()
    _prefect(env, "work-pool", "create", "refinery-cpu", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all")
    timings["deploy"] = time.monotonic() - started
    _prefect(env, "deployment", "run", "curate/nightly", "-p", f"output_dir={output}")
    started = time.monotonic()
    _prefect(env, "worker", "start", "--pool", "refinery-cpu", "--run-once")
    timings["worker"] = time.monotonic() - started
    print(f"deploy loop timings: {timings}")

    (deployment,) = httpx.post(f"{api}/deployments/filter", json={}).json()
    assert deployment["name"] == "nightly" and set(deployment["tags"]) == {"curate", "cpu"}
    (schedule,) = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *" and schedule["active"] is False  # shipped inactive
    (run,) = httpx.post(f"{api}/flow_runs/filter", json={}).json()
    assert run["state_type"] == "COMPLETED", run["state"]
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["accounted"] and manifest["kept_records"] == 22
