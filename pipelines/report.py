"""OUTPUT/report.html and PNG plots: what a run kept, what it removed and why, and how each rule's value spread.

Everything is read back from the run's own files (manifest.json and the Parquet output), so a report can be
rebuilt for any finished output folder: `python -m pipelines.report OUTPUT`.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

# Measured value -> (config group, field) of the thresholds it is checked against, lower bound first.
# Drawn as lines on the distributions; per-language overrides are not drawn (the English defaults are).
RULE_THRESHOLDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gopher_word_count": ("gopher_quality", ("min_doc_words", "max_doc_words")),
    "gopher_mean_word_length": ("gopher_quality", ("min_avg_word_length", "max_avg_word_length")),
    "gopher_alpha_words_ratio": ("gopher_quality", ("max_non_alpha_words_ratio",)),
    "gopher_stop_word_count": ("gopher_quality", ("min_stop_words",)),
    "repetition_dup_line_frac": ("gopher_repetition", ("dup_line_frac",)),
    "repetition_dup_para_frac": ("gopher_repetition", ("dup_para_frac",)),
    "repetition_top_2gram_char_frac": ("gopher_repetition", ()),
    "c4_sentence_count": ("c4", ("min_num_sentences",)),
    "fineweb_line_punct_ratio": ("fineweb", ("line_punct_thr",)),
    "fineweb_short_line_ratio": ("fineweb", ("short_line_thr",)),
    "fineweb_char_dup_ratio": ("fineweb", ("char_duplicates_ratio",)),
    "fineweb_list_ratio": ("fineweb", ("new_line_ratio",)),
}


def _frame(folder: Path, columns: list[str]) -> pl.DataFrame:
    files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
    if not files:
        return pl.DataFrame()
    present = [c for c in columns if c in pl.read_parquet_schema(files[0])]
    return pl.concat([pl.read_parquet(f, columns=present) for f in files], how="diagonal_relaxed")


def _quality_values(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.is_empty() or "quality" not in frame.columns:
        return pl.DataFrame()
    return frame.select(pl.col("quality").struct.unnest())


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_languages(manifest: dict[str, Any], path: Path) -> Path:
    languages = list(manifest["kept_languages"].items())[:20]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([lang for lang, _ in languages], [n for _, n in languages], color="#3b7dd8")
    ax.set_title("Kept documents by language")
    ax.set_ylabel("documents")
    return _save(fig, path)


def plot_token_lengths(kept: pl.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    tokens = kept["token_count"].drop_nulls().to_list() if "token_count" in kept.columns else []
    if tokens:
        ax.hist(tokens, bins=40, color="#3b7dd8")
        ax.set_xscale("log" if max(tokens) > 50 * max(min(tokens), 1) else "linear")
    ax.set_title("Tokens per kept document")
    ax.set_xlabel("tokens")
    ax.set_ylabel("documents")
    return _save(fig, path)


def plot_waterfall(manifest: dict[str, Any], path: Path) -> Path:
    """Input on top, then each (stage, reason) removal, errors, and what was kept."""
    steps = [
        (f"{stage}: {reason}", n) for stage, reasons in manifest["rejected"].items() for reason, n in reasons.items()
    ]
    if manifest["error_records"]:
        steps.append(("errors", manifest["error_records"]))
    labels = ["input", *[label for label, _ in steps], "kept"]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.2))
    remaining = manifest["input_records"]
    ax.barh(0, remaining, color="#888888")
    for row, (_, removed) in enumerate(steps, start=1):
        remaining -= removed
        ax.barh(row, removed, left=remaining, color="#d8623b")
    ax.barh(len(labels) - 1, manifest["kept_records"], color="#3ba55c")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_title("From input to kept: removals by stage and reason")
    ax.set_xlabel("records")
    return _save(fig, path)


def plot_rule_distributions(kept: pl.DataFrame, rejected: pl.DataFrame, config: dict, path: Path) -> Path:
    values = {"kept": _quality_values(kept), "rejected": _quality_values(rejected)}
    signals = [s for s in RULE_THRESHOLDS if any(s in frame.columns for frame in values.values())]
    columns = 3
    rows = max(1, -(-len(signals) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(11, 2.6 * rows), squeeze=False)
    for ax, signal in zip(axes.flat, signals, strict=False):
        for label, color in (("kept", "#3ba55c"), ("rejected", "#d8623b")):
            frame = values[label]
            data = frame[signal].drop_nulls().to_list() if signal in frame.columns else []
            if data:
                ax.hist(data, bins=30, alpha=0.6, color=color, label=label)
        if signal.endswith("_count"):
            ax.set_xscale("symlog")  # counts span orders of magnitude; thresholds sit near the low end
        group, fields = RULE_THRESHOLDS[signal]
        for field in fields:
            threshold = config.get(group, {}).get(field)
            if isinstance(threshold, int | float):
                ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
        ax.set_title(signal, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(signals) :]:
        ax.axis("off")
    if signals:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle("Quality rule values (dashed: default thresholds)", fontsize=10)
    return _save(fig, path)


def plot_dedup_clusters(kept: pl.DataFrame, path: Path) -> Path | None:
    if "dedup_cluster_size" not in kept.columns or kept["dedup_cluster_size"].drop_nulls().is_empty():
        return None
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sizes = kept["dedup_cluster_size"].drop_nulls().value_counts().sort("dedup_cluster_size")
    ax.bar(sizes["dedup_cluster_size"].cast(pl.Utf8).to_list(), sizes["count"].to_list(), color="#3b7dd8")
    ax.set_title("Duplicate cluster sizes (one bar per size, counting kept documents)")
    ax.set_xlabel("cluster size")
    ax.set_ylabel("clusters")
    return _save(fig, path)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>none</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(output_dir: str | Path) -> Path:
    """Render plots into OUTPUT/plots/ and a self-contained OUTPUT/report.html (images inlined)."""
    output = Path(output_dir)
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    kept = _frame(output / "data", ["language", "token_count", "quality", "dedup_cluster_size"])
    rejected = _frame(output / "rejected", ["stage", "reason", "language", "quality"])
    plots_dir = output / "plots"
    plots_dir.mkdir(exist_ok=True)
    quality_config = manifest.get("config", {}).get("quality", {})
    plots = [
        plot_waterfall(manifest, plots_dir / "waterfall.png"),
        plot_languages(manifest, plots_dir / "languages.png"),
        plot_token_lengths(kept, plots_dir / "token_lengths.png"),
        plot_rule_distributions(kept, rejected, quality_config, plots_dir / "quality_rules.png"),
        plot_dedup_clusters(kept, plots_dir / "dedup_clusters.png"),
    ]
    rejections = [
        {"stage": stage, "reason": reason, "records": n}
        for stage, reasons in manifest["rejected"].items()
        for reason, n in reasons.items()
    ]
    key_figures = [
        {
            "input": manifest["input_records"],
            "kept": manifest["kept_records"],
            "rejected": manifest["rejected_records"],
            "errors": manifest["error_records"],
            "accounted": manifest["accounted"],
            "kept tokens": manifest["kept_tokens"],
            "wall seconds": manifest["wall_seconds"],
        }
    ]
    signal_rows = [{"signal": name, **stats} for name, stats in manifest.get("quality_signals", {}).items()]
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>refinery report: {html.escape(str(output))}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>refinery report</h1><p>output: <code>{html.escape(str(output))}</code></p>
<h2>Key figures</h2>{_table(key_figures)}
<h2>Removed, by stage and reason</h2>{_table(rejections)}
{"".join(_img(p) for p in plots if p is not None)}
<h2>Quality rule values (all scored documents)</h2>{_table(signal_rows)}
</body></html>
"""
    path = output / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    print(write_report(sys.argv[1]))
