"""`refinery decontaminate`: remove SFT records that contain benchmark questions, with a report of each match."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipelines.cli_errors import exit_on
from pipelines.convert_cli import FileFormat, Format, print_counts
from schemas.decontam import DecontamConfig
from stages.sft.decontam import decontaminate as run_decontamination
from stages.sft.formats import DetectionError

console = Console(stderr=True)
_DEFAULTS = DecontamConfig()


def decontaminate(
    input: Annotated[
        str,
        typer.Argument(help="SFT or preference dataset in any format `refinery convert` reads.", show_default=False),
    ],
    benchmarks: Annotated[
        list[str],
        typer.Option(
            "--benchmarks",
            help="Benchmark file or folder (JSON/JSONL/Parquet with a question, problem or prompt field). "
            "Repeatable. Folders are searched recursively, skipping files named train*; each file's benchmark "
            "name is its folder's name.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Output folder: the clean dataset in the input's format, rejected.jsonl (each removed record "
            "with the benchmark question it matched and how), errors.jsonl and decontamination.json (counts).",
            show_default=False,
        ),
    ],
    n: Annotated[int, typer.Option(help="Words per n-gram for ordinary questions.")] = _DEFAULTS.n,
    short_n: Annotated[int, typer.Option(help="Words per n-gram for short questions.")] = _DEFAULTS.short_n,
    short_question_words: Annotated[
        int, typer.Option(help="Questions with fewer words than this use --short-n.")
    ] = _DEFAULTS.short_question_words,
    min_coverage: Annotated[
        float, typer.Option(help="Share of a question's n-grams a record must contain to be removed.")
    ] = _DEFAULTS.min_coverage,
    min_matches: Annotated[int, typer.Option(help="And at least this many shared n-grams.")] = _DEFAULTS.min_matches,
    from_format: Annotated[
        Format | None, typer.Option("--from", help="Input format; default: detected.", show_default=False)
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option("--mapping", help="Read through PATH/dataset_info.json:NAME.", show_default=False),
    ] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="File format to write; default: the input's.", show_default=False),
    ] = None,
) -> None:
    """Remove records whose system or user turns contain a benchmark question: a normalized exact match, or word
    n-gram overlap covering enough of the question. Numbers compare as placeholders (renumbered copies match);
    Chinese, Japanese and Korean characters count as words."""
    with exit_on(DetectionError, ValueError, FileNotFoundError):
        config = DecontamConfig(
            n=n,
            short_n=short_n,
            short_question_words=short_question_words,
            min_coverage=min_coverage,
            min_matches=min_matches,
        )
        result, summary = run_decontamination(
            input,
            benchmarks,
            output,
            config,
            from_format=from_format.value if from_format else None,
            mapping=mapping,
            file_format=file_format.value if file_format else None,
        )
    print_counts(result, output)
    console.print(f"removed {summary['removed']:,} of {summary['records']:,}: {output / 'decontamination.json'}")
