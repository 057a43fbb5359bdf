"""OUTPUT/manifest.json: what went in, what came out, where the rest went, and how long each stage took.

Counts of kept, rejected and error records are read back from the files themselves (Parquet footers and the
stage/reason columns, error JSONL lines), not from counters, so the manifest describes what is on disk. Input
counts and stage timings come from datatrove's per-task stats, which survive reruns that skip finished tasks.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.build import Phase


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))


def _count_kept(output: Path) -> tuple[int, int, Counter]:
    rows = tokens = 0
    languages: Counter = Counter()
    for path in _parquet_files(output / "data"):
        table = pq.read_table(path, columns=["token_count", "language"])
        rows += table.num_rows
        tokens += int(pc.sum(table["token_count"]).as_py() or 0)
        languages.update(lang or "unlabelled" for lang in table["language"].to_pylist())
    return rows, tokens, languages


def _count_rejected(output: Path) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for path in _parquet_files(output / "rejected"):
        table = pq.read_table(path, columns=["stage", "reason"])
        for stage, reason in zip(table["stage"].to_pylist(), table["reason"].to_pylist(), strict=True):
            counts[stage][reason] += 1
    return {stage: dict(reasons.most_common()) for stage, reasons in counts.items()}


def _count_errors(output: Path) -> tuple[int, dict[str, int]]:
    total = 0
    by_file: Counter = Counter()
    for path in sorted((output / "errors").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            total += entry["records"]
            by_file[entry["file"]] += entry["records"]
    return total, dict(by_file)


def quality_signal_stats(output: Path) -> dict[str, dict[str, float]]:
    """Quartiles of every measured quality value over all scored documents, kept and rejected, so a threshold
    can be judged (and changed) without rerunning; the counts each rule rejected are under `rejected.quality`."""
    import polars as pl

    files = [p for folder in ("data", "rejected") for p in _parquet_files(output / folder)]
    frames = [pl.read_parquet(f, columns=["quality"]).select(pl.col("quality").struct.unnest()) for f in files]
    if not frames:
        return {}
    values = pl.concat(frames, how="diagonal_relaxed")
    stats = {}
    for signal in values.columns:
        column = values[signal].drop_nulls()
        if column.len():
            quantiles = {f"p{q}": round(float(column.quantile(q / 100, "nearest")), 4) for q in (5, 25, 50, 75, 95)}
            stats[signal] = {"documents": column.len(), **quantiles}
    return stats


def _merged_task_stats(logs: Path) -> list[dict[str, Any]]:
    """datatrove writes {logs}/stats/{rank}.json per finished task: a list with one entry per step."""
    merged: list[dict[str, Any]] = []
    for path in sorted((logs / "stats").glob("*.json")):
        for index, step in enumerate(json.loads(path.read_text())):
            if index == len(merged):
                merged.append({"time": 0.0, "stats": Counter()})
            timing = step.get("time_stats")
            merged[index]["time"] += timing.get("total", 0.0) if isinstance(timing, dict) else 0.0  # 0: never timed
            for key, value in step.get("stats", {}).items():
                merged[index]["stats"][key] += value.get("total", 0) if isinstance(value, dict) else value
    return merged


def build_manifest(
    output_dir: str | Path, phases: list[Phase], wall_seconds: float | None, config: dict
) -> dict[str, Any]:
    output = Path(output_dir)
    kept, kept_tokens, languages = _count_kept(output)
    rejected = _count_rejected(output)
    rejected_total = sum(sum(reasons.values()) for reasons in rejected.values())
    errors, errors_by_file = _count_errors(output)
    stage_seconds: dict[str, float] = {}
    reader: Counter = Counter()
    for number, phase in enumerate(phases):
        steps = _merged_task_stats(output / phase.logs)
        if number == 0 and steps:
            reader = steps[0]["stats"]
        for stage, step in zip(phase.stages, steps, strict=False):
            stage_seconds[stage.name] = round(stage_seconds.get(stage.name, 0.0) + step["time"], 3)
    input_records = int(reader.get("input_records", 0))
    non_documents = {
        key.removeprefix("non_document_"): int(value)
        for key, value in sorted(reader.items())
        if key.startswith("non_document_")
    }
    return {
        "input_records": input_records,
        "kept_records": kept,
        "rejected_records": rejected_total,
        "error_records": errors,
        "accounted": input_records == kept + rejected_total + errors,
        "kept_tokens": kept_tokens,
        "rejected": rejected,
        "errors_by_file": errors_by_file,
        "kept_languages": dict(languages.most_common()),
        "non_document_records": non_documents,
        "quality_signals": quality_signal_stats(output),
        "unrecognised_input_files": int(reader.get("unrecognised_files", 0)),
        "stage_seconds": stage_seconds,
        "wall_seconds": None if wall_seconds is None else round(wall_seconds, 3),  # None: rebuilt afterwards
        "config": config,
    }


def write_manifest(output_dir: str | Path, manifest: dict[str, Any]) -> Path:
    path = Path(output_dir) / "manifest.json"
    tmp = path.with_name(".manifest.json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
