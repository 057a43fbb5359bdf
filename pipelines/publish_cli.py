"""`refinery publish`: a refinery output folder -> a Hugging Face Hub dataset repo with a dataset card."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli_errors import exit_on
from schemas.publish import PublishConfigError, make_publish_config
from stages.publish.layout import LayoutError
from stages.publish.run import PublishResult, publish_output
from stages.publish.source import OutputError
from stages.publish.upload import UploadError

console = Console(stderr=True)


def publish_command(
    output_dir: Annotated[
        Path,
        typer.Argument(
            help="Output folder of `refinery curate`, `sft-curate`, `convert` or distill.", show_default=False
        ),
    ],
    repo_id: Annotated[str, typer.Option("--repo-id", help="Dataset repo on the Hub, ORG/NAME.", show_default=False)],
    private: Annotated[bool, typer.Option("--private", help="Create the repo as private (new repos only).")] = False,
    config_name: Annotated[
        str | None,
        typer.Option(
            "--config-name",
            help="Config name of the kept records (default: `default` for curate output, the dataset's name for "
            "SFT output); only when the output holds one dataset.",
            show_default=False,
        ),
    ] = None,
    local_dir: Annotated[
        Path | None,
        typer.Option(
            "--local-dir",
            help="Write the repo layout (README.md card, `data/CONFIG/train-*.parquet`, assets/) here and upload "
            "nothing; load it back with datasets.load_dataset(DIR, CONFIG).",
            show_default=False,
        ),
    ] = None,
    license: Annotated[
        str, typer.Option("--license", help="License id for the card: apache-2.0, cc-by-4.0, odc-by, ...")
    ] = "other",
    pretty_name: Annotated[
        str | None, typer.Option("--pretty-name", help="Name shown on the card (default: NAME).", show_default=False)
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option(
            "--language",
            help="Language code for the card; repeatable. Default: the run's language mix.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Extra tag for the card; repeatable.", show_default=False)
    ] = None,
    include_rejected: Annotated[
        bool,
        typer.Option("--include-rejected", help="Also publish the removed records as a `rejected` config."),
    ] = False,
    max_shard_mb: Annotated[
        float, typer.Option("--max-shard-mb", help="Rough upper bound of one Parquet shard (in-memory MB).")
    ] = 500.0,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint", help="Hub endpoint (default: HF_ENDPOINT or https://huggingface.co).", show_default=False
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Publish an output folder as a Hub dataset: Parquet shards per config, a README.md dataset card (sources, every
    stage with its settings, counts kept/removed per stage and reason, tokens, languages, plots), in one commit.

    The token comes from HF_TOKEN, never from an option (options land in shell history and process lists).
    With --local-dir nothing is uploaded and no token is needed.
    """
    with exit_on(PublishConfigError, OutputError, LayoutError, UploadError):
        config = make_publish_config(
            output_dir=str(output_dir),
            repo_id=repo_id,
            private=private,
            config_name=config_name,
            local_dir=None if local_dir is None else str(local_dir),
            license=license,
            pretty_name=pretty_name,
            languages=language or None,
            tags=tag or [],
            include_rejected=include_rejected,
            max_shard_bytes=int(max_shard_mb * 1e6),
        )
        command = "refinery publish " + shlex.join(sys.argv[2:]) if sys.argv[1:2] == ["publish"] else None
        result = publish_output(config, endpoint=endpoint, progress=progress, publish_command=command)
    print_result(result)


def print_result(result: PublishResult) -> None:
    table = Table(title=f"refinery publish: {result.repo_id} ({result.kind} output)", header_style="bold")
    for column in ("config", "rows", "shards", "MB"):
        table.add_column(column, justify="left" if column == "config" else "right")
    for name, info in result.configs.items():
        table.add_row(name, f"{info['rows']:,}", str(info["shards"]), f"{info['bytes'] / 1e6:.2f}")
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if result.upload is not None:
        console.print(f"uploaded {result.upload.files} files: {result.upload.commit_url}")
        console.print(f"dataset: {result.upload.repo_url}")
    else:
        console.print(
            f"wrote {len(result.files)} files to {result.local_dir} (nothing uploaded); card: {result.card_path}"
        )
