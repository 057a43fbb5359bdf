"""What to ask the teacher: prompts read from problems, SFT data or documents, and the requests built from them.

A `Prompt` is one unit the teacher answers `samples_per_prompt` times: a problem (question + optional reference),
the turns of an SFT record up to its last reply, or a chunk of a document. Documents are chunked by tokens
(tiktoken or a local tokenizer.json) on token boundaries mapped back to characters, so no chunk splits a
character. The questions task's replies are JSON lists of question/answer pairs, parsed here forgivingly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.conversation import ConversationRecord, Message, PreferenceRecord
from schemas.distill import ChunkingConfig, DistillConfig
from stages.distill.types import TeacherRequest
from stages.sft.common import RecordError
from stages.sft.io import read_rows


@dataclass
class Prompt:
    id: str
    messages: list[dict[str, str]]  # OpenAI chat turns sent to the teacher (system prompt included)
    question: str  # the last user turn: what the answer is judged against
    source: str
    reference: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def system(self) -> str | None:
        return self.messages[0]["content"] if self.messages and self.messages[0]["role"] == "system" else None

    def turns(self) -> list[Message]:
        """The prompt as canonical messages (without the system prompt, which records keep apart)."""
        return [Message(role=m["role"], content=m["content"]) for m in self.messages if m["role"] != "system"]


@dataclass
class InputError:
    source: str
    record: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"stage": "input", "source": self.source, "record": self.record, "message": self.message}


@dataclass
class LoadedPrompts:
    prompts: list[Prompt]
    errors: list[InputError]
    records_read: int  # input rows (or documents) looked at, errors included
    kind: str
    documents: int = 0  # documents task: documents chunked
    short_chunks: int = 0  # chunks below min_chunk_tokens, not sent


# ---------------------------------------------------------------------------------------------- input kinds


def input_files(path: str, suffixes: tuple[str, ...] = (".parquet", ".jsonl", ".jsonl.gz", ".json")) -> list[str]:
    """A file, or the data files of a folder (a curate run's `data/`), sorted so runs are reproducible."""
    p = Path(path)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith(suffixes))
        if not files:
            raise FileNotFoundError(f"input.path {path} holds no {'/'.join(suffixes)} files")
        return files
    if not p.exists() and "/" in path and not path.startswith((".", "/")) and p.suffix == "":
        return [path]  # a Hugging Face dataset name
    if not p.exists():
        raise FileNotFoundError(f"input.path {path} does not exist")
    return [path]


def detect_kind(config: DistillConfig) -> str:
    if config.input.kind != "auto":
        return config.input.kind
    if config.task == "questions":
        return "documents"
    first = next((r.row for r in read_rows(input_files(config.input.path or "")[0]) if r.row is not None), None)
    return "problems" if first is not None and config.input.question_field in first else "sft"


def _with_system(config: DistillConfig, turns: list[dict[str, str]]) -> list[dict[str, str]]:
    if config.prompts.system and not (turns and turns[0]["role"] == "system"):
        return [{"role": "system", "content": config.prompts.system}, *turns]
    return turns


def _row_id(row: dict[str, Any], id_field: str | None, source: str, number: int) -> str:
    value = row.get(id_field) if id_field else None
    return str(value) if isinstance(value, str | int) else f"{Path(source).name}#{number}"


def load_problems(config: DistillConfig) -> LoadedPrompts:
    cfg = config.input
    prompts, errors, read = [], [], 0
    for source in input_files(cfg.path or ""):
        for item in read_rows(source, hf_split=cfg.hf_split):
            if config.limit is not None and len(prompts) >= config.limit:
                return LoadedPrompts(prompts, errors, read, "problems")
            read += 1
            if item.row is None:
                errors.append(InputError(source, item.number, item.error or "unreadable row"))
                continue
            question = item.row.get(cfg.question_field)
            if not isinstance(question, str) or not question.strip():
                errors.append(InputError(source, item.number, f"no text in column {cfg.question_field!r}"))
                continue
            reference = item.row.get(cfg.answer_field) if cfg.answer_field else None
            reference = None if reference is None else str(reference)
            try:
                text = config.prompts.reasoning.format(question=question)
            except (KeyError, IndexError, ValueError) as err:
                raise ValueError(f"prompts.reasoning: bad template ({err}); only {{question}} is filled") from err
            metadata = {k: v for k, v in item.row.items() if k not in (cfg.question_field, cfg.answer_field)}
            prompts.append(
                Prompt(
                    id=_row_id(item.row, cfg.id_field, source, item.number),
                    messages=_with_system(config, [{"role": "user", "content": text}]),
                    question=question,
                    source=source,
                    reference=reference,
                    metadata=metadata,
                )
            )
    return LoadedPrompts(prompts, errors, read, "problems")


def _openai_turns(messages: list[Message]) -> list[dict[str, str]]:
    turns = []
    for m in messages:
        content = m.content
        if m.tool_calls:  # a chat API wants ids and schemas for real tool calls; as a prompt, text carries them
            content = (content + "\n" if content else "") + "\n".join(
                json.dumps({"name": c.name, "arguments": c.arguments}) for c in m.tool_calls
            )
        turns.append({"role": m.role, "content": content})
    return turns


def load_sft(config: DistillConfig) -> LoadedPrompts:
    """Prompts from any SFT reader: the turns up to the last assistant reply; that reply is the reference."""
    from stages.sft.convert import resolve_mapping
    from stages.sft.formats import ReadSpec, detect, format_of_entry

    cfg = config.input
    path, entry, _ = resolve_mapping(cfg.path or "", cfg.mapping)
    rows = list(read_rows(path, hf_split=entry.split if entry else cfg.hf_split))
    if entry is not None:
        spec = ReadSpec(format_of_entry(entry), entry)
    else:
        wanted = None if cfg.format == "auto" else cfg.format
        spec = detect([r.row for r in rows if r.row is not None], wanted)
    prompts, errors, read = [], [], 0
    for item in rows:
        if config.limit is not None and len(prompts) >= config.limit:
            break
        read += 1
        if item.row is None:
            errors.append(InputError(path, item.number, item.error or "unreadable row"))
            continue
        record_id = _row_id(item.row, "id", path, item.number)
        try:
            record = spec.read(item.row, record_id, path)
        except (RecordError, ValidationError) as err:
            errors.append(InputError(path, item.number, f"{type(err).__name__}: {err}"[:500]))
            continue
        if isinstance(record, PreferenceRecord):
            turns, reply = record.prompt, (record.chosen[-1].content if record.chosen else None)
        else:
            turns, reply = record.messages, None
            if turns and turns[-1].role == "assistant":
                turns, reply = turns[:-1], turns[-1].content
        if not turns or turns[-1].role not in ("user", "tool"):
            errors.append(InputError(path, item.number, "no user turn to answer after removing the last reply"))
            continue
        messages = _openai_turns(turns)
        if record.system:
            messages = [{"role": "system", "content": record.system}, *messages]
        prompts.append(
            Prompt(
                id=record.id,
                messages=_with_system(config, messages),
                question=turns[-1].content,
                source=path,
                reference=reply or None,
                metadata=record.metadata,
            )
        )
    return LoadedPrompts(prompts, errors, read, "sft")


# ---------------------------------------------------------------------------------------------- documents


def load_encoder(name: str) -> Callable[[str], list[int]]:
    """A function text -> character offset of each token's start; tiktoken name or local tokenizer.json."""
    if Path(name).is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(name)

        def offsets_local(text: str) -> list[int]:
            return [start for start, _ in tokenizer.encode(text, add_special_tokens=False).offsets]

        return offsets_local
    import tiktoken

    try:
        encoding = tiktoken.get_encoding(name)
    except ValueError as err:
        raise ValueError(f"chunking.tokenizer: {name!r} is neither a tiktoken encoding nor a tokenizer.json") from err

    def offsets_tiktoken(text: str) -> list[int]:
        _, offsets = encoding.decode_with_offsets(encoding.encode(text, disallowed_special=()))
        return offsets

    return offsets_tiktoken


def chunk_text(text: str, offsets: list[int], config: ChunkingConfig) -> tuple[list[str], int]:
    """Windows of `chunk_tokens` tokens overlapping by `overlap_tokens`, cut at token starts; a window end moves
    back to the last paragraph or sentence break in its final quarter when there is one. (chunks, short ones)."""
    if not offsets:
        return [], 0
    n, size = len(offsets), config.chunk_tokens
    chunks, short, start = [], 0, 0
    while start < n:
        end = min(start + size, n)
        begin_char = offsets[start]
        end_char = offsets[end] if end < n else len(text)
        if end < n:
            window = text[begin_char:end_char]
            floor = len(window) * 3 // 4
            cut = max(window.rfind("\n\n", floor), window.rfind(". ", floor), window.rfind("。", floor))
            if cut > 0:
                end_char = begin_char + cut + 1
                end = next((i for i in range(start + 1, end + 1) if i == n or offsets[i] >= end_char), end)
        chunk = text[begin_char:end_char].strip()
        if end - start >= config.min_chunk_tokens and chunk:
            chunks.append(chunk)
        elif chunk:
            short += 1
        if end >= n:
            break
        # The next window repeats the last `overlap_tokens` tokens, unless this one was shorter than the overlap.
        start = end - config.overlap_tokens if end - start > config.overlap_tokens else end
    return chunks, short


def load_documents(config: DistillConfig) -> LoadedPrompts:
    cfg, chunking = config.input, config.chunking
    offsets_of = load_encoder(chunking.tokenizer)
    template = config.prompts.questions
    prompts: list[Prompt] = []
    errors: list[InputError] = []
    read = documents = short = 0
    for source in input_files(cfg.path or ""):
        for item in read_rows(source, hf_split=cfg.hf_split):
            if config.limit is not None and documents >= config.limit:
                return LoadedPrompts(prompts, errors, read, "documents", documents, short)
            read += 1
            if item.row is None:
                errors.append(InputError(source, item.number, item.error or "unreadable row"))
                continue
            text = item.row.get(cfg.text_field)
            if not isinstance(text, str) or not text.strip():
                errors.append(InputError(source, item.number, f"no text in column {cfg.text_field!r}"))
                continue
            documents += 1
            doc_id = _row_id(item.row, cfg.id_field or "id", source, item.number)
            chunks, skipped = chunk_text(text, offsets_of(text), chunking)
            short += skipped
            if chunking.max_chunks_per_document is not None:
                chunks = chunks[: chunking.max_chunks_per_document]
            for index, chunk in enumerate(chunks):
                try:
                    user = template.format(chunk=chunk, n=chunking.questions_per_chunk)
                except (KeyError, IndexError, ValueError) as err:
                    raise ValueError(f"prompts.questions: bad template ({err}); fields are {{chunk}}, {{n}}") from err
                prompts.append(
                    Prompt(
                        id=f"{doc_id}@{index}",
                        messages=_with_system(config, [{"role": "user", "content": user}]),
                        question=chunk,
                        source=source,
                        metadata={"document_id": doc_id, "chunk": index, "url": item.row.get("url")},
                    )
                )
    return LoadedPrompts(prompts, errors, read, "documents", documents, short)


def load_prompts(config: DistillConfig) -> LoadedPrompts:
    kind = detect_kind(config)
    return {"problems": load_problems, "sft": load_sft, "documents": load_documents}[kind](config)


# ---------------------------------------------------------------------------------------------- requests


def build_requests(prompts: list[Prompt], config: DistillConfig) -> list[TeacherRequest]:
    """`samples_per_prompt` requests per prompt, sample_index 0..N-1; the tag `PROMPT_ID#i` finds them again."""
    sampling = config.teacher.sampling
    return [
        TeacherRequest(messages=tuple(p.messages), sampling=sampling, sample_index=i, tag=f"{p.id}#{i}")
        for p in prompts
        for i in range(config.samples_per_prompt)
    ]


def judge_request(config: DistillConfig, prompt: Prompt, answer: str, sample_tag: str) -> TeacherRequest:
    judge = config.verify.judge
    teacher = judge.teacher or config.teacher
    text = config.prompts.judge.format(
        rubric=judge.rubric, question=prompt.question, reference=prompt.reference or "", answer=answer
    )
    sampling = teacher.sampling.model_copy(update={"temperature": 0.0, "max_tokens": judge.max_tokens})
    return TeacherRequest(messages=({"role": "user", "content": text},), sampling=sampling, tag=sample_tag)


# ---------------------------------------------------------------------------------------------- Q/A parsing

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_QUESTION_KEYS = ("question", "q", "Question", "instruction", "query")
_ANSWER_KEYS = ("answer", "a", "Answer", "output", "response")


@dataclass
class QaParse:
    pairs: list[tuple[str, str]]
    problem: str | None  # why nothing (or not everything) could be used
    dropped: int = 0  # items of the list that were not a usable pair


def _json_candidates(text: str) -> Iterator[str]:
    for match in _FENCE.finditer(text):
        yield match[1]
    yield text
    for opener, closer in (("[", "]"), ("{", "}")):
        first, last = text.find(opener), text.rfind(closer)
        if 0 <= first < last:
            yield text[first : last + 1]


def _items(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("pairs", "questions", "qa", "qa_pairs", "data", "items"):
            if isinstance(value.get(key), list):
                return value[key]
        if any(k in value for k in _QUESTION_KEYS):
            return [value]
    return None


def parse_qa_pairs(text: str) -> QaParse:
    """Question/answer pairs from a reply: a JSON array (fenced or bare, possibly wrapped in an object, possibly
    with prose around it). Items without a non-empty question and answer are dropped and counted."""
    if not text.strip():
        return QaParse([], "empty_reply")
    value, seen_json = None, False
    for candidate in _json_candidates(text):
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        seen_json = True
        if _items(value) is not None:
            break
    if not seen_json:
        return QaParse([], "malformed_json")
    items = _items(value)
    if items is None:
        return QaParse([], "json_not_a_list_of_pairs")
    pairs, dropped = [], 0
    for item in items:
        if not isinstance(item, dict):
            dropped += 1
            continue
        question = next((item[k] for k in _QUESTION_KEYS if isinstance(item.get(k), str)), "").strip()
        answer = next((item[k] for k in _ANSWER_KEYS if isinstance(item.get(k), str)), "").strip()
        if question and answer:
            pairs.append((question, answer))
        else:
            dropped += 1
    if not pairs:
        return QaParse([], "no_complete_pair", dropped)
    return QaParse(pairs, "incomplete_pairs" if dropped else None, dropped)


def qa_record(prompt: Prompt, index: int, question: str, answer: str, sample_index: int) -> ConversationRecord:
    return ConversationRecord(
        id=f"{prompt.id}#{sample_index}.{index}",
        messages=[Message(role="user", content=question), Message(role="assistant", content=answer)],
        source=prompt.source,
        metadata={**prompt.metadata, "chunk_text": prompt.question},
    )
