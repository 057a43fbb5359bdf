"""`refinery sft-curate`: read one SFT/preference dataset, run the checks, write what passes, account for the rest.

Checks run in this fixed order, and a record is dropped by the first that fails (its stage in rejected/):

  1. roles     role order as LLaMA-Factory requires it
  2. replies   empty or truncated assistant turns
  3. think     `<think>` tag balance
  4. language  language ID of the user turns
  5. length    token limits
  6. dedup     exact and near-duplicate prompts, over the records that passed 1-5

Cheap structural checks come first. Dedup comes last and only sees records that passed everything else, so a
broken record never becomes the kept copy of a cluster and takes its clean duplicate down with it. Records the
output format cannot hold (a conversation written as preference data, ...) are rejected at stage `write`.

OUTPUT/data/NAME.* holds the kept records (plus dataset_info.json for LLaMA-Factory formats),
OUTPUT/rejected/sft-curate.jsonl every dropped record with stage, reason and details, OUTPUT/errors/sft-curate.jsonl
the rows that could not be read, and OUTPUT/manifest.json the counts, with `accounted` true when
input == kept + rejected + errors.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.conversation import SftRecord
from schemas.sft_curate import SftCurateConfig
from stages.sft.common import RecordError, Unrepresentable
from stages.sft.convert import DETECT_ROWS, dataset_name, record_error_message, resolve_mapping, update_dataset_info
from stages.sft.curation.dedup import duplicate_prompts
from stages.sft.curation.measures import LanguageCheck, LengthCheck
from stages.sft.curation.structure import Drop, check_replies, check_roles, check_think
from stages.sft.formats import LLAMA_FACTORY_FORMATS, ReadSpec, Writer, detect, format_of_entry
from stages.sft.io import FILE_FORMATS, file_format_of, read_rows, write_rows

STAGES = ("roles", "replies", "think", "language", "length", "dedup")
REJECTED_FILE = "rejected/sft-curate.jsonl"
ERRORS_FILE = "errors/sft-curate.jsonl"

Check = Callable[[SftRecord], Drop | None]


@dataclass
class Item:
    number: int  # position in the input
    record: SftRecord


def record_checks(config: SftCurateConfig) -> list[tuple[str, Check]]:
    """The per-record checks that are enabled, in order (dedup, which looks across records, runs after them).
    Models load here, before any record is read."""
    checks: list[tuple[str, Check]] = []
    if config.roles.enabled:
        checks.append(("roles", check_roles))
    if config.replies.enabled:
        checks.append(("replies", lambda r: check_replies(r, config.replies)))
    if config.think.enabled:
        checks.append(("think", lambda r: check_think(r, config.think)))
    if config.language.enabled:
        checks.append(("language", LanguageCheck(config.language)))
    if config.length.enabled:
        checks.append(("length", LengthCheck(config.length)))
    return checks


def _read_spec(config: SftCurateConfig, rows: list[dict[str, Any]], entry) -> ReadSpec:
    if entry is not None:
        return ReadSpec(format_of_entry(entry), entry)
    return detect(rows, None if config.input.format == "auto" else config.input.format, DETECT_ROWS)


def curate_sft(config: SftCurateConfig) -> dict[str, Any]:
    """Run the checks over `config.input.path`; returns the manifest (also written to OUTPUT/manifest.json)."""
    started = time.perf_counter()
    if not config.input.path:
        raise ValueError("no input: set input.path in the config or pass --input")
    checks = record_checks(config)
    path, entry, entry_name = resolve_mapping(config.input.path, config.input.mapping)
    split = entry.split if entry else config.input.hf_split
    rows = list(read_rows(path, hf_split=split, hf_subset=entry.subset if entry else None))
    spec = _read_spec(config, [r.row for r in rows if r.row is not None], entry)
    name = config.output.name or entry_name or dataset_name(path)
    out = Path(config.output.dir)

    errors: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    seconds: Counter[str] = Counter()

    def reject(item: Item, stage: str, drop: Drop) -> None:
        line = {"id": item.record.id, "source": path, "record_number": item.number, "stage": stage}
        line |= {"reason": drop.reason, **drop.details, "record": item.record.model_dump(mode="json")}
        rejected.append(line)

    passed: list[Item] = []
    for row in rows:
        if row.row is None:
            errors.append({"file": path, "record": row.number, "message": row.error})
            continue
        record_id = str(row.row["id"]) if isinstance(row.row.get("id"), str | int) else f"{name}#{row.number}"
        try:
            item = Item(row.number, spec.read(row.row, record_id, path))
        except (RecordError, ValidationError) as err:
            errors.append({"file": path, "record": row.number, "message": record_error_message(err)})
            continue
        for stage, check in checks:
            tick = time.perf_counter()
            drop = check(item.record)
            seconds[stage] += time.perf_counter() - tick
            if drop is not None:
                reject(item, stage, drop)
                break
        else:
            passed.append(item)

    if config.dedup.enabled:
        tick = time.perf_counter()
        drops = duplicate_prompts([item.record for item in passed], config.dedup)
        seconds["dedup"] += time.perf_counter() - tick
        kept = []
        for item, drop in zip(passed, drops, strict=True):
            if drop is None:
                kept.append(item)
                continue
            drop.details["duplicate_of_record_number"] = passed[drop.details.pop("keeper_index")].number
            reject(item, "dedup", drop)
        passed = kept

    to = spec.format if config.output.format == "same" else config.output.format
    # The same format keeps the source's own layout (columns, tags), as `refinery convert` does.
    writer = Writer(to, spec.entry.model_copy(deep=True) if spec.entry is not None and spec.format == to else None)
    out_rows: list[dict[str, Any]] = []
    kept_records = 0
    for item in passed:
        try:
            out_rows += writer.render(item.record)
        except Unrepresentable as err:
            reject(item, "write", Drop(str(err)))
            continue
        kept_records += 1

    file_format = config.output.file_format
    if file_format == "same":
        file_format = file_format_of(path) if file_format_of(path) in FILE_FORMATS else "json"
    for folder in ("data", "rejected", "errors"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    output_file = out / "data" / f"{name}.{file_format}"
    write_rows(out_rows, output_file, file_format)
    if to in LLAMA_FACTORY_FORMATS and writer.entry is not None:
        update_dataset_info(out / "data" / "dataset_info.json", name, writer.entry, output_file.name)
    write_rows(rejected, out / REJECTED_FILE, "jsonl")
    write_rows(errors, out / ERRORS_FILE, "jsonl")

    by_stage: dict[str, Counter[str]] = defaultdict(Counter)
    for line in rejected:
        by_stage[line["stage"]][line["reason"]] += 1
    manifest = {
        "input": path,
        "read_format": spec.format,
        "write_format": to,
        "output_file": str(output_file),
        "checks": [stage for stage, _ in checks] + (["dedup"] if config.dedup.enabled else []),
        "input_records": len(rows),
        "kept_records": kept_records,
        "written_rows": len(out_rows),
        "rejected_records": len(rejected),
        "error_records": len(errors),
        "accounted": len(rows) == kept_records + len(rejected) + len(errors),
        "rejected": {stage: dict(by_stage[stage].most_common()) for stage in (*STAGES, "write") if stage in by_stage},
        "stage_seconds": {stage: round(value, 3) for stage, value in seconds.items()},
        "wall_seconds": round(time.perf_counter() - started, 3),
        "config": config.model_dump(mode="json"),
    }
    tmp = out / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / "manifest.json")
    return manifest
