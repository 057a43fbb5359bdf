"""What the `pipeline` flow runs for each step: the step's folder, its config with the wiring between steps, its
fingerprint for skipping on rerun, and the convert step itself (the other steps are their own commands).

A step is skipped when its fingerprint (step config + the files it reads) equals the one recorded when it last
finished in the same folder; `.step.json` in the step folder holds that record, so deleting the folder, editing the
config or changing an input file reruns the step, and everything downstream of it (its output files changed).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.config import PipelineConfig, load_config
from schemas.distill import DistillConfig
from schemas.end_to_end import ConvertStep, EndToEndConfig, StepName
from schemas.publish import PublishConfig, make_publish_config
from schemas.train import TrainConfig
from stages.sft.convert import convert, dataset_name

STEP_RECORD = ".step.json"


def step_dir(spec: EndToEndConfig, step: StepName) -> Path:
    return Path(spec.output_dir) / step


def _files(path: str) -> Iterable[Path]:
    root = Path(path)
    if root.is_file():
        yield root
    elif root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))  # our own records and caches
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield Path(dirpath) / name


def fingerprint(step: StepName, settings: BaseModel | dict[str, Any], inputs: Iterable[str]) -> str:
    """sha256 over the step's resolved settings and the path, size and mtime of every file it reads. Inputs that
    are not local paths (s3://..., hub dataset names) count by name only."""
    if isinstance(settings, BaseModel):
        settings = settings.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps({"step": step, "settings": settings}, sort_keys=True).encode())
    for path in inputs:
        digest.update(f"\0input\0{path}".encode())
        for file in _files(path):
            stat = file.stat()
            digest.update(f"\0{file}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def step_done(folder: Path, fingerprint_: str) -> bool:
    record = folder / STEP_RECORD
    if not record.is_file():
        return False
    try:
        return json.loads(record.read_text("utf-8")).get("fingerprint") == fingerprint_
    except (OSError, json.JSONDecodeError):
        return False


def mark_step_done(folder: Path, step: StepName, fingerprint_: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "step": step,
        "fingerprint": fingerprint_,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (folder / STEP_RECORD).write_text(json.dumps(record) + "\n", encoding="utf-8")


def _path(path: Path) -> str:
    return json.dumps(str(path))  # JSON is valid YAML: a path with odd characters survives an override


def curate_config(spec: EndToEndConfig) -> PipelineConfig:
    assert spec.curate is not None
    return load_config(spec.curate.config, [*spec.curate.overrides, f"output.dir={_path(step_dir(spec, 'curate'))}"])


def distill_config(spec: EndToEndConfig) -> DistillConfig:
    """The distill step's config; with documents_from_curate it reads the curated documents of this run."""
    assert spec.distill is not None
    wiring = [f"output.dir={_path(step_dir(spec, 'distill'))}"]
    if spec.distill.documents_from_curate:
        wiring += [f"input.path={_path(step_dir(spec, 'curate') / 'data')}", "input.kind=documents"]
    return load_config(spec.distill.config, [*spec.distill.overrides, *wiring], model=DistillConfig)


def run_distill(config: DistillConfig) -> dict[str, Any]:
    from stages.distill.runner import run_distill as distill

    return distill(config)


def train_config(spec: EndToEndConfig) -> TrainConfig:
    """The train step's config, reading the converted or distilled data of this run."""
    assert spec.train is not None
    wiring = [f"output.dir={_path(step_dir(spec, 'train'))}"]
    if spec.train.data_from == "distill":
        wiring += [f"data.paths=[{_path(step_dir(spec, 'distill'))}]", "data.mapping=null"]
    elif spec.train.data_from == "convert":
        assert spec.convert is not None
        names = [
            d.name or dataset_name(d.mapping.rsplit(":", 1)[1] if d.mapping else d.path) for d in spec.convert.datasets
        ]
        name = spec.train.dataset or names[0]
        if name not in names:
            raise ValueError(f"train.dataset {name!r} is not one of the converted datasets {names}")
        folder = step_dir(spec, "convert")
        mapping = json.dumps(f"{folder / 'dataset_info.json'}:{name}")
        wiring += [f"data.paths=[{_path(folder)}]", f"data.mapping={mapping}"]
    return load_config(spec.train.config, [*spec.train.overrides, *wiring], model=TrainConfig)


def run_train(config: TrainConfig, config_path: str | None) -> dict[str, Any]:
    from stages.train.trainer import run_training

    return run_training(config, config_path=config_path, progress=False)


def publish_config(spec: EndToEndConfig) -> PublishConfig:
    """What the publish step publishes: the output folder of its source step."""
    step = spec.publish
    assert step is not None
    return make_publish_config(
        output_dir=str(step_dir(spec, step.source)),
        repo_id=step.repo_id,
        private=step.private,
        local_dir=step.local_dir,
    )


def run_publish(config: PublishConfig, token: str | None) -> dict[str, Any]:
    """The token (None: HF_TOKEN, or none for a local layout) is passed through, never stored."""
    from stages.publish.run import publish_output

    return publish_output(config, token=token, progress=False).to_dict()


def run_convert(step: ConvertStep, output: Path) -> dict[str, Any]:
    """Convert every dataset into `output` (emptied first: convert appends to rejected/errors files) and write a
    manifest with each dataset's counts."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    datasets = []
    for dataset in step.datasets:
        result = convert(
            dataset.path,
            step.to,
            output,
            from_format=dataset.from_format,
            mapping=dataset.mapping,
            file_format=step.file_format,
            name=dataset.name,
        )
        datasets.append(
            {
                "name": result.name,
                "input": result.input,
                "read_format": result.read_format,
                "write_format": result.write_format,
                "file": result.output_file.name,
                "input_records": result.total,
                "converted": result.converted,
                "written_rows": result.written_rows,
                "skipped": dict(result.skipped),
                "failed": result.failed,
            }
        )
    manifest = {
        "step": "convert",
        "format": step.to,
        "datasets": datasets,
        "input_records": sum(d["input_records"] for d in datasets),
        "converted": sum(d["converted"] for d in datasets),
        "accounted": all(
            d["input_records"] == d["converted"] + sum(d["skipped"].values()) + d["failed"] for d in datasets
        ),
    }
    (output / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return manifest


def convert_inputs(step: ConvertStep) -> list[str]:
    """Files the convert step reads: each dataset and the dataset_info.json its mapping names."""
    paths = [dataset.path for dataset in step.datasets]
    paths += [dataset.mapping.rsplit(":", 1)[0] for dataset in step.datasets if dataset.mapping]
    return paths


_HEADLINE_KEYS = (
    "input_records",
    "kept_records",
    "converted",
    "records_written",
    "requests_sent",
    "train_loss",
    "eval_loss",
    "repo_url",
    "local_dir",
)


def one_line(step: str, result: dict[str, Any]) -> str:
    """The figures a person looks at first, from whatever the step returned."""
    parts = [
        f"{key}={result[key]:,}" if isinstance(result[key], int) else f"{key}={result[key]}"
        for key in _HEADLINE_KEYS
        if result.get(key) is not None
    ]
    return ", ".join(parts) or "done"


def summary_markdown(spec: EndToEndConfig, results: dict[str, dict[str, Any]], skipped: list[str]) -> str:
    lines = [f"# pipeline run into `{spec.output_dir}`", "", "| step | outcome | figures |", "|---|---|---|"]
    for step in spec.steps():
        outcome = "skipped (unchanged)" if step in skipped else "ran"
        lines.append(f"| {step} | {outcome} | {one_line(step, results.get(step, {}))} |")
    return "\n".join(lines) + "\n"


def resolve_step(spec: EndToEndConfig, step: StepName) -> tuple[BaseModel, str]:
    """A step's resolved settings, as it will run with them, and their fingerprint (settings + every file read).
    Resolved once per run, so the fingerprint describes exactly what runs."""
    if step == "curate":
        curate = curate_config(spec)
        return curate, fingerprint(step, curate, curate.input.paths)
    if step == "convert":
        assert spec.convert is not None
        return spec.convert, fingerprint(step, spec.convert, convert_inputs(spec.convert))
    if step == "distill":
        distill = distill_config(spec)
        return distill, fingerprint(step, distill, [distill.input.path] if distill.input.path else [])
    if step == "train":
        train = train_config(spec)
        mapping_file = [train.data.mapping.rsplit(":", 1)[0]] if train.data.mapping else []
        return train, fingerprint(step, train, [*train.data.paths, *mapping_file])
    publish = publish_config(spec)
    return publish, fingerprint(step, publish, [publish.output_dir])
