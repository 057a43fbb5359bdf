"""Human-readable views of a manifest: table rows and a markdown report (used by the Prefect flow)."""

from __future__ import annotations

from typing import Any


def format_seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}s"


def manifest_rows(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per outcome: input, kept, each (stage, reason) of the rejections, errors."""
    rows = [
        {"outcome": "input", "stage": "", "reason": "", "records": manifest["input_records"]},
        {"outcome": "kept", "stage": "", "reason": "", "records": manifest["kept_records"]},
    ]
    for stage, reasons in manifest["rejected"].items():
        rows += [{"outcome": "rejected", "stage": stage, "reason": r, "records": n} for r, n in reasons.items()]
    rows.append({"outcome": "errors", "stage": "ingest", "reason": "", "records": manifest["error_records"]})
    return rows


def manifest_markdown(manifest: dict[str, Any], output_dir: str) -> str:
    kept, total = manifest["kept_records"], manifest["input_records"]
    share = f"{kept / total:.1%}" if total else "n/a"
    lines = [
        "# refinery curate",
        "",
        f"- output: `{output_dir}`",
        f"- input records: **{total:,}**, kept: **{kept:,}** ({share}), rejected: "
        f"{manifest['rejected_records']:,}, errors: {manifest['error_records']:,}",
        f"- every record accounted for: **{'yes' if manifest['accounted'] else 'NO'}**",
        f"- kept tokens: **{manifest['kept_tokens']:,}**",
        f"- wall time: {format_seconds(manifest['wall_seconds'])}",
        "",
        "| stage | seconds | rejected |",
        "|---|---:|---:|",
    ]
    for stage, seconds in manifest["stage_seconds"].items():
        dropped = sum(manifest["rejected"].get(stage, {}).values())
        lines.append(f"| {stage} | {seconds:.2f} | {dropped:,} |")
    if manifest["kept_languages"]:
        lines += ["", "| language | kept documents |", "|---|---:|"]
        lines += [f"| {lang} | {n:,} |" for lang, n in manifest["kept_languages"].items()]
    return "\n".join(lines) + "\n"
