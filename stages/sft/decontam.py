"""Benchmark decontamination: which benchmark question, if any, an SFT record contains.

Two checks, on the system and user turns of a record: a normalized exact match against whole questions, and word
n-gram overlap (n=13, n=8 for short questions) measured as the share of a question's n-grams found in the record.
Words are lower-cased NFKC letters/digits; numbers become one placeholder, so renumbered copies (a GSM8K problem
with new values) still match; Chinese, Japanese and Korean characters count as one word each.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from schemas.conversation import ConversationRecord, SftRecord
from schemas.decontam import DecontamConfig
from stages.sft.io import read_rows

# CJK ideographs, kana and hangul one per token; latin words and numbers as runs.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W\d_]+|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d")
QUESTION_KEYS = ("question", "problem", "prompt", "instruction", "text")


def words(text: str) -> list[str]:
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
    return ["#" if _NUMBER.match(t) else t for t in tokens]


def _informative(gram: list[str]) -> bool:
    """Half the words must be real words: `x # x # x` (any polynomial once numbers are placeholders) is not."""
    return sum(t != "#" and not (len(t) == 1 and t.isascii()) for t in gram) * 2 >= len(gram)


def ngrams(tokens: list[str], n: int) -> set[str]:
    return {_key(tokens[i : i + n]) for i in range(len(tokens) - n + 1) if _informative(tokens[i : i + n])}


def _key(tokens: list[str]) -> str:
    return hashlib.blake2b(" ".join(tokens).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Question:
    benchmark: str
    number: int
    text: str
    n: int  # n-gram size used for it; 0: too short for n-grams, exact match only
    ngrams: int
    words: tuple[str, ...]


@dataclass
class Match:
    question: Question
    kind: str  # exact | ngram | fuzzy
    coverage: float
    shared: int

    def reason(self) -> str:
        q = self.question
        how = {
            "exact": "exact match",
            "ngram": f"{self.shared} shared {q.n}-grams, coverage {self.coverage:.2f}",
            "fuzzy": f"{self.coverage:.0%} of its words in order",
        }[self.kind]
        return f"contaminated: {q.benchmark}#{q.number} ({how})"

    def report(self) -> dict:
        q = self.question
        return {
            "why": self.reason(),
            "benchmark": q.benchmark,
            "question_number": q.number,
            "question": q.text,
            "kind": self.kind,
            "n": q.n,
            "shared_ngrams": self.shared,
            "coverage": round(self.coverage, 4),
        }


def question_text(row: dict) -> str | None:
    for key in QUESTION_KEYS:
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, list):  # GPQA: a conversation; the question is the user turn
            turns = [t.get("value", t.get("content")) for t in value if isinstance(t, dict)]
            text = "\n".join(t for t in turns if isinstance(t, str))
            if text.strip():
                return text
    return None


def benchmark_files(paths: list[str]) -> Iterator[tuple[str, Path]]:
    """(benchmark name, file), the name being the folder that holds the file (eval/gsm8k/test.jsonl: gsm8k).
    In a folder, files named train* are left out: a benchmark's training split is not what must stay unseen."""
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if path.is_dir() and file.name.startswith("train"):
                continue
            if any(file.name.endswith(s) for s in (".json", ".jsonl", ".jsonl.gz", ".json.gz", ".parquet")):
                yield file.parent.name or file.stem, file


class BenchmarkIndex:
    def __init__(self, config: DecontamConfig | None = None) -> None:
        self.config = config or DecontamConfig()
        self.questions: list[Question] = []
        self.exact: dict[str, int] = {}
        self.grams: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.fuzzy: dict[str, list[int]] = defaultdict(list)  # fuzzy_n-grams of short questions
        self.skipped_rows = 0

    @classmethod
    def from_paths(cls, paths: list[str], config: DecontamConfig | None = None) -> BenchmarkIndex:
        index = cls(config)
        for name, file in benchmark_files(paths):
            for item in read_rows(str(file)):
                text = question_text(item.row) if item.row else None
                if text is None:
                    index.skipped_rows += 1
                else:
                    index.add(name, item.number, text)
        return index

    def add(self, benchmark: str, number: int, text: str) -> None:
        tokens = words(text)
        cfg = self.config
        n = cfg.n if len(tokens) >= cfg.short_question_words else cfg.short_n
        n = n if len(tokens) >= n else 0
        grams = ngrams(tokens, n) if n else set()
        n = n if grams else 0
        qid = len(self.questions)
        self.questions.append(Question(benchmark, number, text, n, len(grams), tuple(tokens)))
        self.exact.setdefault(_key(tokens), qid)
        for gram in grams:
            self.grams[n][gram].append(qid)
        # Few real words (`factor the following expression: # x # #`) would match any such exercise.
        real_words = sum(t != "#" and not (len(t) == 1 and t.isascii()) for t in tokens)
        if len(tokens) < cfg.short_question_words and real_words >= cfg.fuzzy_min_words:
            for gram in ngrams(tokens, cfg.fuzzy_n):
                self.fuzzy[gram].append(qid)

    def match(self, texts: list[str]) -> Match | None:
        """Exact match of any one text against a whole question, else the best-covered question by n-grams over
        all texts together (a question split over turns still counts)."""
        for text in texts:
            qid = self.exact.get(_key(words(text)))
            if qid is not None:
                return Match(self.questions[qid], "exact", 1.0, 0)
        tokens = words("\n".join(texts))
        best: Match | None = None
        for n, table in self.grams.items():
            hits: Counter[int] = Counter()
            for gram in ngrams(tokens, n):
                for qid in table.get(gram, ()):
                    hits[qid] += 1
            for qid, shared in hits.items():
                question = self.questions[qid]
                coverage = shared / question.ngrams
                enough = shared >= min(self.config.min_matches, question.ngrams)
                if enough and coverage >= self.config.min_coverage and (best is None or coverage > best.coverage):
                    best = Match(question, "ngram", coverage, shared)
        return best or self._fuzzy(tokens)

    def _fuzzy(self, tokens: list[str]) -> Match | None:
        """Short questions: candidates share two fuzzy_n-grams; a match has most of its words in order."""
        hits: Counter[int] = Counter()
        for gram in ngrams(tokens, self.config.fuzzy_n):
            for qid in self.fuzzy.get(gram, ()):
                hits[qid] += 1
        best: Match | None = None
        for qid, shared in hits.most_common(20):
            if shared < 2:
                break
            question = self.questions[qid]
            matcher = SequenceMatcher(None, question.words, tokens, autojunk=False)
            share = sum(block.size for block in matcher.get_matching_blocks()) / len(question.words)
            if share >= self.config.fuzzy_min_share and (best is None or share > best.coverage):
                best = Match(question, "fuzzy", share, shared)
        return best


def prompt_texts(record: SftRecord) -> list[str]:
    """Where a benchmark question would hide: the system prompt and every user turn."""
    turns = record.messages if isinstance(record, ConversationRecord) else record.prompt
    return [t for t in [record.system or "", *(m.content for m in turns if m.role in ("user", "system"))] if t]


def decontaminate(
    input_path: str, benchmarks: list[str], output: Path, config: DecontamConfig | None = None, **convert_args
):
    """Write INPUT without its contaminated records, in its own format, and OUTPUT/decontamination.json with the
    settings and counts per benchmark; each removed record is in rejected.jsonl with the question it matched."""
    from stages.sft.convert import convert  # convert imports this package's readers; keep the import one way

    index = BenchmarkIndex.from_paths(benchmarks, config)
    if not index.questions:
        raise ValueError(f"no benchmark questions found in {benchmarks} (keys looked for: {QUESTION_KEYS})")
    matched: Counter[str] = Counter()

    def screen(record: SftRecord):
        found = index.match(prompt_texts(record))
        if found is None:
            return None
        matched[found.question.benchmark] += 1
        return f"contaminated: {found.question.benchmark}", {"match": found.report()}

    result = convert(input_path, None, output, screen=screen, **convert_args)
    summary = {
        "input": result.input,
        "records": result.total,
        "kept": result.converted,
        "removed": sum(matched.values()),
        "removed_by_benchmark": dict(matched.most_common()),
        "benchmark_questions": dict(Counter(q.benchmark for q in index.questions)),
        "benchmark_rows_without_question": index.skipped_rows,
        "config": index.config.model_dump(),
    }
    (output / "decontamination.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return result, summary
