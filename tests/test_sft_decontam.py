"""Decontamination against the benchmark files in shared_data/eval: positives are benchmark questions hidden in
SFT records (wrapped in other text, renumbered, with a word or character removed), negatives are real SFT sets
that contain none. Precision and recall are printed (pytest -s) and held above floors."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.decontam import DecontamConfig
from stages.sft.decontam import BenchmarkIndex, decontaminate, question_text, words
from stages.sft.io import read_rows

# benchmark folder under eval/ -> questions sampled as positives
SAMPLES = {
    "gsm8k": 60,
    "math": 40,
    "math500": 40,
    "humaneval": 20,
    "mbpp": 20,
    "gpqa": 20,
    "limo/aime": 10,
    "limo/gaokao": 20,
    "limo/kaoyan": 20,
    "limo/cn_math_2024": 10,
}
NEGATIVE_FILES = ["alpaca_en_demo.json", "alpaca_zh_demo.json", "identity.json"]


def _questions(shared_data: Path, folder: str) -> list[str]:
    files = [
        p for p in sorted((shared_data / "eval" / folder).iterdir()) if not p.name.startswith(("train", "LICENSE"))
    ]
    return [question_text(item.row) for item in read_rows(str(files[0]))]


def _renumber(text: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda m: str(int(m[0]) + rng.randint(1, 9)), text)


def _drop_one(text: str, rng: random.Random) -> str:
    """Remove one word (or, for Chinese, one character) from the middle of the text."""
    if re.search(r"[\u4e00-\u9fff]", text):
        spots = [m.start() for m in re.finditer(r"[\u4e00-\u9fff]", text)]
        i = spots[len(spots) // 2 + rng.randint(-2, 2) if len(spots) > 5 else 0]
        return text[:i] + text[i + 1 :]
    parts = text.split(" ")
    if len(parts) > 4:
        del parts[len(parts) // 2 + rng.randint(-2, 2)]
    return " ".join(parts)


VARIANTS = ("wrapped", "renumbered", "word_dropped", "renumbered_word_dropped")


def _variant(question: str, k: int, rng: random.Random) -> str:
    kind = k % 4
    if kind == 0:
        return f"Answer the following question.\n\n{question}"
    if kind == 1:
        return _renumber(question, rng)
    if kind == 2:
        return "Solve step by step: " + _drop_one(question, rng)
    return _drop_one(_renumber(question, rng), rng) + "\nPut the final answer in a box."


@pytest.fixture(scope="module")
def labelled_set(shared_data: Path, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A JSONL Alpaca file of positives (id pos-BENCH-i) and negatives (id neg-i); returns it and the truth."""
    rng = random.Random(5)
    rows, truth = [], {}
    for folder, count in SAMPLES.items():
        questions = _questions(shared_data, folder)
        for k, question in enumerate(rng.sample(questions, count)):
            rid = f"pos-{folder}-{k}-{VARIANTS[k % 4]}"
            rows.append({"id": rid, "instruction": _variant(question, k, rng), "input": "", "output": "..."})
            truth[rid] = folder.split("/")[-1]
    for name in NEGATIVE_FILES:
        for i, row in enumerate(json.loads((shared_data / "sft/llama-factory" / name).read_text())):
            rows.append({"id": f"neg-{name}-{i}", **row})
    path = tmp_path_factory.mktemp("decontam") / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path, truth


def test_precision_and_recall_on_hidden_benchmark_questions(shared_data: Path, tmp_path: Path, labelled_set):
    path, truth = labelled_set
    result, summary = decontaminate(str(path), [str(shared_data / "eval")], tmp_path)
    removed = {json.loads(line)["id"]: json.loads(line)["match"] for line in (tmp_path / "rejected.jsonl").open()}
    true_pos = [rid for rid in removed if rid in truth]
    false_pos = [rid for rid in removed if rid not in truth]
    recall = len(true_pos) / len(truth)
    precision = len(true_pos) / len(removed)

    def recall_by(label) -> dict[str, float]:
        groups = {label(r) for r in truth}
        return {
            g: round(sum(label(r) == g for r in true_pos) / sum(label(r) == g for r in truth), 3)
            for g in sorted(groups)
        }

    print(
        f"\ndecontamination: recall {recall:.3f} ({len(true_pos)}/{len(truth)}), precision {precision:.3f} "
        f"({len(false_pos)} false positives in {result.total - len(truth)} negatives)\n"
        f"recall by benchmark {recall_by(lambda r: truth[r])}\n"
        f"recall by edit {recall_by(lambda r: r.rsplit('-', 1)[1])}"
    )
    # the right benchmark is named (MATH-500 is a subset of MATH, so either may claim its problems)
    same = {"math": {"math", "math500"}, "math500": {"math", "math500"}}
    assert all(removed[r]["benchmark"] in same.get(truth[r], {truth[r]}) for r in true_pos)
    assert recall >= 0.9 and precision >= 0.98
    assert summary["removed"] == len(removed) and result.converted == result.total - len(removed)


def test_gsm8k_train_against_test_stays_at_the_known_overlap(shared_data: Path):
    index = BenchmarkIndex.from_paths([str(shared_data / "eval/gsm8k/test.jsonl")])
    train = [item.row["question"] for item in read_rows(str(shared_data / "eval/gsm8k/train.jsonl"))]
    flagged = [q for q in train if index.match([q])]
    rate = len(flagged) / len(train)
    print(f"\nGSM8K train flagged against GSM8K test: {len(flagged)}/{len(train)} = {rate:.3%}")
    # the few flagged ones are the known near-duplicates: test problems with new names and numbers
    assert rate < 0.002


def test_chinese_questions_tokenize_per_character():
    assert words("已知集合 M={x|-3<x<1}") == ["已", "知", "集", "合", "m", "x", "#", "x", "#"]
    index = BenchmarkIndex(DecontamConfig())
    index.add("gaokao", 0, "已知函数f(x)在区间上单调递增，且满足条件，求实数a的取值范围是多少")
    assert index.match(["请回答：已知函数f(x)在区间上单调递增，且满足条件，求实数b的取值范围是多少"]) is not None
    assert index.match(["今天天气很好，我们去公园散步吧，顺便买一些水果回家"]) is None


def test_cli_decontaminate(shared_data: Path, tmp_path: Path):
    source = tmp_path / "sft.jsonl"
    gsm = next(read_rows(str(shared_data / "eval/gsm8k/test.jsonl"))).row["question"]
    source.write_text(
        json.dumps({"messages": [{"role": "user", "content": gsm}, {"role": "assistant", "content": "18"}]})
        + "\n"
        + json.dumps(
            {"messages": [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello"}]}
        )
        + "\n"
    )
    bench = str(shared_data / "eval/gsm8k/test.jsonl")
    result = CliRunner().invoke(app, ["decontaminate", str(source), "--benchmarks", bench, "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "contaminated: gsm8k" in result.output
    kept = (tmp_path / "o" / "sft.jsonl").read_text().splitlines()
    assert len(kept) == 1 and "Hello" in kept[0]
    report = json.loads((tmp_path / "o" / "decontamination.json").read_text())
    assert report["removed_by_benchmark"] == {"gsm8k": 1}
