"""Read a refinery output folder: what kind of run made it, its manifest, and which files hold which dataset.

Four kinds are recognised, checked in this order:

- `curate`: manifest.json with `quality_signals`/`kept_languages`, kept documents in data/*.parquet, removed ones
  in rejected/*.parquet, plots in plots/*.png;
- `sft-curate`: manifest.json with `checks` and `output_file`, the kept records in data/NAME.{json,jsonl,parquet}
  (+ data/dataset_info.json), dropped ones in rejected/sft-curate.jsonl;
- `convert`: no manifest, but NAME.{json,jsonl,parquet} next to rejected.jsonl and errors.jsonl (+
  dataset_info.json); the counts are read from those files and the card says so;
- `distill`: manifest.json with `teacher`, `samples` and `records`, canonical records in the manifest's
  `records.data_file` (data/conversations.parquet or data/preferences.parquet), rejected samples in
  rejected/samples.jsonl; the counts are teacher samples (planned, kept, rejected per reason, errors);
- `generic` (later stages): manifest.json and Parquet under data/; files are grouped into configs by their name
  without a trailing shard number (`sft-00000.parquet`, `sft-00001.parquet` -> `sft`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

OutputKind = Literal["curate", "sft-curate", "convert", "distill", "generic"]
DATA_SUFFIXES = (".parquet", ".jsonl", ".json")
_CONVERT_SIDE_FILES = {"dataset_info.json", "rejected.jsonl", "errors.jsonl", "manifest.json"}
_SHARD_SUFFIX = re.compile(r"[-_.]?\d+(?:-\d+)*$")


class OutputError(ValueError):
    """The folder is not something refinery can publish (missing, no manifest, nothing kept)."""


@dataclass
class DatasetFiles:
    """The files of one config (one dataset), as written by the run."""

    config: str
    files: list[Path]
    file_format: str  # parquet | jsonl | json
    expected_rows: int | None  # the manifest's row count, checked against what the layout writes
    description: str
    lf_entry: dict[str, Any] | None = None  # the LLaMA-Factory dataset_info.json entry, if the run wrote one


@dataclass
class RefineryOutput:
    path: Path
    kind: OutputKind
    manifest: dict[str, Any]  # the run's manifest, with the common count keys added where its own layout differs
    manifest_derived: bool  # True: no manifest.json (convert), counts read from the files
    datasets: list[DatasetFiles]
    rejected: DatasetFiles | None
    plots: list[Path] = field(default_factory=list)
    config_file: Path | None = None  # the run's effective config.yaml, when it wrote one

    @property
    def kept_records(self) -> int:
        return int(self.manifest.get("kept_records", 0))


def _data_files(folder: Path, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffixes) and p.name[0] != ".")


def _format_of(path: Path) -> str:
    return next(suffix[1:] for suffix in DATA_SUFFIXES if path.name.endswith(suffix))


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise OutputError(f"{path} is not readable JSON: {err}") from None
    if not isinstance(manifest, dict):
        raise OutputError(f"{path} is not a manifest (expected a JSON object)")
    return manifest


def _lf_entries(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise OutputError(f"{path} is not readable JSON: {err}") from None
    return entries if isinstance(entries, dict) else {}


def _jsonl_lines(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_output(path: str | Path) -> RefineryOutput:
    """Recognise the output folder's kind and collect its files; raises OutputError with what is missing."""
    root = Path(path)
    if not root.is_dir():
        raise OutputError(f"output folder {root} does not exist")
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        manifest = _load_manifest(manifest_path)
        if "checks" in manifest and "output_file" in manifest:
            output = _sft_curate(root, manifest)
        elif {"teacher", "samples", "records"} <= manifest.keys():
            output = _distill(root, manifest)
        elif "kept_languages" in manifest and "quality_signals" in manifest:
            output = _curate(root, manifest)
        else:
            output = _generic(root, manifest)
    elif any((root / marker).is_file() for marker in _CONVERT_SIDE_FILES - {"manifest.json"}):
        output = _convert(root)
    else:
        raise OutputError(
            f"{root} has no manifest.json: publish the output folder of `refinery curate`, `sft-curate`, `convert` "
            "(recognised by its dataset_info.json, rejected.jsonl or errors.jsonl) or distill; for a curate run "
            "whose manifest is missing, `refinery report OUTPUT` rebuilds it"
        )
    if not output.datasets or not any(d.files for d in output.datasets):
        raise OutputError(f"{root} holds no data files to publish (looked for {', '.join(DATA_SUFFIXES)})")
    if output.kept_records == 0:
        raise OutputError(f"{root} kept 0 records (manifest kept_records = 0): nothing to publish")
    return output


def _plots(root: Path) -> list[Path]:
    return sorted((root / "plots").glob("*.png")) if (root / "plots").is_dir() else []


def _curate(root: Path, manifest: dict[str, Any]) -> RefineryOutput:
    kept = DatasetFiles(
        "default", _data_files(root / "data", (".parquet",)), "parquet", manifest.get("kept_records"), "kept documents"
    )
    rejected_files = _data_files(root / "rejected", (".parquet",))
    rejected = DatasetFiles(
        "rejected",
        rejected_files,
        "parquet",
        manifest.get("rejected_records"),
        "removed documents with stage and reason",
    )
    config_file = root / "config.yaml"
    return RefineryOutput(
        root,
        "curate",
        manifest,
        False,
        [kept],
        rejected if rejected_files else None,
        _plots(root),
        config_file if config_file.is_file() else None,
    )


def _sft_curate(root: Path, manifest: dict[str, Any]) -> RefineryOutput:
    # output_file is the path at run time; the folder may have moved since, so look for its name under data/.
    data_file = root / "data" / Path(manifest["output_file"]).name
    if not data_file.is_file():
        raise OutputError(f"{data_file} (the manifest's output_file) is missing")
    name = data_file.name.removesuffix("." + _format_of(data_file))
    entry = _lf_entries(root / "data" / "dataset_info.json").get(name)
    kept = DatasetFiles(
        name,
        [data_file],
        _format_of(data_file),
        manifest.get("written_rows", manifest.get("kept_records")),
        f"{manifest.get('write_format', 'SFT')} records",
        entry,
    )
    rejected_file = root / "rejected" / "sft-curate.jsonl"
    rejected = None
    if rejected_file.is_file() and rejected_file.stat().st_size:
        rejected = DatasetFiles(
            "rejected",
            [rejected_file],
            "jsonl",
            manifest.get("rejected_records"),
            "dropped records with stage, reason",
        )
    return RefineryOutput(root, "sft-curate", manifest, False, [kept], rejected, _plots(root))


def _convert(root: Path) -> RefineryOutput:
    """`refinery convert` writes no manifest: count what its files hold, so the card's numbers are still real."""
    entries = _lf_entries(root / "dataset_info.json")
    datasets = []
    written = 0
    for path in _data_files(root):
        if path.name in _CONVERT_SIDE_FILES:
            continue
        name = path.name.removesuffix("." + _format_of(path))
        rows = _count_rows(path)
        written += rows
        entry = entries.get(name)
        datasets.append(
            DatasetFiles(name, [path], _format_of(path), rows, f"{_format_name(path, entry)} records", entry)
        )
    rejected_lines = _jsonl_lines(root / "rejected.jsonl")
    error_lines = _jsonl_lines(root / "errors.jsonl")
    skipped = Counter(str(line.get("reason", "unknown")) for line in rejected_lines)
    manifest = {
        "input": sorted({str(line["file" if "file" in line else "source"]) for line in rejected_lines + error_lines}),
        "kept_records": written,
        "written_rows": written,
        "rejected_records": len(rejected_lines),
        "error_records": len(error_lines),
        "rejected": {"convert": dict(skipped.most_common())} if skipped else {},
        "write_format": ", ".join(sorted({d.description.removesuffix(" records") for d in datasets} - {"sft"})),
    }
    rejected = None
    if rejected_lines:
        rejected = DatasetFiles(
            "rejected",
            [root / "rejected.jsonl"],
            "jsonl",
            len(rejected_lines),
            "records the target format cannot hold",
        )
    return RefineryOutput(root, "convert", manifest, True, datasets, rejected)


def _format_name(path: Path, entry: dict[str, Any] | None) -> str:
    """What a converted file holds, for the card: the LLaMA-Factory entry says it, else the columns do."""
    if entry is not None:
        return "preference" if entry.get("ranking") else str(entry.get("formatting", "alpaca"))
    from stages.sft.io import read_rows

    first = next((row.row for row in read_rows(str(path)) if row.row is not None), None) or {}
    if "chosen" in first and "rejected" in first:
        return "preference"
    if "label" in first and "completion" in first:
        return "kto"
    return "sft"


def _count_rows(path: Path) -> int:
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    from stages.sft.io import read_rows

    return sum(1 for _ in read_rows(str(path)))


def _distill(root: Path, manifest: dict[str, Any]) -> RefineryOutput:
    """Distill counts teacher samples; the published rows are the canonical records built from the kept ones."""
    samples, records = manifest["samples"], manifest["records"]
    data_file = root / str(records.get("data_file", "data/conversations.parquet"))
    if not data_file.is_file():
        raise OutputError(f"{data_file} (the manifest's records.data_file) is missing")
    counts = {
        "input_records": samples.get("planned"),
        "kept_samples": samples.get("kept"),
        "kept_records": records.get("canonical"),
        "rejected_records": samples.get("rejected_total"),
        "rejected": {"distill": samples.get("rejected", {})},
        "error_records": (samples.get("errors") or 0) + (samples.get("not_sent") or 0),
        "accounted": samples.get("accounted"),
        "write_format": "preference" if manifest.get("task") == "preference" else "sft",
        "tags": ["synthetic", "distillation"],
    }
    view = {**manifest, **counts}
    name = data_file.name.removesuffix(".parquet")
    kept = DatasetFiles(name, [data_file], "parquet", records.get("canonical"), f"{manifest.get('task')} records")
    rejected_file = root / "rejected" / "samples.jsonl"
    rejected = None
    if rejected_file.is_file() and rejected_file.stat().st_size:
        rejected = DatasetFiles(
            "rejected", [rejected_file], "jsonl", samples.get("rejected_total"), "rejected samples"
        )
    return RefineryOutput(root, "distill", view, False, [kept], rejected, _plots(root))


def _generic(root: Path, manifest: dict[str, Any]) -> RefineryOutput:
    groups: dict[str, list[Path]] = {}
    for path in _data_files(root / "data", (".parquet",)):
        stem = path.name.removesuffix(".parquet")
        config = _SHARD_SUFFIX.sub("", stem) or "default"
        groups.setdefault(config, []).append(path)
    counts = manifest.get("kept_records_by_config") or {}
    single = len(groups) == 1
    datasets = [
        DatasetFiles(
            name,
            files,
            "parquet",
            counts.get(name, manifest.get("kept_records") if single else None),
            "records",
        )
        for name, files in groups.items()
    ]
    if "kept_records" not in manifest:  # a manifest without counts: the rows on disk are what is published
        manifest = {**manifest, "kept_records": sum(_count_rows(f) for d in datasets for f in d.files)}
    rejected_files = _data_files(root / "rejected", (".parquet",))
    rejected = DatasetFiles("rejected", rejected_files, "parquet", None, "removed records") if rejected_files else None
    config_file = root / "config.yaml"
    return RefineryOutput(
        root,
        "generic",
        manifest,
        False,
        datasets,
        rejected,
        _plots(root),
        config_file if config_file.is_file() else None,
    )
