"""Scale-out benchmark: the curate chain with 1 and 2 workers on datatrove's local and Ray executors.

The same input (real web, Wikipedia and Shakespeare text from the shared data folder, written as ``--shards``
JSONL files so every task has work) goes through language ID, the quality rules and token counting (extraction
off: the text is already plain; dedup off: its streaming mode is one task by design) with ``executor.tasks =
--shards`` and 1 or 2 workers. docs/s is input documents over wall seconds of the whole run, one-time start-up
included (process fork, Ray start), because that is what a user waits for. Each run also checks that it kept the
same documents as the first local run.

    .venv/bin/python bench/scale_bench.py                  # print the table
    .venv/bin/python bench/scale_bench.py --write-results  # also update bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import cpu_model, shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402

RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
SECTION_TITLE = "## Scale-out (local and Ray executors)"
RUN_TIMEOUT_S = 600
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def build_texts(data: Path) -> list[str]:
    """Distinct real documents: web pages (C4, DCLM, dolma), Wikipedia cut into ~2.5 KB pieces, Shakespeare."""
    texts: list[str] = []
    quality = data / "quality"
    for path in [quality / "llama-factory/c4_demo.jsonl", *sorted((quality / "dclm").glob("*.jsonl"))]:
        with path.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    for path in sorted((quality / "dolma").glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle if line.strip()]
    for article in (data / "dedup/llama-factory/wiki_demo.txt").read_text(encoding="utf-8").splitlines():
        sentences = _SENTENCE_END.split(article.strip())
        texts += [" ".join(sentences[i : i + 24]) for i in range(0, len(sentences), 24)]
    plays = (data / "dedup/tinyshakespeare/input.txt").read_text(encoding="utf-8").split("\n\n")
    texts += ["\n\n".join(plays[i : i + 12]) for i in range(0, len(plays), 12)]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def write_shards(texts: list[str], docs: int, shards: int, folder: Path) -> None:
    """`docs` records cycling through `texts` (ids unique), dealt round-robin into `shards` JSONL files."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = [(folder / f"part-{i:03d}.jsonl").open("w", encoding="utf-8") for i in range(shards)]
    for n in range(docs):
        handles[n % shards].write(json.dumps({"id": f"doc-{n}", "text": texts[n % len(texts)]}) + "\n")
    for handle in handles:
        handle.close()


_RUN = """
import json, sys, time
from pipelines.run import run_curate
from schemas.config import load_config
executor, workers, shards, inputs, output = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
sets = [f"input.paths=[{json.dumps(inputs)}]", f"output.dir={json.dumps(output)}", "extract.enabled=false",
        "dedup.enabled=false", f"executor.type={executor}", f"executor.tasks={shards}", f"executor.workers={workers}"]
started = time.monotonic()
if executor == "ray":
    import ray
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
manifest = run_curate(load_config(None, sets))
print(json.dumps({"seconds": time.monotonic() - started, "input": manifest["input_records"],
                  "kept": manifest["kept_records"], "accounted": manifest["accounted"]}))
"""


def kept_ids(output: Path) -> set[str]:
    import pyarrow.parquet as pq

    return {i for f in (output / "data").glob("*.parquet") for i in pq.read_table(f, columns=["id"])["id"].to_pylist()}


def run_one(executor: str, workers: int, shards: int, inputs: Path, output: Path) -> dict:
    """One curate run in a fresh interpreter, so no run profits from another's warm imports."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, executor, str(workers), str(shards), str(inputs), str(output)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"REFINERY_LOG_LEVEL": "ERROR"},
        timeout=RUN_TIMEOUT_S,  # a stuck run (one Ray start here hung for 10 minutes) fails instead of hanging
    )
    if done.returncode != 0:
        raise RuntimeError(f"{executor} x{workers} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=8000, help="input documents")
    parser.add_argument("--shards", type=int, default=4, help="input files = executor.tasks")
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="refinery-scale-") as tmp:
        inputs = Path(tmp) / "input"
        write_shards(build_texts(shared_data_dir()), args.docs, args.shards, inputs)
        reference: set[str] | None = None
        for executor in ("local", "ray"):
            for workers in (1, 2):
                output = Path(tmp) / f"{executor}-{workers}"
                result = run_one(executor, workers, args.shards, inputs, output)
                ids = kept_ids(output)
                reference = ids if reference is None else reference
                rows.append({"executor": executor, "workers": workers, **result, "same_kept": ids == reference})
                print(f"{executor} x{workers}: {result['input'] / result['seconds']:.0f} docs/s", flush=True)

    lines = [
        SECTION_TITLE,
        "",
        f"- Command: `.venv/bin/python bench/scale_bench.py --docs {args.docs} --shards {args.shards}"
        f"{' --write-results' if args.write_results else ''}`",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: nproc={os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}; "
        f"datatrove {version('datatrove')}, ray {version('ray')}. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} (other work on the machine slows the 2-worker runs most).",
        f"- Input: {args.docs:,} documents of real text in {args.shards} JSONL files; chain: language ID, quality "
        "rules, token counting; `executor.tasks` = number of files. docs/s = documents / wall seconds of the whole "
        "run, start-up included (a fresh interpreter per run).",
        "",
        "| executor | workers | seconds | docs/s | speed-up | kept | same kept set as local x1 | accounted |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        single = next(r for r in rows if r["executor"] == row["executor"] and r["workers"] == 1)
        lines.append(
            f"| {row['executor']} | {row['workers']} | {row['seconds']:.1f} | {row['input'] / row['seconds']:.0f} | "
            f"{single['seconds'] / row['seconds']:.2f}x | {row['kept']:,} | {'yes' if row['same_kept'] else 'NO'} | "
            f"{'yes' if row['accounted'] else 'NO'} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    if args.write_results:
        write_section(RESULTS_PATH, SECTION_TITLE, section)


if __name__ == "__main__":
    main()
