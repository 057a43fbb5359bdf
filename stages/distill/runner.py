"""Run one distillation: prompts -> teacher samples -> reasoning split -> verification -> records, exports, manifest.

Resume contract: every answered request is in the persistent cache (`OUTPUT/cache/`) as soon as it arrives, and
this runner writes its output files only once all responses are in, staged and then moved into place, with
`manifest.json` last. A killed run leaves the previous output (or none) and a cache; rerunning it sends only the
requests that never completed, and no record is written twice.

Every sample (prompt x sample index) ends in exactly one place: kept (a record, or a pair of a preference
record), `rejected/` with its reason, `errors/` (the request failed), or `not_sent` (the budget ran out).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from schemas.distill import DistillConfig
from stages.distill.manifest import build_manifest
from stages.distill.outcomes import preference_records, question_records, reasoning_records
from stages.distill.output import write_json_atomic, write_outputs
from stages.distill.samples import Sample, classify, verify_samples
from stages.distill.tasks import Prompt, build_requests, load_prompts
from stages.distill.teacher import Teacher


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
    requests = build_requests(loaded.prompts, config)

    teacher = Teacher(config.teacher, out / "cache" / "requests.sqlite", config.progress)
    try:
        responses = teacher.ask(requests)
    finally:
        teacher_stats = teacher.close()

    samples = [
        Sample(prompt, i, responses.get(f"{prompt.id}#{i}"))
        for prompt in loaded.prompts
        for i in range(config.samples_per_prompt)
    ]
    errors = [classify(sample) for sample in samples]
    error_rows = [row for row in errors if row is not None]
    judge_stats = verify_samples(config, samples, out, error_rows)

    if config.task == "questions":
        records, qa = question_records(samples)
    elif config.task == "preference":
        records, qa = preference_records(config, samples), {}
    else:
        records, qa = reasoning_records(config, samples), {}

    manifest = build_manifest(config, loaded, samples, records, teacher_stats, judge_stats, qa, responses)
    write_outputs(config, out, records, samples, loaded, error_rows, manifest)
    manifest["wall_seconds"] = round(time.monotonic() - started, 3)
    write_json_atomic(out / "manifest.json", manifest)
    return manifest
