"""`refinery convert`: one SFT/preference dataset from one format to another, with a count of every record."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli_errors import exit_on
from stages.sft.convert import ConvertResult
from stages.sft.convert import convert as convert_dataset
from stages.sft.formats import FORMATS, DetectionError
from stages.sft.io import FILE_FORMATS

console = Console(stderr=True)

Format = Enum("Format", {name.replace("-", "_"): name for name in FORMATS}, type=str)
FileFormat = Enum("FileFormat", {name: name for name in FILE_FORMATS}, type=str)
_FORMAT_HELP = "; ".join(f"{name}: {text}" for name, text in FORMATS.items())


def convert(
    input: Annotated[
        str,
        typer.Argument(
            help="Dataset to read: a .json (array or lines), .jsonl(.gz) or .parquet file, a folder saved with "
            "datasets' save_to_disk, or a Hugging Face dataset name. With --mapping, a folder holding the "
            "entry's file_name.",
            show_default=False,
        ),
    ],
    to: Annotated[Format, typer.Option("--to", help=f"Format to write. {_FORMAT_HELP}.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Output folder: NAME.{json,jsonl,parquet}, dataset_info.json (LLaMA-Factory formats), "
            "rejected.jsonl (records the target cannot hold, with the reason) and errors.jsonl (unreadable rows).",
            show_default=False,
        ),
    ],
    from_format: Annotated[
        Format | None,
        typer.Option(
            "--from",
            help="Format to read. Default: detected from the first 20 records; the error lists the formats tried.",
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            help="Read through a LLaMA-Factory dataset_info.json entry, as PATH/dataset_info.json:NAME: its "
            "formatting, ranking, columns and tags decide how rows are read (overrides --from).",
            show_default=False,
        ),
    ] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--format", help="File format to write. Default: the input's (json for datasets).", show_default=False
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Dataset name: the output file's stem and its dataset_info.json key. Default: the mapping's "
            "name or the input file's stem.",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            help="Alpaca output: put earlier turns of multi-turn conversations in a history column. With "
            "--no-history such conversations are skipped (and listed in rejected.jsonl).",
        ),
    ] = True,
    split: Annotated[str, typer.Option(help="Split to read when INPUT is a Hugging Face dataset.")] = "train",
) -> None:
    """Convert instruction, conversation and preference data between Alpaca, ShareGPT, preference, KTO, OpenAI
    messages, TRL, Anthropic HH and LLaMA-Factory v1, through one canonical record.

    Every record is counted as converted, skipped (the target cannot hold it: tool calls into Alpaca, a
    conversation into preference data, ...; listed in rejected.jsonl with the reason) or failed (unreadable;
    in errors.jsonl with the position). Nothing is dropped silently.
    """
    with exit_on(DetectionError, ValueError, FileNotFoundError, KeyError):
        result = convert_dataset(
            input,
            to.value,
            output,
            from_format=from_format.value if from_format else None,
            mapping=mapping,
            file_format=file_format.value if file_format else None,
            name=name,
            alpaca_history=history,
            hf_split=split,
        )
    print_counts(result, output)


def print_counts(result: ConvertResult, output: Path) -> None:
    table = Table(title=f"refinery convert: {result.read_format} -> {result.write_format}", header_style="bold")
    table.add_column("outcome")
    table.add_column("reason")
    table.add_column("records", justify="right")
    table.add_row("input", "", f"{result.total:,}")
    table.add_row("[green]converted[/green]", f"{result.written_rows:,} rows written", f"{result.converted:,}")
    for reason, count in result.skipped.most_common():
        table.add_row("[yellow]skipped[/yellow]", reason, f"{count:,}")
    table.add_row("[red]failed[/red]", "see errors.jsonl" if result.failed else "", f"{result.failed:,}")
    console.print(table)
    console.print(
        f"written: {result.output_file}   rejected: {output / 'rejected.jsonl'}   errors: {output / 'errors.jsonl'}"
    )
