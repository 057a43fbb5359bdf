"""A trainable fastText quality classifier (DCLM style): train from good and bad examples, score every document.

DCLM trains fastText on `__label__hq` (good) vs `__label__cc` (random crawl) lines and keeps documents by the
probability of the good label; we use `__label__hq` / `__label__lq`. Text is lower-cased and put on one line
before training *and* scoring, so both see the same tokens (fastText reads one example per line and is
case-sensitive; lower-casing lets a few hundred examples generalise further).
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from stages.sinks import RejectSink

HQ_LABEL = "__label__hq"
LQ_LABEL = "__label__lq"
SCORE_KEY = "quality_classifier_score"
REJECT_REASON = "classifier_below_threshold"

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def normalize_text(text: str) -> str:
    """Lower-case, all whitespace (newlines included) collapsed to single spaces: one fastText example per line."""
    return " ".join(text.lower().split())


def read_documents(path: str | Path, text_key: str = "text") -> list[str]:
    """Documents of a training file: JSONL with a `text_key` field, else plain text.

    Plain text is one document per blank-line-separated block when the file has blank lines (a page split into
    paragraphs), otherwise one document per line.
    """
    path = Path(path)
    content = path.read_text(encoding="utf-8")
    first = next((line for line in content.splitlines() if line.strip()), "")
    if path.suffix == ".jsonl" or first.lstrip().startswith("{"):
        return _read_jsonl(content, text_key, str(path))
    blocks = _BLANK_LINE.split(content) if _BLANK_LINE.search(content) else content.splitlines()
    return [block.strip() for block in blocks if block.strip()]


def _read_jsonl(content: str, text_key: str, source: str) -> list[str]:
    texts = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{source}:{number}: invalid JSON ({err.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get(text_key), str):
            raise ValueError(f"{source}:{number}: no string field {text_key!r}")
        if record[text_key].strip():
            texts.append(record[text_key])
    return texts


@dataclass(frozen=True)
class TrainParams:
    """fastText supervised settings. Defaults measured on DCLM's few hundred human-labelled pages (see
    bench/RESULTS.md "Quality classifier"); bucket and dim are kept small so a model is tens of MB, not GBs."""

    epoch: int = 25
    lr: float = 1.0
    word_ngrams: int = 2
    dim: int = 64
    min_count: int = 1
    bucket: int = 200_000
    seed: int = 0
    threads: int = 1  # one thread: fastText's Hogwild updates make multi-threaded training non-deterministic


def train_classifier(
    positive: list[str], negative: list[str], output: str | Path | None = None, params: TrainParams | None = None
):
    """Train on positive (`hq`) and negative (`lq`) texts; save to `output` when given; return the fastText model."""
    import fasttext

    if not positive or not negative:
        raise ValueError(f"need examples of both classes (got {len(positive)} positive, {len(negative)} negative)")
    params = params or TrainParams()
    rows = [f"{HQ_LABEL} {normalize_text(t)}" for t in positive] + [
        f"{LQ_LABEL} {normalize_text(t)}" for t in negative
    ]
    random.Random(params.seed).shuffle(rows)  # mixed classes: SGD sees no long single-label runs
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(rows) + "\n")
    try:
        model = fasttext.train_supervised(
            input=handle.name,
            epoch=params.epoch,
            lr=params.lr,
            wordNgrams=params.word_ngrams,
            dim=params.dim,
            minCount=params.min_count,
            bucket=params.bucket,
            seed=params.seed,
            thread=params.threads,
            loss="softmax",
            verbose=0,
        )
    finally:
        os.unlink(handle.name)
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        model.save_model(str(output))
    return model


def hq_probability(model, text: str) -> float:
    """Probability of `__label__hq` for one document."""
    labels, probs = model.predict(normalize_text(text), k=2)
    scores = dict(zip(labels, probs, strict=True))
    if HQ_LABEL in scores:
        return min(max(float(scores[HQ_LABEL]), 0.0), 1.0)
    return min(max(1.0 - float(scores.get(LQ_LABEL, 0.0)), 0.0), 1.0)


def load_model(path: str | Path):
    from fasttext.FastText import _FastText

    return _FastText(str(path))  # the class behind fasttext.load_model, without its stderr warning


def accuracy(scores: list[float], labels: list[int], threshold: float = 0.5) -> float:
    return sum((s >= threshold) == bool(y) for s, y in zip(scores, labels, strict=True)) / len(labels)


def roc_auc(scores: list[float], labels: list[int]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative (ties count half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties (Mann-Whitney U)
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        raise ValueError("AUC needs both classes")
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


class QualityClassifier(BaseFilter):
    """Store `metadata["quality_classifier_score"]` (probability of good quality) on every document; with a
    threshold, reject documents below it as `classifier_below_threshold`.

    Args:
        output_folder: run output folder; rejected documents go to `rejected/quality_classifier-{rank}.parquet`.
        model: path to a model from `refinery quality train` (any fastText model with `__label__hq`).
        threshold: minimum score to keep; None only scores.
        compression: Parquet codec for the rejected file.
    """

    name = "🎯 Quality classifier"

    def __init__(self, output_folder: str, model: str, threshold: float | None = None, compression: str = "zstd"):
        super().__init__(exclusion_writer=RejectSink(output_folder, "quality_classifier", compression))
        self.model_path = os.path.expanduser(model)
        if not os.path.isfile(self.model_path):  # fail when the chain is built, before any task starts
            raise FileNotFoundError(f"quality classifier model not found: {self.model_path}")
        self.threshold = threshold

    @cached_property
    def model(self):
        # Loaded on first use inside the task: fastText models cannot be pickled to worker processes.
        return load_model(self.model_path)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        score = hq_probability(self.model, doc.text)
        doc.metadata[SCORE_KEY] = score
        if self.threshold is not None and score < self.threshold:
            return False, REJECT_REASON
        return True
