"""`refinery distill CONFIG.yaml`: ask a teacher model for reasoning traces, Q/A pairs or preference pairs, verify
the answers and write canonical records plus SFT exports (see configs/distill_gsm8k.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli_errors import exit_on
from schemas.config import ConfigError, load_config
from schemas.distill import DistillConfig

console = Console(stderr=True)


def distill(
    config: Annotated[
        Path,
        typer.Argument(
            help="YAML config (see configs/distill_gsm8k.yaml, configs/distill_questions.yaml): teacher, task, "
            "input, verify, pass_rate, chunking, output.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Output folder; replaces output.dir. Rerunning with the same folder sends only the requests "
            "that never completed (OUTPUT/cache/).",
            show_default=False,
        ),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a config key, value read as YAML: --set limit=50 --set samples_per_prompt=8 "
            "--set teacher.model=deepseek-reasoner. Repeatable; applied after the file and --output.",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Distill teacher data: sample the teacher N times per prompt, split reasoning from answers, verify them,
    keep the right ones (reasoning task), build chosen/rejected pairs (preference task) or Q/A pairs from document
    chunks (questions task).

    Writes `OUTPUT/data/*.parquet` (canonical records), OUTPUT/exports/ (ShareGPT with reasoning, Alpaca,
    preference, + dataset_info.json), OUTPUT/rejected/samples.jsonl (every dropped sample with its reason),
    OUTPUT/errors/ (failed requests, unreadable input) and OUTPUT/manifest.json (requests, tokens, cost, samples).
    The API key is read from the environment variable named by teacher.api_key_env and never written.
    """
    extra = [f"output.dir={json.dumps(output)}"] if output else []
    extra.append(f"progress={json.dumps(progress)}")
    with exit_on(ConfigError):
        cfg = load_config(config, [*extra, *(sets or [])], model=DistillConfig)

    from stages.distill.runner import run_distill  # loads pyarrow/tiktoken/the client: only once the config is valid

    with exit_on(ValueError, FileNotFoundError, KeyError, RuntimeError):
        manifest = run_distill(cfg)
    print_manifest(manifest, Path(cfg.output.dir))
    if not manifest["samples"]["accounted"]:
        console.print("[red]accounting mismatch: planned samples != kept + rejected + errors + not sent[/red]")
        raise typer.Exit(1)


def manifest_rows(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest as (what, detail, count) rows: for the console table and the Prefect table artifact."""
    requests, samples, tokens = manifest["requests"], manifest["samples"], manifest["tokens"]
    rows = [
        {"what": "prompts", "detail": "planned", "count": manifest["prompts"]["planned"]},
        {"what": "prompts", "detail": "with kept samples", "count": manifest["prompts"]["with_kept_samples"]},
        *({"what": "requests", "detail": key, "count": requests[key]} for key in requests),
        {
            "what": "tokens spent",
            "detail": "prompt / completion",
            "count": f"{tokens['prompt']} / {tokens['completion']}",
        },
        {"what": "tokens spent", "detail": "reasoning", "count": tokens["reasoning"]},
        {"what": "cost (USD)", "detail": "this run", "count": manifest["cost_usd"]},
        {"what": "samples", "detail": "planned", "count": samples["planned"]},
        {"what": "samples", "detail": "kept", "count": samples["kept"]},
        *({"what": "samples rejected", "detail": reason, "count": n} for reason, n in samples["rejected"].items()),
        {"what": "samples", "detail": "errors", "count": samples["errors"]},
        {"what": "samples", "detail": "not sent (budget)", "count": samples["not_sent"]},
        {
            "what": "records",
            "detail": manifest["records"].get("data_file", "data"),
            "count": manifest["records"]["canonical"],
        },
    ]
    for fmt, export in manifest["records"].get("exports", {}).items():
        rows.append({"what": "export", "detail": f"{fmt}: {export['file']}", "count": export["rows"]})
    return rows


def print_manifest(manifest: dict[str, Any], output: Path) -> None:
    table = Table(
        title=f"refinery distill: {manifest['task']} with {manifest['teacher']['model']}", header_style="bold"
    )
    for column in ("what", "detail"):
        table.add_column(column)
    table.add_column("count", justify="right")
    for row in manifest_rows(manifest):
        table.add_row(row["what"], row["detail"], str(row["count"]))
    console.print(table)
    if manifest["budget_exhausted"]:
        console.print(
            "[yellow]budget reached: the rest of the requests were not sent; rerun with a larger budget[/yellow]"
        )
    console.print(
        f"data: {output / 'data'}  exports: {output / 'exports'}  rejected: {output / 'rejected'}  "
        f"errors: {output / 'errors'}  manifest: {output / 'manifest.json'}"
    )
