"""One teacher sample (prompt x sample index) and the checks it passes before it becomes a record: the
reasoning split (`classify`) and the verdict of its answer (`verify_samples`, with the judge when configured)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.distill import DistillConfig
from stages.distill.reasoning import split_reasoning
from stages.distill.tasks import Prompt, judge_request
from stages.distill.teacher import Teacher
from stages.distill.types import TeacherResponse
from stages.distill.verify import Verdict, checker_for, judge_verdict, resolve_method


@dataclass
class Sample:
    """One teacher completion of one prompt and what became of it."""

    prompt: Prompt
    index: int
    response: TeacherResponse | None  # None: not sent (budget)
    reasoning: str | None = None
    answer: str = ""
    method: str | None = None
    verdict: Verdict | None = None
    outcome: str = "pending"  # kept, rejected, error, not_sent
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return f"{self.prompt.id}#{self.index}"

    def reject(self, reason: str, **details: Any) -> None:
        self.outcome, self.reason = "rejected", reason
        self.details.update(details)

    def rejected_row(self) -> dict[str, Any]:
        response = self.response
        verdict = self.verdict
        return {
            "prompt_id": self.prompt.id,
            "sample_index": self.index,
            "reason": self.reason,
            **self.details,
            "method": self.method,
            "extracted": verdict.extracted if verdict else None,
            "expected": verdict.expected if verdict else None,
            "score": verdict.score if verdict else None,
            "finish_reason": response.finish_reason if response else None,
            "question": self.prompt.question,
            "reference": self.prompt.reference,
            "reasoning": self.reasoning,
            "answer": self.answer,
            "source": self.prompt.source,
        }


def classify(sample: Sample) -> dict[str, Any] | None:
    """Split reasoning from answer; settle samples that never get to verification. Returns an error row."""
    response = sample.response
    if response is None:
        sample.outcome = "not_sent"
        return None
    if response.error is not None:
        sample.outcome = "error"
        return {
            "stage": "teacher",
            "prompt_id": sample.prompt.id,
            "sample_index": sample.index,
            "error": response.error,
            "attempts": response.attempts,
            "status": getattr(response, "status", None),
        }
    split = split_reasoning(response.content, response.reasoning_content)
    sample.reasoning, sample.answer = split.reasoning, split.answer
    sample.details["reasoning_from"] = split.how
    if response.finish_reason == "length":
        sample.reject("truncated")
    elif split.unclosed:
        sample.reject("unclosed_think")
    elif not split.answer:
        sample.reject("empty_answer")
    return None


def verify_samples(
    config: DistillConfig, samples: list[Sample], judge: Callable[[], Teacher], error_rows: list[dict[str, Any]]
) -> None:
    """Give every still-pending sample a verdict; `judge()` gives the judge's client (its own cache and budget,
    opened on first use) when a sample needs it."""
    if config.task == "questions":
        return  # the questions task checks the JSON shape of each reply, not an answer
    judged: list[Sample] = []
    for sample in samples:
        if sample.outcome != "pending":
            continue
        sample.method = resolve_method(config.verify, sample.prompt.reference, config.task)
        if sample.method == "judge":
            judged.append(sample)
            continue
        sample.verdict = checker_for(sample.method, config.verify)(
            sample.answer, sample.prompt.reference, sample.prompt.question
        )
    if not judged:
        return
    verdicts = judge().ask([judge_request(config, s.prompt, s.answer, s.tag) for s in judged])
    for sample in judged:
        response = verdicts.get(sample.tag)
        if response is None:
            sample.outcome = "not_sent"
            sample.details["not_sent"] = "judge budget"
        elif response.error is not None:
            sample.outcome = "error"
            error_rows.append(
                {
                    "stage": "judge",
                    "prompt_id": sample.prompt.id,
                    "sample_index": sample.index,
                    "error": response.error,
                }
            )
        else:
            reply = split_reasoning(response.content, response.reasoning_content).answer
            sample.verdict = judge_verdict(reply, config.verify.judge.pass_score)
