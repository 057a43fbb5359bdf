"""Run one distillation: prompts -> teacher samples -> reasoning split -> verification -> records, exports, manifest.

Prompts go through in batches of `batch_prompts` (every sample of a prompt in one batch): each batch's responses,
samples and records are written out and dropped before the next, so memory stays that of one batch however long
the run (reasoning traces run to tens of KB per sample).

Resume contract: every answered request is in the persistent cache (`OUTPUT/cache/`) as soon as it arrives, and
the output files are written to a staging folder that is moved into place only once all batches are in, with
`manifest.json` last. A killed run leaves the previous output (or none) and a cache; rerunning it sends only the
requests that never completed, and no record is written twice.

Every sample (prompt x sample index) ends in exactly one place: kept (a record, or a pair of a preference
record), `rejected/` with its reason, `errors/` (the request failed), or `not_sent` (the budget ran out).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from schemas.conversation import SftRecord
from schemas.distill import DistillConfig
from stages.distill.manifest import Tally, build_manifest
from stages.distill.outcomes import preference_records, question_records, reasoning_records
from stages.distill.output import OutputWriter, write_json_atomic
from stages.distill.samples import Sample, classify, verify_samples
from stages.distill.tasks import Prompt, build_requests, load_prompts
from stages.distill.teacher import Teacher
from stages.distill.types import TeacherResponse


def _unique_ids(prompts: list[Prompt]) -> None:
    """Request tags and record ids are built from prompt ids; a repeated id gets a `~k` suffix."""
    seen: Counter[str] = Counter()
    for prompt in prompts:
        seen[prompt.id] += 1
        if seen[prompt.id] > 1:
            prompt.id = f"{prompt.id}~{seen[prompt.id]}"


def run_distill(config: DistillConfig) -> dict[str, Any]:
    """Run the configured task and write OUTPUT/{data,exports,rejected,errors}/ and manifest.json."""
    started = time.monotonic()
    out = Path(config.output.dir)
    loaded = load_prompts(config)  # bad input fails here, before anything is created
    (out / "cache").mkdir(parents=True, exist_ok=True)
    _unique_ids(loaded.prompts)

    teacher = Teacher(config.teacher, out / "cache" / "requests.sqlite", config.progress)
    judges: list[Teacher] = []  # opened on first use, then kept for the run: one cache, one budget

    def judge() -> Teacher:
        if not judges:
            judge_config = config.verify.judge.teacher or config.teacher
            judges.append(Teacher(judge_config, out / "cache" / "judge.sqlite", config.progress))
        return judges[0]

    output = OutputWriter(config, out, loaded)
    tally = Tally()
    # Over the whole run; the teacher's own bar counts the requests of the batch in progress.
    prompts_bar = tqdm(total=len(loaded.prompts), unit="prompt", desc="distill", disable=not config.progress)
    try:
        for start in range(0, len(loaded.prompts), config.batch_prompts):
            batch = loaded.prompts[start : start + config.batch_prompts]
            responses = teacher.ask(build_requests(batch, config))
            samples, records, qa, error_rows = _settle(config, batch, responses, judge)
            output.add(records, samples, error_rows)
            tally.add(samples, records, responses, qa)
            prompts_bar.update(len(batch))
    finally:
        prompts_bar.close()
        teacher_stats = teacher.close()
        judge_stats = judges[0].close() if judges else None

    manifest = build_manifest(config, loaded, tally, teacher_stats, judge_stats)
    output.finish(manifest)
    manifest["wall_seconds"] = round(time.monotonic() - started, 3)
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


def _settle(
    config: DistillConfig, batch: list[Prompt], responses: dict[str, TeacherResponse], judge: Callable[[], Teacher]
) -> tuple[list[Sample], list[SftRecord], dict[str, int], list[dict[str, Any]]]:
    """One batch's samples, each settled (kept as a record, rejected, an error or not sent), and its error rows."""
    n = config.samples_per_prompt
    samples = [Sample(prompt, i, responses.get(f"{prompt.id}#{i}")) for prompt in batch for i in range(n)]
    error_rows = [row for row in map(classify, samples) if row is not None]
    verify_samples(config, samples, judge, error_rows)
    if config.task == "questions":
        records, qa = question_records(samples)
    elif config.task == "preference":
        records, qa = preference_records(config, samples), {}
    else:
        records, qa = reasoning_records(config, samples), {}
    return samples, records, qa, error_rows
