"""The trainable quality classifier: input formats, metrics, held-out accuracy on human labels, CLI, pipeline step."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document
from pydantic import ValidationError
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.quality import QualityConfig
from stages.quality_classifier import (
    REJECT_REASON,
    SCORE_KEY,
    QualityClassifier,
    accuracy,
    hq_probability,
    normalize_text,
    read_documents,
    roc_auc,
    train_classifier,
)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dclm(shared_data: Path) -> dict[str, list[dict]]:
    majority = _jsonl(shared_data / "quality" / "dclm" / "majority_data.jsonl")
    agreement = _jsonl(shared_data / "quality" / "dclm" / "agreement_data.jsonl")
    agreed = {row["text"] for row in agreement}
    # Every agreement page is also in majority_data (same label): hold it out, or the test set is training data.
    assert agreed <= {row["text"] for row in majority}
    return {"train": [row for row in majority if row["text"] not in agreed], "test": agreement}


@pytest.fixture(scope="module")
def dclm_model(dclm):
    train = dclm["train"]
    return train_classifier([r["text"] for r in train if r["label"]], [r["text"] for r in train if not r["label"]])


@pytest.fixture(scope="module")
def cs336(shared_data: Path) -> Path:
    return shared_data / "quality" / "cs336"


def test_normalize_text_is_one_lowercase_line() -> None:
    assert normalize_text("  Hello\nWORLD\t\n\n again ") == "hello world again"


def test_read_documents_formats(tmp_path: Path, cs336: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"text": "one", "label": 1}\n\n{"text": "two"}\n', encoding="utf-8")
    assert read_documents(jsonl) == ["one", "two"]
    (tmp_path / "b.txt").write_text("first doc\nstill first\n\n  \nsecond doc\n", encoding="utf-8")
    assert read_documents(tmp_path / "b.txt") == ["first doc\nstill first", "second doc"]
    (tmp_path / "c.txt").write_text("line one\nline two\n", encoding="utf-8")
    assert read_documents(tmp_path / "c.txt") == ["line one", "line two"]
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{"body": "no text"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2: no string field 'text'"):
        read_documents(tmp_path / "bad.jsonl")
    # cs336: an encyclopedia page in blank-line-separated blocks, a forum page one line per item.
    assert len(read_documents(cs336 / "high_quality_wiki_reference.txt")) == 115
    assert len(read_documents(cs336 / "low_quality_cc.txt")) == 12


def test_metrics() -> None:
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert roc_auc([0.5, 0.5], [0, 1]) == 0.5  # ties count half
    assert accuracy([0.2, 0.6, 0.5], [0, 1, 0]) == pytest.approx(2 / 3)


def test_dclm_held_out(dclm, dclm_model) -> None:
    scores = [hq_probability(dclm_model, r["text"]) for r in dclm["test"]]
    labels = [r["label"] for r in dclm["test"]]
    # Measured: accuracy 0.772 (always-good baseline 0.541), AUC 0.846; across the settings tried in
    # bench/classifier_bench.py AUC ranged 0.775-0.856, so these floors catch a broken model, not noise.
    assert accuracy(scores, labels) >= 0.70
    assert roc_auc(scores, labels) >= 0.78


def test_cs336_transfer_and_in_domain(dclm_model, cs336: Path) -> None:
    good = read_documents(cs336 / "high_quality_wiki_reference.txt")
    bad = read_documents(cs336 / "low_quality_cc.txt")
    # The DCLM-trained model has never seen this text: measured AUC 0.858, whole pages 0.953 vs 0.605.
    scores = [hq_probability(dclm_model, text) for text in good + bad]
    assert roc_auc(scores, [1] * len(good) + [0] * len(bad)) >= 0.78
    page = {
        name: hq_probability(dclm_model, (cs336 / name).read_text(encoding="utf-8"))
        for name in ("high_quality_wiki_reference.txt", "low_quality_cc.txt")
    }
    assert page["high_quality_wiki_reference.txt"] > page["low_quality_cc.txt"]
    # In-domain: train on alternate documents, test on the others (57 good, 6 bad): measured AUC 0.822.
    model = train_classifier(good[0::2], bad[0::2])
    test_good, test_bad = good[1::2], bad[1::2]
    scores = [hq_probability(model, text) for text in test_good + test_bad]
    assert roc_auc(scores, [1] * len(test_good) + [0] * len(test_bad)) >= 0.7


def test_cli_train_then_pipeline_step(tmp_path: Path, cs336: Path) -> None:
    model = tmp_path / "model.bin"
    args = ["quality", "train", "--positive", str(cs336 / "high_quality_wiki_reference.txt")]
    args += ["--negative", str(cs336 / "low_quality_cc.txt"), "--output", str(model), "--epoch", "10"]
    args += ["--lr", "0.5", "--wordNgrams", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "115 positive and 12 negative" in result.stdout and model.is_file()

    texts = read_documents(cs336 / "high_quality_wiki_reference.txt")[:5] + read_documents(
        cs336 / "low_quality_cc.txt"
    )
    docs = [Document(text=t, id=str(i), metadata={}) for i, t in enumerate(texts)]
    out = tmp_path / "run"
    step = QualityClassifier(str(out), str(model), threshold=0.5, compression="none")
    kept = list(step.run(iter(docs)))
    scores = {d.id: d.metadata[SCORE_KEY] for d in docs}  # every document scored, kept or not
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    assert {d.id for d in kept} == {i for i, s in scores.items() if s >= 0.5}
    rejected = pq.read_table(out / "rejected" / "quality_classifier-00000.parquet").to_pylist()
    assert {r["id"] for r in rejected} == {i for i, s in scores.items() if s < 0.5}
    assert kept and rejected  # both outcomes happen on text the model was trained on
    assert {(r["stage"], r["reason"]) for r in rejected} == {("quality_classifier", REJECT_REASON)}

    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    args = [
        "quality",
        "train",
        "--positive",
        str(cs336 / "low_quality_cc.txt"),
        "--negative",
        str(tmp_path / "empty.txt"),
    ]
    result = CliRunner().invoke(app, [*args, "--output", str(tmp_path / "x.bin")])
    assert result.exit_code == 2 and "need examples of both classes" in result.output

    unthresholded = QualityClassifier(str(tmp_path / "run2"), str(model))
    assert len(list(unthresholded.run(iter([Document(text=t, id=str(i)) for i, t in enumerate(texts)])))) == len(texts)
    with pytest.raises(FileNotFoundError, match="quality classifier model not found"):
        QualityClassifier(str(out), str(tmp_path / "missing.bin"))


def test_quality_config_classifier_fields() -> None:
    config = QualityConfig(classifier="model.bin", classifier_threshold=0.3)
    assert (config.classifier, config.classifier_threshold) == ("model.bin", 0.3)
    assert QualityConfig().classifier is None and QualityConfig().classifier_threshold is None
    with pytest.raises(ValidationError):
        QualityConfig(classifier_threshold=1.5)
    with pytest.raises(ValidationError):
        QualityConfig(classifer="typo.bin")  # extra keys stay forbidden
