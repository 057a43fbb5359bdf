"""What a run reports: the loss curve (JSON and PNG), eval loss and perplexity, DPO reward margins, samples."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

FIRST_LAST_K = 3  # steps averaged for the "first" and "last" figures, so one noisy step does not decide them


def series(log_history: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    """(step, value) for every logged training entry that has `key` (eval entries are prefixed `eval_`)."""
    return [(int(e["step"]), float(e[key])) for e in log_history if key in e and "step" in e]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def first_last(points: list[tuple[int, float]], k: int = FIRST_LAST_K) -> dict[str, float | None]:
    values = [v for _, v in points]
    k = max(1, min(k, len(values) // 2)) if len(values) >= 2 else 1
    return {"first": _mean(values[:k]), "last": _mean(values[-k:])}


def training_metrics(log_history: list[dict[str, Any]], method: str) -> dict[str, Any]:
    loss = series(log_history, "loss")
    metrics: dict[str, Any] = {
        "loss": {"steps": [s for s, _ in loss], "values": [v for _, v in loss], **first_last(loss)},
        "learning_rate": [v for _, v in series(log_history, "learning_rate")],
        "eval_loss": [{"step": s, "value": v} for s, v in series(log_history, "eval_loss")],
    }
    if method == "dpo":
        for key in ("rewards/margins", "rewards/accuracies", "rewards/chosen", "rewards/rejected"):
            points = series(log_history, key)
            metrics[key] = {"steps": [s for s, _ in points], "values": [v for _, v in points], **first_last(points)}
    return metrics


def perplexity(eval_loss: float | None) -> float | None:
    if eval_loss is None or not math.isfinite(eval_loss):
        return None
    return math.exp(min(eval_loss, 700.0))  # exp overflows a float past ~709


def plot_loss(metrics: dict[str, Any], method: str, path: Path) -> Path:
    """Training loss (and eval loss, DPO margins) against step, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on training machines
    import matplotlib.pyplot as plt

    panels = 2 if method == "dpo" else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(metrics["loss"]["steps"], metrics["loss"]["values"], label="train loss")
    if metrics["eval_loss"]:
        ax.plot(
            [e["step"] for e in metrics["eval_loss"]],
            [e["value"] for e in metrics["eval_loss"]],
            "o-",
            label="eval loss",
        )
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"{method.upper()} loss")
    ax.legend()
    if method == "dpo":
        margins = metrics["rewards/margins"]
        axes[0][1].plot(margins["steps"], margins["values"], color="tab:green")
        axes[0][1].set_xlabel("step")
        axes[0][1].set_title("reward margin (chosen - rejected)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def samples_markdown(samples: list[dict[str, Any]]) -> str:
    lines = []
    for i, sample in enumerate(samples, 1):
        lines.append(f"**{i}. prompt:** {sample['prompt']}\n")
        if sample.get("reference"):
            lines.append(f"- reference: {sample['reference']!r}")
        lines.append(f"- before: {sample['before']!r}")
        lines.append(f"- after: {sample['after']!r}\n")
    return "\n".join(lines)


def summary_markdown(summary: dict[str, Any]) -> str:
    """The run summary as markdown (the Prefect artifact and the top of the model card)."""
    loss = summary["metrics"]["loss"]
    rows = [
        ("method / adapter", f"{summary['method']} / {summary['adapter']}"),
        ("model", summary["model"]),
        ("records read / unreadable", f"{summary['data']['records_read']} / {summary['data']['read_errors']}"),
        ("train / eval examples", f"{summary['data']['train_examples']} / {summary['data']['eval_examples']}"),
        ("truncated / rejected", f"{summary['data']['truncated']} / {sum(summary['data']['rejected'].values())}"),
        ("steps", f"{summary['global_step']} (resumed from {summary['resumed_from_step']})"),
        ("train loss first -> last", f"{_fmt(loss['first'])} -> {_fmt(loss['last'])}"),
        ("eval loss / perplexity", f"{_fmt(summary['eval'].get('loss'))} / {_fmt(summary['eval'].get('perplexity'))}"),
        ("train seconds", f"{summary['train_seconds']:.1f}"),
    ]
    if summary["method"] == "dpo":
        margin = summary["metrics"]["rewards/margins"]
        rows.append(("reward margin first -> last", f"{_fmt(margin['first'])} -> {_fmt(margin['last'])}"))
    table = "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f"### refinery train: {summary['output_dir']}\n\n{table}\n"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def write_json(path: Path, payload: Any) -> Path:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
