"""`refinery eval ...`: measure components on labelled data (language ID for now)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stages.langid_backends import BACKENDS, DEFAULT_ENSEMBLE_THRESHOLD
from stages.language import BUNDLED_MODEL

eval_app = typer.Typer(help="Measure components on labelled data.", no_args_is_help=True, rich_markup_mode="markdown")


@eval_app.command("langid")
def langid(
    file: Annotated[
        Path,
        typer.Argument(
            help="TSV with `label<TAB>text` lines; ISO 639-1 (en) or 639-3 (eng) labels.", show_default=False
        ),
    ],
    backend: Annotated[
        str, typer.Option(help=f"One of {', '.join(BACKENDS)}; ensemble asks lingua only when fastText is unsure.")
    ] = "fasttext",
    model: Annotated[
        str,
        typer.Option(help="fastText model: `lid176-ftz` (bundled) or a path to lid.176.bin, GlotLID model_v3.bin."),
    ] = BUNDLED_MODEL,
    threshold: Annotated[
        float, typer.Option(help="ensemble: fastText top probability below which lingua decides.")
    ] = DEFAULT_ENSEMBLE_THRESHOLD,
    top: Annotated[int, typer.Option(help="Confusion pairs to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")] = False,
) -> None:
    """Accuracy (overall, per language), top confusion pairs and docs/s of a language ID backend on FILE."""
    from stages.langid_backends import make_backend
    from stages.langid_eval import evaluate, format_report, read_tsv

    if backend not in BACKENDS:
        raise typer.BadParameter(f"use one of {', '.join(BACKENDS)}", param_hint="--backend")
    try:
        samples = read_tsv(file)
        # lingua is built for the languages that occur in the file (its intended use), preloaded.
        engine = make_backend(backend, model, {s.label for s in samples}, threshold)  # type: ignore[arg-type]
    except (ValueError, FileNotFoundError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if not samples:
        typer.echo(f"error: no samples in {file}", err=True)
        raise typer.Exit(2)
    report = evaluate(engine, samples, top_confusions=top)
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else format_report(report))
