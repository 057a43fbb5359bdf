"""The run's accounting for manifest.json: requests, tokens, cost, and where every planned sample ended."""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas.conversation import SftRecord
from schemas.distill import DistillConfig
from stages.distill.samples import Sample
from stages.distill.tasks import LoadedPrompts
from stages.distill.types import TeacherResponse


def build_manifest(
    config: DistillConfig,
    loaded: LoadedPrompts,
    samples: list[Sample],
    records: list[SftRecord],
    teacher_stats: dict[str, Any],
    judge_stats: dict[str, Any] | None,
    qa: dict[str, int],
    responses: dict[str, TeacherResponse],
) -> dict[str, Any]:
    """manifest.json less what the output writer adds (data file, exports) and the wall time."""
    outcomes = Counter(s.outcome for s in samples)
    rejected = Counter(s.reason for s in samples if s.outcome == "rejected")
    answered = [r for r in responses.values() if r.error is None]
    kept_prompts = len({s.prompt.id for s in samples if s.outcome == "kept"})
    planned = len(samples)
    accounted = outcomes["kept"] + outcomes["rejected"] + outcomes["error"] + outcomes["not_sent"] == planned
    return {
        "task": config.task,
        "teacher": {
            "model": config.teacher.model,
            "base_url": config.teacher.base_url,
            "backend": config.teacher.backend,
        },
        "input": {
            "path": config.input.path,
            "kind": loaded.kind,
            "records_read": loaded.records_read,
            "input_errors": len(loaded.errors),
            "documents": loaded.documents,
            "short_chunks_skipped": loaded.short_chunks,
        },
        "prompts": {"planned": len(loaded.prompts), "with_kept_samples": kept_prompts},
        "requests": {
            "planned": planned,
            "sent": teacher_stats.get("sent", 0),
            "cached": teacher_stats.get("cached", 0),
            "failed": teacher_stats.get("failed", 0),
            "not_sent": teacher_stats.get("not_sent", 0),
            "retried": teacher_stats.get("retried", 0),
        },
        "tokens": {  # spent by this run (requests sent now); cached answers were paid for by an earlier run
            "prompt": teacher_stats.get("prompt_tokens", 0),
            "completion": teacher_stats.get("completion_tokens", 0),
            "reasoning": teacher_stats.get("reasoning_tokens", 0),
            "total": teacher_stats.get("total_tokens", 0),
        },
        "cost_usd": teacher_stats.get("cost_usd", 0.0),
        "tokens_all_responses": {  # every answered request, cached or not: what the dataset cost to make
            "prompt": sum(r.prompt_tokens for r in answered),
            "completion": sum(r.completion_tokens for r in answered),
            "reasoning": sum(r.reasoning_tokens for r in answered),
            "total": sum(r.prompt_tokens + r.completion_tokens for r in answered),
        },
        "cost_usd_all_responses": round(sum(getattr(r, "cost_usd", 0.0) for r in answered), 6),
        "budget_exhausted": bool(teacher_stats.get("budget_exhausted", False)),
        "teacher_stats": teacher_stats,
        "judge_stats": judge_stats,
        "samples": {
            "planned": planned,
            "kept": outcomes["kept"],
            "rejected": dict(rejected.most_common()),
            "rejected_total": outcomes["rejected"],
            "errors": outcomes["error"],
            "not_sent": outcomes["not_sent"],
            "accounted": accounted,
        },
        "verify_methods": dict(Counter(s.method for s in samples if s.method)),
        "reasoning_from": dict(
            Counter(s.details.get("reasoning_from") for s in samples if s.response and not s.response.error)
        ),
        "qa_pairs": qa,
        "records": {"canonical": len(records)},
        "config": config.model_dump(mode="json"),
    }
