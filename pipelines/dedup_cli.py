"""`refinery dedup`: exact + near-duplicate removal alone, on JSONL/Parquet records with `id` and `text`.

It is the curate chain with every other stage switched off (ingest -> dedup -> write), so the output layout and
the manifest are the same as `refinery curate`'s. Registered on the `refinery` app by pipelines/cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli import SetOpt, _load, app, console, run_and_summarize
from pipelines.cli_errors import exit_on

# The chain `refinery dedup` runs; --set can switch any stage back on (e.g. tokens.enabled=true).
DEDUP_ONLY = [
    "extract.enabled=false",
    "language.enabled=false",
    "quality.enabled=false",
    "tokens.enabled=false",
    "dedup.enabled=true",
]


@app.command()
def dedup(
    inputs: Annotated[
        list[str],
        typer.Argument(help="JSONL or Parquet files or folders with `id` and `text` fields.", show_default=False),
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="Output folder.", show_default=False)],
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="YAML config to start from; its input.paths are replaced."),
    ] = None,
    sets: SetOpt = None,
    tasks: Annotated[
        int | None,
        typer.Option("--tasks", "-t", help="Shards of the input; more than 1 needs --set dedup.mode=sharded."),
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", help="Tasks run in parallel.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar per running task.")] = True,
) -> None:
    """Remove exact and near duplicates: kept records to OUTPUT/data/, dropped ones to OUTPUT/rejected/ with
    reason `exact` or `near` and `duplicate_of` (the kept record's id), counts to OUTPUT/manifest.json.

    Settings: --set dedup.n_grams=5 --set dedup.num_bands=14 --set dedup.rows_per_band=8 --set dedup.keep=longest
    --set dedup.mode=sharded ... (see `refinery config show`).
    """
    extra = [*DEDUP_ONLY, f"input.paths={json.dumps(inputs)}", f"output.dir={json.dumps(output)}"]
    if tasks:
        extra.append(f"executor.tasks={tasks}")
    if workers:
        extra.append(f"executor.workers={workers}")
    run_and_summarize(_load(config, sets, extra), progress)


@app.command("dedup-index")
def dedup_index(
    outputs: Annotated[
        list[str], typer.Argument(help="Finished refinery output folders (their data/*.parquet).", show_default=False)
    ],
    index: Annotated[str, typer.Option("--index", help="Index file to write.", show_default=False)],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config whose dedup settings to use.")
    ] = None,
    sets: SetOpt = None,
) -> None:
    """Build a reference index of already published documents, for incremental dedup of a later crawl:
    `refinery dedup new/ --output out/ --set dedup.reference_index=INDEX` drops new documents that duplicate
    an indexed one (duplicate_of = its id) and never drops an indexed one.
    """
    cfg = _load(config, sets, [])
    from stages.dedup.reference import build_reference

    with exit_on(FileNotFoundError):
        count = build_reference(outputs, index, cfg.dedup)
    console.print(f"indexed {count:,} documents -> {index}")
