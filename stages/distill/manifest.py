"""The run's accounting for manifest.json: requests, tokens, cost, and where every planned sample ended."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from schemas.conversation import SftRecord
from schemas.distill import DistillConfig
from stages.distill.samples import Sample
from stages.distill.tasks import LoadedPrompts
from stages.distill.types import TeacherResponse


@dataclass
class Tally:
    """What the manifest counts, summed batch by batch (`add`), so no batch has to stay in memory."""

    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    verify_methods: Counter[str] = field(default_factory=Counter)
    reasoning_from: Counter[str | None] = field(default_factory=Counter)
    qa_pairs: Counter[str] = field(default_factory=Counter)
    answered_tokens: Counter[str] = field(default_factory=Counter)
    answered_cost: float = 0.0
    kept_prompts: int = 0
    planned: int = 0
    records: int = 0

    def add(
        self,
        samples: list[Sample],
        records: list[SftRecord],
        responses: dict[str, TeacherResponse],
        qa: dict[str, int],
    ) -> None:
        self.planned += len(samples)
        self.records += len(records)
        self.outcomes.update(s.outcome for s in samples)
        self.rejected.update(s.reason for s in samples if s.outcome == "rejected")
        self.verify_methods.update(s.method for s in samples if s.method)
        self.reasoning_from.update(
            s.details.get("reasoning_from") for s in samples if s.response and not s.response.error
        )
        self.qa_pairs.update(qa)
        # A batch holds whole prompts, so a prompt with kept samples is counted in one batch only.
        self.kept_prompts += len({s.prompt.id for s in samples if s.outcome == "kept"})
        for r in responses.values():
            if r.error is None:
                self.answered_tokens.update(
                    prompt=r.prompt_tokens,
                    completion=r.completion_tokens,
                    reasoning=r.reasoning_tokens,
                    total=r.prompt_tokens + r.completion_tokens,
                )
                self.answered_cost += getattr(r, "cost_usd", 0.0)


def build_manifest(
    config: DistillConfig,
    loaded: LoadedPrompts,
    tally: Tally,
    teacher_stats: dict[str, Any],
    judge_stats: dict[str, Any] | None,
) -> dict[str, Any]:
    """manifest.json less what the output writer adds (data file, exports) and the wall time."""
    outcomes, planned = tally.outcomes, tally.planned
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
        "prompts": {"planned": len(loaded.prompts), "with_kept_samples": tally.kept_prompts},
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
            key: tally.answered_tokens[key] for key in ("prompt", "completion", "reasoning", "total")
        },
        "cost_usd_all_responses": round(tally.answered_cost, 6),
        "budget_exhausted": bool(teacher_stats.get("budget_exhausted", False)),
        "teacher_stats": teacher_stats,
        "judge_stats": judge_stats,
        "samples": {
            "planned": planned,
            "kept": outcomes["kept"],
            "rejected": dict(tally.rejected.most_common()),
            "rejected_total": outcomes["rejected"],
            "errors": outcomes["error"],
            "not_sent": outcomes["not_sent"],
            "accounted": accounted,
        },
        "verify_methods": dict(tally.verify_methods),
        "reasoning_from": dict(tally.reasoning_from),
        "qa_pairs": dict(tally.qa_pairs),
        "records": {"canonical": tally.records},
        "config": config.model_dump(mode="json"),
    }
