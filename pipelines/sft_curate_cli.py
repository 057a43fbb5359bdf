"""`refinery sft-curate`: role order, reply, `<think>`, language, length and prompt-dedup checks on an SFT or
preference dataset, from a YAML config like `refinery curate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pipelines.cli_errors import exit_on
from schemas.config import ConfigError, load_config
from schemas.sft_curate import SftCurateConfig
from stages.sft.formats import DetectionError

console = Console(stderr=True)


def sft_curate(
    config: Annotated[
        Path | None,
        typer.Argument(
            help="YAML config (see configs/sft_curate.yaml): input, output and one section per check (roles, "
            "replies, think, language, length, dedup), each with `enabled`. Omitted: built-in defaults.",
            show_default=False,
        ),
    ] = None,
    input: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            help="Dataset to read (any format `refinery convert` reads); replaces input.path.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Output folder; replaces output.dir. It gets `data/NAME.*` (kept records, in the input's format "
            "unless output.format says otherwise), rejected/sft-curate.jsonl (every dropped record with stage, "
            "reason and details), errors/sft-curate.jsonl (unreadable rows) and manifest.json (counts).",
            show_default=False,
        ),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a config key, value read as YAML: --set language.enabled=true "
            "--set language.languages=\\[en,zh] --set length.max_total_tokens=4096. Repeatable; applied after the "
            "file and after --input/--output.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Curate SFT or preference data: drop records with a bad role order, an empty or truncated reply, unbalanced
    `<think>` tags, user turns in the wrong language, too many tokens, or a duplicate prompt (exact or MinHash
    near-duplicate; the first record is kept).

    Checks run in that order and a record is dropped by the first that fails. Every input record is accounted for:
    kept, rejected (stage and reason) or an error; the run exits 1 if the counts do not add up.
    """
    extra = []
    if input:
        extra.append(f"input.path={json.dumps(input)}")  # JSON is valid YAML and quotes any path
    if output:
        extra.append(f"output.dir={json.dumps(output)}")
    with exit_on(ConfigError):
        cfg = load_config(config, [*extra, *(sets or [])], model=SftCurateConfig)

    from stages.sft.curation.runner import curate_sft  # loads numpy/fastText: only once the config is valid

    with exit_on(DetectionError, ValueError, FileNotFoundError, KeyError):
        manifest = curate_sft(cfg)
    print_manifest(manifest, Path(cfg.output.dir))
    if not manifest["accounted"]:
        console.print("[red]accounting mismatch: input != kept + rejected + errors; see manifest.json[/red]")
        raise typer.Exit(1)


def print_manifest(manifest: dict[str, Any], output: Path) -> None:
    from pipelines.cli import accounting_table  # here: pipelines.cli imports this module when it loads

    title = f"refinery sft-curate: {manifest['read_format']} -> {manifest['write_format']}"
    console.print(accounting_table(title, manifest))
    console.print(
        f"kept: {manifest['output_file']}  rejected: {output / 'rejected'}  errors: {output / 'errors'}  "
        f"manifest: {output / 'manifest.json'}"
    )
