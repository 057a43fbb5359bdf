"""Teacher client throughput against a local server with a fixed per-request latency.

The server (tests/fault_server.py, no faults) runs in its own process and answers every request after `--latency`
seconds, so the ideal throughput at concurrency C is C / latency requests per second; the client should reach at
least 90% of it at concurrency 64 and 256. Each run sends `--rounds` x C distinct requests (GSM8K questions from the
shared data folder, so the bodies have realistic sizes) through `TeacherClient.generate` with the SQLite request
cache on, as a distill run does. Reported: achieved/ideal throughput, the client's CPU per request (process CPU
time of this process, all threads, over the requests) and the server process's CPU, to show it was not the
bottleneck.

    .venv/bin/python bench/distill_bench.py                    # print the table
    .venv/bin/python bench/distill_bench.py --write-results    # and write the section of bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, cpu_model, shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402
from schemas.teacher import SamplingParams, TeacherConfig  # noqa: E402
from stages.distill.client import TeacherClient, TeacherRequest  # noqa: E402

TITLE = "## Distillation client"


@dataclass
class Run:
    concurrency: int
    requests: int
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float
    failed: int
    first_answer_s: float  # ramp-up: connections opened, the first round sent
    round_s: float  # steady state: seconds per round of `concurrency` answers after the first round

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_s


def start_server(latency_s: float) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "tests" / "fault_server.py"), "--latency", str(latency_s)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline().strip()
    if not line.startswith("PORT "):
        server.kill()
        raise RuntimeError(f"fault server did not start: {line!r}")
    return server, f"http://127.0.0.1:{line.split()[1]}"


def server_cpu_s(root: str) -> float:
    with urllib.request.urlopen(f"{root}/stats", timeout=10) as resp:
        return float(json.load(resp)["cpu_s"])


def questions(limit: int) -> list[str]:
    path = shared_data_dir() / "eval" / "gsm8k" / "train.jsonl"
    rows = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(rows[i % len(rows)])["question"] for i in range(limit)]


def run_once(root: str, concurrency: int, rounds: int, texts: list[str], tag: str) -> Run:
    config = TeacherConfig(
        base_url=f"{root}/v1",
        model="bench-teacher",
        concurrency=concurrency,
        timeout_s=30,
        sampling=SamplingParams(max_tokens=256),
    )
    n = concurrency * rounds
    requests = [
        TeacherRequest(messages=[{"role": "user", "content": f"{texts[i]} ({tag} {i})"}], sampling=config.sampling)
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory(prefix="distill-bench-") as tmp:
        client = TeacherClient(config, Path(tmp) / "requests.sqlite")
        server_before = server_cpu_s(root)
        cpu_before = time.process_time()
        started = time.perf_counter()
        stamps = [time.perf_counter() - started for _ in client.generate(requests, progress=False)]
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        server_cpu = server_cpu_s(root) - server_before
        client.close()
    assert len(stamps) == n, (len(stamps), n)
    round_s = (stamps[-1] - stamps[concurrency - 1]) / max(1, rounds - 1)
    return Run(concurrency, n, wall, cpu, server_cpu, client.stats.failed, stamps[0], round_s)


def section(runs: list[Run], latency_s: float, rounds: int, command: str, load: tuple[float, ...]) -> str:
    lines = [
        TITLE,
        "",
        f"- Command: `{command}`",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: nproc={_nproc()}, CPU: {cpu_model()}, Python {platform.python_version()}, aiohttp "
        f"{aiohttp.__version__}; shared with other work (load average {load[0]:.1f} before the run, "
        f"{load[1]:.1f} after), so wall times are noisy",
        f"- Server: tests/fault_server.py (aiohttp) in its own process, every answer after {latency_s:g} s, no "
        "faults. Client: `TeacherClient.generate` (aiohttp, SQLite request cache on), "
        f"{rounds} x concurrency distinct GSM8K prompts per run.",
        "- Ideal = concurrency / latency. Client CPU: process CPU time of the benchmark process (all threads) / "
        "requests; server CPU likewise for the server process. First answer: seconds from the start to the first "
        f"response (connections opened, first round sent). Round: seconds per round of concurrency answers after "
        f"the first round (ideal {latency_s:g}); the excess is the time a response waits for a CPU in the client "
        "or the server.",
        "",
        "| concurrency | requests | wall s | req/s | ideal req/s | achieved / ideal | first answer s | round s "
        "| client CPU ms/req | server CPU ms/req | failed |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        ideal = run.concurrency / latency_s
        lines.append(
            f"| {run.concurrency} | {run.requests:,} | {run.wall_s:.2f} | {run.throughput:.1f} | {ideal:.0f} "
            f"| {run.throughput / ideal:.1%} | {run.first_answer_s:.2f} | {run.round_s:.3f} "
            f"| {1000 * run.client_cpu_s / run.requests:.3f} "
            f"| {1000 * run.server_cpu_s / run.requests:.3f} | {run.failed} |"
        )
    worst = min(run.throughput / (run.concurrency / latency_s) for run in runs)
    lines += ["", f"Lowest achieved/ideal: **{worst:.1%}** (target >= 90%)."]
    return "\n".join(lines) + "\n"


def _nproc() -> int:
    return len(os.sched_getaffinity(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the server takes per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--rounds", type=int, default=20, help="requests per run = rounds x concurrency")
    parser.add_argument("--write-results", action="store_true", help="write the section of bench/RESULTS.md")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    server, root = start_server(args.latency)
    try:
        texts = questions(max(args.concurrency) * args.rounds)
        runs = []
        for concurrency in args.concurrency:
            run = run_once(root, concurrency, args.rounds, texts, tag=f"c{concurrency}")
            ideal = concurrency / args.latency
            print(
                f"concurrency {concurrency}: {run.requests} requests in {run.wall_s:.2f} s = {run.throughput:.1f} "
                f"req/s, ideal {ideal:.0f}: {run.throughput / ideal:.1%}; first answer {run.first_answer_s:.2f} s, "
                f"{run.round_s:.3f} s per round; client CPU "
                f"{1000 * run.client_cpu_s / run.requests:.3f} ms/req, server CPU "
                f"{1000 * run.server_cpu_s / run.requests:.3f} ms/req, failed {run.failed}",
                flush=True,
            )
            runs.append(run)
    finally:
        server.terminate()
        server.wait(10)
    command = "python bench/distill_bench.py" + (" --write-results" if args.write_results else "")
    text = section(runs, args.latency, args.rounds, command, (load_before, os.getloadavg()[0]))
    if args.write_results:
        write_section(REPO_ROOT / "bench" / "RESULTS.md", TITLE, text)
    print(text)


if __name__ == "__main__":
    main()
