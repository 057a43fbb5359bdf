"""Prefect flow `pipeline`: curate -> convert -> distill -> train -> publish, each step a cached task.

A step whose config and input files are unchanged since it last finished in the same folder is not run again:
its task is cached on a fingerprint of both (shown as `Cached` in the UI), with the result stored beside the
output, and a step folder without its finish record is always rerun. Inside a step, datatrove's completion
markers and distill's request cache skip the work a crashed run already did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.context import TaskRunContext

from flows.publish import hub_token
from flows.retries import retry_unless
from pipelines import end_to_end as e2e
from pipelines.run import run_curate
from schemas.config import PipelineConfig, load_config
from schemas.distill import DistillConfig
from schemas.end_to_end import ConvertStep, EndToEndConfig, StepName
from schemas.publish import PublishConfig
from schemas.train import TrainConfig


def _fingerprint_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return f"refinery-{context.task.name}-{parameters['fingerprint']}"


_STEP_TASK = dict(
    cache_key_fn=_fingerprint_key,
    persist_result=True,
    retries=2,
    retry_delay_seconds=10,
    retry_condition_fn=retry_unless(ValueError, FileNotFoundError, KeyError),  # mistakes fail again
)


@task(name="load-pipeline-config")
def load_spec_task(config_path: str | None, spec: EndToEndConfig | None, output_dir: str | None) -> EndToEndConfig:
    if spec is None:
        if config_path is None:
            raise ValueError("give config_path (a pipeline YAML) or spec")
        spec = load_config(config_path, model=EndToEndConfig)
    if output_dir is not None:
        spec = spec.model_copy(update={"output_dir": output_dir})
    return spec


# Every step task takes the run's config, the step's resolved settings (see e2e.resolve_step) and their fingerprint.
@task(name="curate-step", **_STEP_TASK)
def curate_step(spec: EndToEndConfig, config: PipelineConfig, fingerprint: str) -> dict[str, Any]:
    manifest = run_curate(config)
    if manifest is None:
        raise ValueError("the pipeline flow waits for each step; run curate on Slurm with the `curate` flow instead")
    e2e.mark_step_done(e2e.step_dir(spec, "curate"), "curate", fingerprint)
    return manifest


@task(name="convert-step", **_STEP_TASK)
def convert_step(spec: EndToEndConfig, config: ConvertStep, fingerprint: str) -> dict[str, Any]:
    folder = e2e.step_dir(spec, "convert")
    manifest = e2e.run_convert(config, folder)
    e2e.mark_step_done(folder, "convert", fingerprint)
    return manifest


@task(name="distill-step", **_STEP_TASK)
def distill_step(spec: EndToEndConfig, config: DistillConfig, fingerprint: str) -> dict[str, Any]:
    manifest = e2e.run_distill(config)
    e2e.mark_step_done(e2e.step_dir(spec, "distill"), "distill", fingerprint)
    return manifest


@task(name="train-step", **_STEP_TASK)
def train_step(spec: EndToEndConfig, config: TrainConfig, fingerprint: str) -> dict[str, Any]:
    summary = e2e.run_train(config, spec.train.config if spec.train else None)
    e2e.mark_step_done(e2e.step_dir(spec, "train"), "train", fingerprint)
    return summary


@task(name="publish-step", **_STEP_TASK)
def publish_step(spec: EndToEndConfig, config: PublishConfig, fingerprint: str) -> dict[str, Any]:
    assert spec.publish is not None
    # Read inside the task (never a parameter, result or log line); a local layout needs no token.
    token = hub_token(spec.publish.token_secret) if config.local_dir is None else None
    result = e2e.run_publish(config, token)
    e2e.mark_step_done(e2e.step_dir(spec, "publish"), "publish", fingerprint)
    return result


@task(name="publish-pipeline-summary")
def publish_summary_task(spec: EndToEndConfig, results: dict[str, dict[str, Any]], skipped: list[str]) -> None:
    create_markdown_artifact(
        key="pipeline-summary",
        markdown=e2e.summary_markdown(spec, results, skipped),
        description=f"pipeline run into {spec.output_dir}",
    )


STEP_TASKS = {
    "curate": curate_step,
    "convert": convert_step,
    "distill": distill_step,
    "train": train_step,
    "publish": publish_step,
}


@flow(name="pipeline", log_prints=True)
def pipeline(
    config_path: str | None = None, spec: EndToEndConfig | None = None, output_dir: str | None = None
) -> dict[str, Any]:
    """Run the configured steps in order. Give a pipeline YAML (`config_path`, e.g. configs/pipeline.yaml) or the
    config itself (`spec`); `output_dir` replaces its output_dir. Returns each step's manifest or summary."""
    logger = get_run_logger()
    spec = load_spec_task(config_path, spec, output_dir)
    results: dict[str, dict[str, Any]] = {}
    skipped: list[StepName] = []
    for step in spec.steps():
        settings, fingerprint = e2e.resolve_step(spec, step)
        folder = e2e.step_dir(spec, step)
        done = e2e.step_done(folder, fingerprint)
        runner = STEP_TASKS[step].with_options(
            result_storage=Path(spec.output_dir) / ".prefect-results",
            refresh_cache=not done,  # output deleted or never finished: run even if Prefect has a cached result
        )
        state = runner(spec, settings, fingerprint, return_state=True)
        results[step] = state.result()  # raises when the step failed: later steps need its output
        if state.name == "Cached":
            skipped.append(step)
            logger.info(f"{step}: unchanged since its last run in {folder}, skipped")
    publish_summary_task(spec, results, skipped)
    return results


def main(argv: list[str] | None = None) -> None:
    """`python -m flows.pipeline CONFIG [--output DIR]`: run the end-to-end flow once."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m flows.pipeline", description=main.__doc__)
    parser.add_argument("config", help="pipeline YAML, e.g. configs/pipeline.yaml")
    parser.add_argument("--output", help="output folder (replaces output_dir)")
    args = parser.parse_args(argv)
    results = pipeline(config_path=args.config, output_dir=args.output)
    for step, result in results.items():
        print(f"{step}: {e2e.one_line(step, result)}")


if __name__ == "__main__":
    main()
