"""The `refinery` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli_errors import exit_on
from pipelines.eval_cli import eval_app
from pipelines.quality_cli import quality_app
from pipelines.summary import format_seconds
from schemas.config import ConfigError, PipelineConfig, dump_config, load_config

app = typer.Typer(
    help="refinery: curate web text and instruction data for LLM training.\n\n"
    "Start with `refinery curate configs/sample.yaml`; every config key can be overridden with --set.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
config_app = typer.Typer(help="Inspect configs.", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(config_app, name="config")
app.add_typer(eval_app, name="eval")
app.add_typer(quality_app, name="quality")
console = Console(stderr=True)

ConfigArg = Annotated[
    Path | None,
    typer.Argument(help="YAML config (see configs/). Omitted: built-in defaults.", show_default=False),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a config key, value read as YAML: --set language.languages=[en,zh] "
        "--set quality.enabled=false. Repeatable; applied after the file.",
        show_default=False,
    ),
]


def _load(config: Path | None, sets: list[str] | None, extra: list[str]) -> PipelineConfig:
    with exit_on(ConfigError):
        return load_config(config, [*extra, *(sets or [])])


@app.command()
def curate(
    config: ConfigArg = None,
    input: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            help="Input file or folder (JSONL, Parquet, WARC/WET/ARC, .html; or a dataset with "
            "--set input.format=hf). Repeatable; replaces input.paths.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Output folder; replaces output.dir.", show_default=False),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Tasks run in parallel; replaces executor.workers.")
    ] = None,
    tasks: Annotated[
        int | None,
        typer.Option("--tasks", "-t", help="Shards the input is split into; replaces executor.tasks."),
    ] = None,
    sets: SetOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar per running task.")] = True,
) -> None:
    """Curate documents: ingest -> HTML extraction -> language ID -> quality rules -> token count -> Parquet.

    Kept documents go to `OUTPUT/data/*.parquet`, removed ones to `OUTPUT/rejected/*.parquet` (with stage and
    reason), unreadable input to `OUTPUT/errors/*.jsonl`, and the counts to `OUTPUT/manifest.json`. Rerunning the
    same command skips tasks that already completed.
    """
    extra: list[str] = []
    if input:
        extra.append(f"input.paths={json.dumps(input)}")  # JSON is valid YAML and quotes any path
    if output:
        extra.append(f"output.dir={json.dumps(output)}")
    if workers:
        extra.append(f"executor.workers={workers}")
    if tasks:
        extra.append(f"executor.tasks={tasks}")
    run_and_summarize(_load(config, sets, extra), progress)


def run_and_summarize(cfg: PipelineConfig, progress: bool) -> None:
    """Run the chain, print the summary; exit 2 on unusable input, 1 if any record went unaccounted."""
    from pipelines.run import run_curate

    with exit_on(ValueError, FileNotFoundError):
        manifest = run_curate(cfg, progress=progress)
    if manifest is None:  # Slurm: submitted, not finished
        console.print(f"submitted to Slurm; when the jobs finished: refinery report {cfg.output.dir}")
        return
    print_summary(manifest, cfg.output.dir)
    if not manifest["accounted"]:
        console.print("[red]accounting mismatch: input != kept + rejected + errors; see manifest.json[/red]")
        raise typer.Exit(1)


def accounting_table(title: str, manifest: dict[str, Any]) -> Table:
    """input, kept, each (stage, reason) of the rejections, errors: the rows every manifest has."""
    table = Table(title=title, show_header=True, header_style="bold")
    for column in ("outcome", "stage", "reason"):
        table.add_column(column)
    table.add_column("records", justify="right")
    table.add_row("input", "", "", f"{manifest['input_records']:,}")
    table.add_row("[green]kept[/green]", "", "", f"{manifest['kept_records']:,}")
    for stage, reasons in manifest["rejected"].items():
        for reason, count in reasons.items():
            table.add_row("[yellow]rejected[/yellow]", stage, reason, f"{count:,}")
    table.add_row("[red]errors[/red]", "", "", f"{manifest['error_records']:,}")
    return table


def print_summary(manifest: dict[str, Any], output_dir: str) -> None:
    console.print(accounting_table("refinery curate", manifest))
    seconds = ", ".join(f"{stage} {sec:.1f}s" for stage, sec in manifest["stage_seconds"].items())
    languages = ", ".join(f"{lang} {n}" for lang, n in list(manifest["kept_languages"].items())[:8])
    console.print(f"kept tokens: {manifest['kept_tokens']:,}   languages: {languages or '-'}")
    console.print(f"stage time: {seconds}   wall: {format_seconds(manifest['wall_seconds'])}")
    out = Path(output_dir)
    console.print(
        f"results: {out / 'data'}  rejected: {out / 'rejected'}  errors: {out / 'errors'}\n"
        f"manifest: {out / 'manifest.json'}  summary: {out / 'summary.md'}  report: {out / 'report.html'}"
    )


@app.command()
def report(
    output: Annotated[Path, typer.Argument(help="Output folder of a curate run (holds config.yaml).")],
) -> None:
    """Rebuild manifest.json, summary.md and report.html (with plots) from an output folder's files.

    Use it after a Slurm run, whose jobs finish after `refinery curate` returned, or to refresh a report.
    """
    config_file = output / "config.yaml"
    if not config_file.is_file():
        console.print(f"[red]error:[/red] {config_file} not found: is {output} the output folder of a curate run?")
        raise typer.Exit(2)
    cfg = _load(config_file, [f"output.dir={json.dumps(str(output))}"], [])
    from pipelines.run import finish_run

    print_summary(finish_run(cfg), cfg.output.dir)


@config_app.command("show")
def config_show(config: ConfigArg = None, sets: SetOpt = None) -> None:
    """Print the effective config (file + --set overrides + defaults) as YAML."""
    typer.echo(dump_config(_load(config, sets, [])), nl=False)


import pipelines.dedup_cli  # noqa: E402, F401  (registers `refinery dedup` and `dedup-index` on this app)
from pipelines.convert_cli import convert  # noqa: E402
from pipelines.decontam_cli import decontaminate  # noqa: E402
from pipelines.distill_cli import distill  # noqa: E402
from pipelines.publish_cli import publish_command  # noqa: E402
from pipelines.sft_curate_cli import sft_curate  # noqa: E402
from pipelines.train_cli import train  # noqa: E402

app.command("convert")(convert)
app.command("decontaminate")(decontaminate)
app.command("distill")(distill)
app.command("sft-curate")(sft_curate)
app.command("publish")(publish_command)
app.command("train")(train)

if __name__ == "__main__":
    app()
