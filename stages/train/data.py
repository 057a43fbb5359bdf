"""Training data from refinery's outputs: read records, render them with the model's chat template, mask the loss.

Any file refinery writes is read as it is: canonical Parquet/JSONL records (the distill stage) and every format
`refinery convert` and `refinery sft-curate` write, through the same readers. Every record read ends as a
training/eval example, in `rejected` with a reason (too long, no reply, not a pair, ...) or in `errors` with the
message of the row that could not be read.

SFT examples are tokenized here rather than by TRL: the loss must cover every assistant turn, and TRL's own
`assistant_only_loss` only works with templates carrying `{% generation %}` markers, which Qwen, Llama and most
hub templates lack. Instead each assistant turn's span is found by rendering the conversation turn by turn and
diffing the prefixes, which works with any template whose rendering grows by appending.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.conversation import ConversationRecord, Message, PreferenceRecord, SftRecord
from schemas.train import DataSection
from stages.sft.common import RecordError
from stages.sft.convert import resolve_mapping
from stages.sft.formats import DetectionError, ReadSpec, detect, format_of_entry
from stages.sft.io import read_rows

DATA_SUFFIXES = (".parquet", ".jsonl", ".json", ".jsonl.gz", ".json.gz", ".jsonl.zst", ".ndjson")
# Bookkeeping that refinery writes next to the data; never training records.
SKIPPED_NAMES = {"dataset_info.json", "manifest.json", "summary.json", "rejected.jsonl", "errors.jsonl"}
SKIPPED_DIRS = {"rejected", "errors", "logs", "plots"}
CANONICAL_KEYS = {"id", "source"}


class DataError(ValueError):
    """The data cannot train this config at all (nothing readable, wrong kind); raised before the model loads."""


@dataclass
class LoadedRecords:
    records: list[SftRecord] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class Examples:
    """What the trainer gets, and what happened to every record on the way."""

    train: list[dict[str, Any]] = field(default_factory=list)
    eval: list[dict[str, Any]] = field(default_factory=list)
    eval_prompts: list[dict[str, Any]] = field(default_factory=list)  # {"messages": [...], "reference": str}
    train_prompts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def data_files(paths: list[str]) -> list[str]:
    """Files to read, in a stable order. A folder's `data/` subfolder wins (sft-curate and curate outputs)."""
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(str(path))
            continue
        if not path.is_dir():
            raise DataError(f"data.paths: {raw} does not exist")
        root = path / "data" if (path / "data").is_dir() else path
        found = sorted(
            str(p)
            for p in root.rglob("*")
            if p.is_file()
            and p.name.endswith(DATA_SUFFIXES)
            and p.name not in SKIPPED_NAMES
            and not SKIPPED_DIRS & set(p.relative_to(root).parts[:-1])
        )
        if not found:
            raise DataError(f"data.paths: no Parquet/JSONL/JSON files in {raw}")
        files += found
    return files


def _is_canonical(row: dict[str, Any]) -> bool:
    turns = row.get("messages", row.get("chosen"))
    return (
        row.keys() >= CANONICAL_KEYS
        and isinstance(turns, list)
        and all(isinstance(t, dict) and "role" in t and "tool_calls" in t for t in turns)
    )


def _canonical(row: dict[str, Any]) -> SftRecord:
    model = ConversationRecord if "messages" in row else PreferenceRecord
    metadata = row.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return model.model_validate({**row, "metadata": metadata})


def read_records(section: DataSection) -> LoadedRecords:
    """Every record of every file, as canonical records; rows that cannot be read go to `errors`."""
    if not section.paths:
        raise DataError("data.paths: no training data given")
    # With a mapping, a folder is resolved through the entry's file_name rather than listed.
    loaded = LoadedRecords(files=list(section.paths) if section.mapping else data_files(section.paths))
    for file in loaded.files:
        path, entry, _ = resolve_mapping(file, section.mapping) if section.mapping else (file, None, None)
        rows = list(read_rows(path))
        good = [r.row for r in rows if r.row is not None]
        canonical = section.format == "canonical" or (section.format == "auto" and good and _is_canonical(good[0]))
        spec: ReadSpec | None = None
        if not canonical:
            try:
                if entry is not None:
                    spec = ReadSpec(format_of_entry(entry), entry)
                else:
                    spec = detect(good, None if section.format == "auto" else section.format)
            except DetectionError as err:
                raise DataError(f"data.paths: {file}: {err}") from err
        for item in rows:
            if section.max_records is not None and len(loaded.records) >= section.max_records:
                return loaded
            if item.row is None:
                loaded.errors.append({"file": file, "record": item.number, "message": item.error})
                continue
            record_id = str(item.row["id"]) if isinstance(item.row.get("id"), str | int) else f"{file}#{item.number}"
            try:
                record = _canonical(item.row) if spec is None else spec.read(item.row, record_id, file)
            except (RecordError, ValidationError, ValueError) as err:
                loaded.errors.append({"file": file, "record": item.number, "message": str(err).splitlines()[0]})
                continue
            loaded.records.append(record)
    return loaded


def chat_message(message: Message, keep_reasoning: bool) -> dict[str, Any]:
    """A canonical turn as the dict chat templates expect; reasoning goes inline as <think> in the assistant turn."""
    content = message.content
    if message.role == "assistant" and message.reasoning and keep_reasoning:
        content = f"<think>\n{message.reasoning}\n</think>\n\n{content}"
    out: dict[str, Any] = {"role": message.role, "content": content}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "type": "function",
                "id": call.id,
                "function": {"name": call.name, "arguments": _arguments(call.arguments)},
            }
            for call in message.tool_calls
        ]
    if message.role == "tool" and message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    return out


def _arguments(raw: str) -> Any:
    # Templates index into arguments as a mapping (Qwen's `tojson`), so hand them an object when the JSON is one.
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _chat(system: str | None, turns: list[Message], keep_reasoning: bool) -> list[dict[str, Any]]:
    head = [{"role": "system", "content": system}] if system else []
    return head + [chat_message(m, keep_reasoning) for m in turns]


def _tools(record: SftRecord) -> list[dict[str, Any]] | None:
    if not record.tools:
        return None
    tools = json.loads(record.tools)
    return [t if "function" in t else {"type": "function", "function": t} for t in tools]


def sft_messages(record: SftRecord, keep_reasoning: bool) -> tuple[list[dict[str, Any]] | None, str | None]:
    """(messages, None) or (None, why the record cannot be an SFT example). A pair trains on its chosen reply."""
    if isinstance(record, ConversationRecord):
        turns = record.messages
    elif record.kto_label is False:
        return None, "kto_undesirable_reply"
    else:
        turns = record.prompt + record.chosen
    if not any(m.role == "assistant" for m in turns):
        return None, "no_assistant_turn"
    return _chat(record.system, turns, keep_reasoning), None


def _render(tokenizer: Any, messages: list[dict[str, Any]], tools: Any, generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(
        messages, tools=tools, tokenize=False, add_generation_prompt=generation_prompt
    )


def assistant_spans(tokenizer: Any, messages: list[dict[str, Any]], tools: Any) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant turns (with their end-of-turn tokens).

    A turn's span is render(turns[:i+1]) minus render(turns[:i], generation prompt). Turns where the template
    rewrites earlier text (e.g. templates that strip old reasoning) have no such span and are left unlabelled."""
    full = _render(tokenizer, messages, tools, False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], tools, True) if i else ""
        upto = full if i == len(messages) - 1 else _render(tokenizer, messages[: i + 1], tools, False)
        if upto.startswith(before) and full.startswith(upto) and len(upto) > len(before):
            spans.append((len(before), len(upto)))
    return full, spans


def tokenize_sft(tokenizer: Any, messages: list[dict[str, Any]], tools: Any) -> dict[str, list[int]] | None:
    """input_ids and labels (-100 outside assistant turns); None when no assistant turn could be located."""
    text, spans = assistant_spans(tokenizer, messages, tools)
    if not spans:
        return None
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = [
        token if any(start <= begin < end for start, end in spans) else -100
        for token, (begin, _) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True)
    ]
    return {"input_ids": list(encoded["input_ids"]), "labels": labels}


def _prompt_and_reference(messages: list[dict[str, Any]]) -> dict[str, Any]:
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return {"messages": messages[:last], "reference": messages[last]["content"]}


def _fit(example: dict[str, list[int]], max_len: int, too_long: str) -> tuple[dict[str, list[int]] | None, str]:
    """(example, "fits" | "truncated") or (None, rejection reason)."""
    if len(example["input_ids"]) <= max_len:
        return example, "fits"
    if too_long == "drop":
        return None, "too_long"
    cut = {key: values[:max_len] for key, values in example.items()}
    if all(label == -100 for label in cut["labels"]):
        return None, "no_reply_within_max_seq_length"
    return cut, "truncated"


def _split_indices(n: int, fraction: float, seed: int) -> set[int]:
    if fraction <= 0 or n < 2:
        return set()
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return set(order[: max(1, round(n * fraction))])


def _reject(examples: Examples, record: SftRecord, reason: str, **details: Any) -> None:
    examples.counts[f"rejected_{reason}"] += 1
    examples.rejected.append({"id": record.id, "source": record.source, "reason": reason, **details})


def build_sft(records: list[SftRecord], tokenizer: Any, section: DataSection, max_len: int, seed: int) -> Examples:
    """Tokenized SFT examples split into train/eval, with every dropped record and the counts."""
    examples = Examples()
    kept: list[tuple[dict[str, list[int]], dict[str, Any]]] = []
    for record in records:
        messages, why = sft_messages(record, section.keep_reasoning)
        if messages is None:
            _reject(examples, record, why or "unusable")
            continue
        try:
            example = tokenize_sft(tokenizer, messages, _tools(record))
        except Exception as err:  # a template that cannot render this record (e.g. a role it does not know)
            _reject(examples, record, "chat_template_error", message=str(err).splitlines()[0][:300])
            continue
        if example is None:
            _reject(examples, record, "no_assistant_span_in_template")
            continue
        tokens = len(example["input_ids"])
        example, outcome = _fit(example, max_len, section.too_long)
        if example is None:
            _reject(examples, record, outcome, tokens=tokens, max_seq_length=max_len)
            continue
        examples.counts[outcome] += 1
        if isinstance(record, PreferenceRecord):
            examples.counts["preference_as_sft"] += 1
        kept.append((example, _prompt_and_reference(messages)))
    held_out = _split_indices(len(kept), section.eval_fraction, seed)
    for i, (example, prompt) in enumerate(kept):
        (examples.eval if i in held_out else examples.train).append(example)
        (examples.eval_prompts if i in held_out else examples.train_prompts).append(prompt)
    return examples


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    # DPO rows go through datasets/Arrow: one fixed message shape keeps the column types uniform.
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def count_pairs(records: list[SftRecord]) -> int:
    return sum(isinstance(r, PreferenceRecord) and bool(r.rejected) for r in records)


def build_dpo(records: list[SftRecord], tokenizer: Any, section: DataSection, max_len: int, seed: int) -> Examples:
    """prompt/chosen/rejected rows (conversational, rendered by TRL), length-checked with the chat template."""
    examples = Examples()
    kept: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for record in records:
        if not isinstance(record, PreferenceRecord) or not record.rejected:
            _reject(examples, record, "not_a_preference_pair")
            continue
        prompt = _plain(_chat(record.system, record.prompt, section.keep_reasoning))
        chosen = _plain(_chat(None, record.chosen, section.keep_reasoning))
        rejected = _plain(_chat(None, record.rejected, section.keep_reasoning))
        try:
            prompt_len = len(tokenizer(_render(tokenizer, prompt, None, True), add_special_tokens=False)["input_ids"])
            longest = max(
                len(tokenizer(_render(tokenizer, prompt + reply, None, False), add_special_tokens=False)["input_ids"])
                for reply in (chosen, rejected)
            )
        except Exception as err:
            _reject(examples, record, "chat_template_error", message=str(err).splitlines()[0][:300])
            continue
        if longest > max_len:
            if section.too_long == "drop":
                _reject(examples, record, "too_long", tokens=longest, max_seq_length=max_len)
                continue
            if prompt_len >= max_len:
                _reject(examples, record, "no_reply_within_max_seq_length", tokens=longest, max_seq_length=max_len)
                continue
            examples.counts["truncated"] += 1  # TRL cuts the tail (truncation_mode keep_start)
        else:
            examples.counts["fits"] += 1
        reference = chosen[-1]["content"] if chosen else ""
        kept.append(
            ({"prompt": prompt, "chosen": chosen, "rejected": rejected}, {"messages": prompt, "reference": reference})
        )
    held_out = _split_indices(len(kept), section.eval_fraction, seed)
    for i, (row, prompt) in enumerate(kept):
        (examples.eval if i in held_out else examples.train).append(row)
        (examples.eval_prompts if i in held_out else examples.train_prompts).append(prompt)
    return examples
