"""Verified samples -> kept records or rejections: reasoning conversations, preference pairs or question/answer
pairs, within the configured pass-rate band. Every sample left pending ends kept or rejected with a reason."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord
from schemas.distill import DistillConfig
from stages.distill.samples import Sample
from stages.distill.tasks import parse_qa_pairs, qa_record


def _by_prompt(samples: list[Sample]) -> dict[str, list[Sample]]:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.prompt.id].append(sample)
    return groups


def _settle_verdicts(config: DistillConfig, group: list[Sample]) -> tuple[list[Sample], list[Sample], float | None]:
    """(passed, failed, pass rate over the answered samples); failed samples are rejected with the check's reason.
    Truncated or empty answers count as failures in the pass rate: the teacher did not solve the prompt."""
    answered = [s for s in group if s.outcome in ("pending", "rejected")]
    judged = [s for s in group if s.outcome == "pending" and s.verdict is not None]
    passed = [s for s in judged if s.verdict.passed is True]
    failed = [s for s in judged if s.verdict.passed is False]
    for sample in failed:
        sample.reject(sample.verdict.reason)
    if any(s.verdict.passed is None for s in judged) or not answered:
        return passed + [s for s in judged if s.verdict.passed is None], failed, None
    return passed, failed, len(passed) / len(answered)


def _in_band(config: DistillConfig, rate: float | None, group: list[Sample]) -> bool:
    if rate is None:
        return True
    low, high = config.pass_rate.min, config.pass_rate.max
    if low <= rate <= high:
        return True
    reason = "pass_rate_below_band" if rate < low else "pass_rate_above_band"
    for sample in group:
        if sample.outcome == "pending":
            sample.reject(reason, pass_rate=rate, verdict=sample.verdict.reason if sample.verdict else None)
    return False


def _metadata(sample: Sample, model: str) -> dict[str, Any]:
    verdict = sample.verdict
    return {
        **sample.prompt.metadata,
        "distill": {
            "prompt_id": sample.prompt.id,
            "sample_index": sample.index,
            "teacher": model,
            "method": sample.method,
            "extracted": verdict.extracted if verdict else None,
            "score": verdict.score if verdict else None,
            "reference": sample.prompt.reference,
        },
    }


def reasoning_records(config: DistillConfig, samples: list[Sample]) -> list[SftRecord]:
    """One conversation per passed sample of a prompt in the pass-rate band, at most `max_kept_per_prompt`."""
    records: list[SftRecord] = []
    for group in _by_prompt(samples).values():
        passed, _, rate = _settle_verdicts(config, group)
        if not _in_band(config, rate, group):
            continue
        for rank, sample in enumerate(passed):
            if config.max_kept_per_prompt is not None and rank >= config.max_kept_per_prompt:
                sample.reject("over_max_kept_per_prompt")
                continue
            sample.outcome = "kept"
            prompt = sample.prompt
            reply = Message(role="assistant", content=sample.answer, reasoning=sample.reasoning)
            records.append(
                ConversationRecord(
                    id=sample.tag,
                    system=prompt.system,
                    messages=[*prompt.turns(), reply],
                    source=prompt.source,
                    metadata=_metadata(sample, config.teacher.model),
                )
            )
    return records


def _reply(sample: Sample) -> list[Message]:
    return [Message(role="assistant", content=sample.answer, reasoning=sample.reasoning)]


def _score(sample: Sample) -> float:
    verdict = sample.verdict
    if verdict is not None and verdict.score is not None:
        return verdict.score
    return 1.0 if verdict is not None and verdict.passed else 0.0


def preference_records(config: DistillConfig, samples: list[Sample]) -> list[SftRecord]:
    """Pairs per prompt: passed x failed, zipped best-first against worst-first; without a pass/fail split but with
    judge scores, the best-scored against the worst-scored. Samples left without a partner are rejected."""
    records: list[SftRecord] = []
    for group in _by_prompt(samples).values():
        # Failed samples stay candidates for the rejected side: undo the rejection _settle_verdicts gave them.
        passed, failed, rate = _settle_verdicts(config, group)
        for sample in failed:
            sample.outcome, sample.reason = "pending", None
        if not _in_band(config, rate, group):
            continue
        passed.sort(key=_score, reverse=True)
        failed.sort(key=_score)
        if passed and failed:
            pairs, leftover = list(zip(passed, failed, strict=False)), "unpaired"
        else:
            scored = sorted(passed + failed, key=_score, reverse=True)
            pairs = [(scored[0], scored[-1])] if len(scored) > 1 and _score(scored[0]) > _score(scored[-1]) else []
            leftover = (
                "not_best_or_worst" if pairs else "no_contrast_all_correct" if passed else "no_contrast_all_wrong"
            )
        paired = {id(s) for pair in pairs for s in pair}
        for chosen, rejected in pairs:
            chosen.outcome = rejected.outcome = "kept"
            prompt = chosen.prompt
            records.append(
                PreferenceRecord(
                    id=f"{prompt.id}#{chosen.index}>{rejected.index}",
                    system=prompt.system,
                    prompt=prompt.turns(),
                    chosen=_reply(chosen),
                    rejected=_reply(rejected),
                    chosen_score=_score(chosen),
                    rejected_score=_score(rejected),
                    source=prompt.source,
                    metadata={
                        **_metadata(chosen, config.teacher.model),
                        "rejected_sample_index": rejected.index,
                        "rejected_reason": rejected.verdict.reason if rejected.verdict else None,
                    },
                )
            )
        for sample in passed + failed:
            if id(sample) not in paired:
                sample.reject(leftover, verdict=sample.verdict.reason if sample.verdict else None)
    return records


def question_records(samples: list[Sample]) -> tuple[list[SftRecord], dict[str, int]]:
    """One record per complete question/answer pair of each reply, with the pair counts for the manifest."""
    records: list[SftRecord] = []
    counts = Counter()
    for sample in samples:
        if sample.outcome != "pending":
            continue
        parsed = parse_qa_pairs(sample.answer)
        counts["pairs_dropped"] += parsed.dropped
        if not parsed.pairs:
            sample.reject(parsed.problem or "no_complete_pair", dropped_items=parsed.dropped)
            continue
        sample.outcome = "kept"
        counts["pairs_written"] += len(parsed.pairs)
        if parsed.problem:
            sample.details["partial"] = parsed.problem
        for index, (question, answer) in enumerate(parsed.pairs):
            records.append(qa_record(sample.prompt, index, question, answer, sample.index))
    return records, dict(counts)
