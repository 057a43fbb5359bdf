"""The end-to-end `pipeline` flow under the session's Prefect server: steps run in order into their own folders,
an unchanged step is skipped on rerun (Prefect shows it Cached), and a changed input or a deleted output reruns
exactly the steps it affects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from schemas.config import ConfigError, load_config
from schemas.end_to_end import EndToEndConfig

REPO = Path(__file__).resolve().parents[1]


TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# The shipped SFT config, shrunk to a few CPU steps of a tiny model.
TRAIN_OVERRIDES = [
    "adapter.type=full",
    "data.eval_fraction=0.2",
    "training.precision=fp32",
    "training.gradient_checkpointing=false",
    "training.packing=false",
    "training.max_steps=4",
    "training.batch_size=2",
    "training.grad_accum=1",
    "training.max_seq_length=256",
    "training.logging_steps=1",
    "samples.max_new_tokens=4",
]


def _tiny_model(folder: Path, instructions: Path) -> Path:
    from tiny_models import save_model, tiny_qwen2, train_tokenizer

    texts = [" ".join(row.values()) for row in json.loads(instructions.read_text())]
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokenizer = train_tokenizer(
        texts, special, TEMPLATE, eos_token="<|im_end|>", pad_token="<|endoftext|>", full_byte_alphabet=True
    )
    return save_model(tiny_qwen2(tokenizer), tokenizer, folder)


def _spec(tmp_path: Path, instructions: Path, model: Path) -> EndToEndConfig:
    return EndToEndConfig.model_validate(
        {
            "output_dir": str(tmp_path / "run"),
            "curate": {"config": str(REPO / "configs/sample.yaml")},
            "convert": {"datasets": [{"path": str(instructions), "name": "instructions"}], "to": "sharegpt"},
            "train": {
                "config": str(REPO / "configs/train_sft.yaml"),
                "overrides": [f"model.path={model}", *TRAIN_OVERRIDES],
                "data_from": "convert",
            },
            "publish": {"source": "curate", "repo_id": "me/sample", "local_dir": str(tmp_path / "hub")},
        }
    )


def _states(flow_state) -> dict[str, str]:
    """Task name -> state name of the step tasks of one flow run."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
            )
        return {run.name.rsplit("-", 1)[0]: run.state.name for run in runs}  # names are TASK-NAME-xyz

    return {name: state for name, state in asyncio.run(read()).items() if name.endswith("-step")}


def test_pipeline_runs_steps_then_skips_unchanged_ones(prefect_harness, tmp_path: Path):
    pytest.importorskip("trl")
    from flows.pipeline import pipeline

    instructions = tmp_path / "instructions.json"
    shutil.copy(REPO / "examples/sample/instructions.json", instructions)
    spec = _spec(tmp_path, instructions, _tiny_model(tmp_path / "model", instructions))

    first = pipeline(spec=spec, return_state=True)
    assert first.is_completed()
    results = first.result()
    assert results["curate"]["accounted"] and results["curate"]["kept_records"] == 22  # as `make demo`
    assert results["convert"]["converted"] == 10 and results["convert"]["accounted"]
    run = tmp_path / "run"
    assert (run / "curate/manifest.json").is_file() and (run / "convert/instructions.jsonl").is_file()
    assert json.loads((run / "convert/dataset_info.json").read_text())["instructions"]["formatting"] == "sharegpt"
    # train read the converted dataset through its dataset_info.json entry: 10 records, 2 held out
    assert results["train"]["global_step"] == 4 and (run / "train/summary.json").is_file()
    card = (tmp_path / "hub/README.md").read_text()
    assert "config_name: default" in card and results["publish"]["configs"]["default"]["rows"] == 22
    steps = ("curate-step", "convert-step", "train-step", "publish-step")
    assert _states(first) == dict.fromkeys(steps, "Completed")

    second = pipeline(spec=spec, return_state=True)
    assert _states(second) == dict.fromkeys(steps, "Cached")
    assert second.result()["curate"] == results["curate"]

    # A changed input reruns its step; a deleted output reruns its step even though Prefect has a result, and
    # what reads that output (publish) reruns because its input files changed.
    rows = json.loads(instructions.read_text())
    instructions.write_text(json.dumps(rows[:4]), encoding="utf-8")
    shutil.rmtree(run / "curate")
    third = pipeline(spec=spec, return_state=True)
    assert _states(third) == dict.fromkeys(steps, "Completed")  # train reads convert's output
    assert third.result()["convert"]["converted"] == 4
    assert (run / "curate/manifest.json").is_file()


def test_pipeline_config_names_missing_steps_and_bad_fields(tmp_path: Path):
    bad = tmp_path / "pipeline.yaml"
    bad.write_text("publish: {source: distill, repo_id: me/x}\n")
    with pytest.raises(ConfigError, match="publish.source reads the output of `distill`"):
        load_config(bad, model=EndToEndConfig)
    with pytest.raises(ConfigError, match="curate.confg"):
        load_config(None, ["curate.confg=x.yaml"], model=EndToEndConfig)


def test_shipped_pipeline_config_is_valid():
    spec = load_config(REPO / "configs/pipeline.yaml", model=EndToEndConfig)
    assert spec.steps()[0] == "curate" and spec.publish is not None
