"""Prefect flow `distill`: validate the config, run the distillation, publish the manifest as artifacts.

The flow only orchestrates; prompts, teacher requests, verification and outputs live in stages/distill/. A crashed
or cancelled run resumes when run again with the same output folder: answered requests come from the request
cache in OUTPUT/cache/, so nothing is paid for twice.
"""

from __future__ import annotations

import json
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from pipelines.distill_cli import manifest_rows
from schemas.config import load_config
from schemas.distill import DistillConfig
from stages.distill.runner import run_distill


@task(name="load-config")
def load_config_task(config_path: str, overrides: list[str]) -> DistillConfig:
    return load_config(config_path, overrides, model=DistillConfig)


# No task retries: the teacher client already retries each request, and a rerun of the flow resumes from the cache.
@task(name="run-distill")
def run_distill_task(config: DistillConfig) -> dict[str, Any]:
    return run_distill(config)


def manifest_markdown(manifest: dict[str, Any], output_dir: str) -> str:
    samples, requests = manifest["samples"], manifest["requests"]
    rejected = "\n".join(f"| {reason} | {n} |" for reason, n in samples["rejected"].items()) or "| - | 0 |"
    exports = "\n".join(
        f"- {fmt}: `{e['file']}` ({e['rows']} rows)" for fmt, e in manifest["records"].get("exports", {}).items()
    )
    return (
        f"# distill ({manifest['task']}, teacher `{manifest['teacher']['model']}`)\n\n"
        f"Output: `{output_dir}`\n\n"
        f"- prompts: {manifest['prompts']['planned']}, samples planned: {samples['planned']}\n"
        f"- requests: sent {requests['sent']}, cached {requests['cached']}, failed {requests['failed']}, "
        f"not sent {requests['not_sent']}\n"
        f"- tokens spent: {manifest['tokens']['total']} (reasoning {manifest['tokens']['reasoning']}), "
        f"cost ${manifest['cost_usd']}\n"
        f"- samples kept: {samples['kept']}, rejected: {samples['rejected_total']}, errors: {samples['errors']}, "
        f"accounted: {samples['accounted']}\n\n"
        f"| rejected reason | samples |\n|---|---|\n{rejected}\n\n"
        f"Records: {manifest['records']['canonical']} in `{manifest['records'].get('data_file')}`\n\n{exports}\n"
    )


@task(name="publish-artifacts")
def publish_artifacts_task(manifest: dict[str, Any], output_dir: str) -> None:
    rows = [{**row, "count": str(row["count"])} for row in manifest_rows(manifest)]
    create_table_artifact(key="distill-manifest", table=rows, description=f"Distill accounting for {output_dir}")
    create_markdown_artifact(
        key="distill-summary", markdown=manifest_markdown(manifest, output_dir), description="distill run summary"
    )


@flow(name="distill", log_prints=True)
def distill(config_path: str, output_dir: str | None = None, overrides: list[str] | None = None) -> dict[str, Any]:
    """Distill teacher data per CONFIG; `overrides` are `dotted.key=value` strings, as `refinery distill --set`."""
    sets = list(overrides or [])
    if output_dir:
        sets.insert(0, f"output.dir={json.dumps(output_dir)}")  # JSON is valid YAML
    config = load_config_task(config_path, sets)
    manifest = run_distill_task(config)
    publish_artifacts_task(manifest, config.output.dir)
    samples = manifest["samples"]
    get_run_logger().info(
        f"kept {samples['kept']:,} of {samples['planned']:,} samples "
        f"({manifest['requests']['sent']:,} requests sent, {manifest['requests']['cached']:,} from the cache); "
        f"manifest at {config.output.dir}/manifest.json"
    )
    return manifest


def main(argv: list[str] | None = None) -> None:
    """`python -m flows.distill CONFIG [--output DIR] [--set k=v ...]`: run the flow once, print the summary."""
    import argparse
    from pathlib import Path

    from pipelines.distill_cli import print_manifest

    parser = argparse.ArgumentParser(prog="python -m flows.distill", description=main.__doc__)
    parser.add_argument("config", help="YAML config, e.g. configs/distill_gsm8k.yaml")
    parser.add_argument("--output", help="output folder (replaces output.dir)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="dotted.key=value")
    args = parser.parse_args(argv)
    manifest = distill(config_path=args.config, output_dir=args.output, overrides=args.overrides)
    print_manifest(manifest, Path(manifest["config"]["output"]["dir"]))


if __name__ == "__main__":
    main()
