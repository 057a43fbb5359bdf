"""Prefect flow `curate`: validate the config, run the datatrove chain, publish the manifest as artifacts.

The flow only orchestrates; what happens to the data lives in pipelines/ and stages/.
"""

from __future__ import annotations

import json
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.retries import retry_unless
from pipelines.run import run_curate
from pipelines.summary import manifest_markdown, manifest_rows
from schemas.config import PipelineConfig, load_config


@task(name="load-config")
def load_config_task(config_path: str | None, overrides: list[str]) -> PipelineConfig:
    return load_config(config_path, overrides)


# Retries cover transient failures (a flaky network filesystem, a killed worker): completed tasks are skipped
# on the retry through datatrove's completion markers, so a retry only redoes what did not finish.
@task(
    name="run-pipeline",
    retries=2,
    retry_delay_seconds=10,
    retry_condition_fn=retry_unless(ValueError, FileNotFoundError),
)
def run_pipeline_task(config: PipelineConfig) -> dict[str, Any] | None:
    return run_curate(config)


@task(name="publish-manifest")
def publish_manifest_task(manifest: dict[str, Any], output_dir: str) -> None:
    create_table_artifact(
        key="curate-manifest",
        table=manifest_rows(manifest),
        description=f"Record accounting for {output_dir}",
    )
    create_markdown_artifact(
        key="curate-summary",
        markdown=manifest_markdown(manifest, output_dir),
        description="curate run summary",
    )


@flow(name="curate", log_prints=True)
def curate(
    config_path: str | None = None,
    input_paths: list[str] | None = None,
    output_dir: str | None = None,
    overrides: list[str] | None = None,
) -> dict[str, Any] | None:
    """Curate web text into Parquet. `overrides` are `dotted.key=value` strings, as with `refinery curate --set`."""
    sets = list(overrides or [])
    if input_paths:
        sets.append(f"input.paths={json.dumps(input_paths)}")  # JSON is valid YAML
    if output_dir:
        sets.append(f"output.dir={json.dumps(output_dir)}")
    config = load_config_task(config_path, sets)
    manifest = run_pipeline_task(config)
    if manifest is None:  # Slurm: jobs submitted; `refinery report OUTPUT` writes the manifest when they finish
        get_run_logger().info(f"submitted to Slurm; run `refinery report {config.output.dir}` when done")
        return None
    publish_manifest_task(manifest, config.output.dir)
    get_run_logger().info(
        f"kept {manifest['kept_records']:,} of {manifest['input_records']:,} records; "
        f"manifest at {config.output.dir}/manifest.json"
    )
    return manifest


def main(argv: list[str] | None = None) -> None:
    """`python -m flows.curate CONFIG [--output DIR] [--set k=v ...]`: run the flow once, print the summary."""
    import argparse

    from pipelines.cli import print_summary

    parser = argparse.ArgumentParser(prog="python -m flows.curate", description=main.__doc__)
    parser.add_argument("config", help="YAML config, e.g. configs/sample.yaml")
    parser.add_argument("--output", help="output folder (replaces output.dir)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="dotted.key=value")
    args = parser.parse_args(argv)
    manifest = curate(config_path=args.config, output_dir=args.output, overrides=args.overrides)
    if manifest is not None:
        print_summary(manifest, manifest["config"]["output"]["dir"])


if __name__ == "__main__":
    main()
