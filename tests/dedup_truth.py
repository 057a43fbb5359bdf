"""Ground truth for the dedup tests: real documents from ../shared/data and seeded edits of them.

Each base document gets two variants, one lightly and one heavily edited: a random share of its words (for
Chinese, characters) substituted, deleted or inserted, so the pairs spread from Jaccard 1 down to ~0.1. Some also
get a copy that differs only in case, punctuation and spacing (an exact duplicate after normalization). The true
Jaccard of any two documents is computed exactly from their shingle sets, never estimated.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from stages.dedup.shingles import normalize, shingle

CHAR_LANGS = frozenset({"zh"})


def _word_chunks(text: str, size: int, limit: int) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + size]) for i in range(0, len(words) - size + 1, size)][:limit]


def base_documents(shared_data: Path, per_source: int = 150) -> list[tuple[str, str]]:
    """(text, language) of real documents: Shakespeare, Wikipedia and C4 (English), lingua sentences (Chinese)."""
    shakespeare = (shared_data / "dedup/tinyshakespeare/input.txt").read_text(encoding="utf-8")
    wiki = (shared_data / "dedup/llama-factory/wiki_demo.txt").read_text(encoding="utf-8")
    c4_lines = (shared_data / "quality/llama-factory/c4_demo.jsonl").read_text(encoding="utf-8").splitlines()
    c4 = [json.loads(line)["text"] for line in c4_lines]
    zh_sentences = (shared_data / "langid/lingua/language-testdata/sentences/zh.txt").read_text(encoding="utf-8")
    zh_lines = zh_sentences.splitlines()
    docs = [(t, "en") for t in _word_chunks(shakespeare, 250, per_source)]
    docs += [(t, "en") for t in _word_chunks(wiki, 300, per_source)]
    docs += [(t, "en") for t in c4 if len(t.split()) >= 80][:per_source]
    docs += [("".join(zh_lines[i : i + 10]), "zh") for i in range(0, len(zh_lines) - 9, 10)]
    return docs


def edit(text: str, language: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    """Substitute, delete or insert units (words; characters for Chinese) at `rate` per unit."""
    units = list(text) if language == "zh" else text.split(" ")
    out: list[str] = []
    for unit in units:
        if rng.random() >= rate:
            out.append(unit)
            continue
        op = rng.random()
        if op < 0.5:
            out.append(rng.choice(vocabulary))
        elif op < 0.75:
            continue
        else:
            out += [unit, rng.choice(vocabulary)]
    return ("" if language == "zh" else " ").join(out)


def surface_variant(text: str) -> str:
    """The same text after normalization: other case, punctuation and spacing."""
    return re.sub(r"\s+", "  ", text.upper()).replace(".", " !").strip() + " ..."


def build_corpus(shared_data: Path, seed: int = 7) -> list[dict]:
    """Records with id, text, language, base (index of the real document it derives from)."""
    rng = random.Random(seed)
    bases = base_documents(shared_data)
    en_vocab = sorted({w for t, lang in bases if lang == "en" for w in t.split()[:50]})
    zh_vocab = sorted({c for t, lang in bases if lang == "zh" for c in t})
    records = []
    for number, (text, language) in enumerate(bases):
        vocab = zh_vocab if language == "zh" else en_vocab
        records.append({"id": f"doc{number}-orig", "text": text, "language": language, "base": number})
        # one light edit (Jaccard ~0.75-1, around the 0.8 line) and one heavy (~0.1-0.75)
        for kind, rate in (("light", rng.uniform(0.0, 0.025)), ("heavy", rng.uniform(0.03, 0.25))):
            variant = edit(text, language, rate, rng, vocab)
            records.append({"id": f"doc{number}-{kind}", "text": variant, "language": language, "base": number})
        if number % 12 == 0:
            copy = surface_variant(text)
            records.append({"id": f"doc{number}-copy", "text": copy, "language": language, "base": number})
    rng.shuffle(records)
    return records


class Truth:
    """Exact 5-gram Jaccard between any two records (word 5-grams; character 5-grams for Chinese)."""

    def __init__(self, records: list[dict]):
        self.sets = {r["id"]: frozenset(shingle(r["text"], r["language"], 5, 5, CHAR_LANGS)[0]) for r in records}
        self.normalized = {r["id"]: normalize(r["text"]) for r in records}

    def jaccard(self, a: str, b: str) -> float:
        sa, sb = self.sets[a], self.sets[b]
        return len(sa & sb) / len(sa | sb) if sa or sb else 1.0
