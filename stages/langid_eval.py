"""Measure a language ID backend on labelled text: accuracy overall and per language, confusions, docs/s.

Input is a TSV of `label<TAB>text` lines (ISO 639-1 or 639-3 labels; an optional `label<TAB>text` header). Gold
labels and predictions are both mapped to canonical codes (stages.langid_codes), so `eng` matches `en`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.langid_backends import LangIdBackend, Prediction
from stages.langid_codes import canonical_language


@dataclass(frozen=True)
class LabelledText:
    label: str  # canonical code
    text: str


def parse_tsv(lines: list[str], source: str = "<tsv>") -> list[LabelledText]:
    """`label<TAB>text` lines -> samples; blank lines skipped, a `label<TAB>text` header allowed.

    The text is everything after the first tab (tabs inside it are kept), so no quoting rules apply.
    """
    samples = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or not label.strip():
            raise ValueError(f"{source}:{number}: expected `label<TAB>text`, got {line[:60]!r}")
        if number == 1 and label.strip().lower() == "label" and text.strip().lower() == "text":
            continue
        samples.append(LabelledText(canonical_language(label), text))
    return samples


def read_tsv(path: str | Path) -> list[LabelledText]:
    path = Path(path)
    return parse_tsv(path.read_text(encoding="utf-8").splitlines(), str(path))


@dataclass
class LangIdReport:
    backend: str
    n: int
    correct: int
    seconds: float  # wall clock, predictions only
    cpu_seconds: float  # CPU time of this process over the same span
    per_language: dict[str, dict[str, float]]  # gold language -> n, correct, accuracy
    confusions: list[dict[str, Any]]  # most frequent (gold, predicted) mistakes
    not_in_model: list[str]  # gold languages the backend can never answer
    extra: dict[str, Any] = field(default_factory=dict)
    predictions: list[Prediction] = field(default_factory=list, repr=False)  # per sample, for further analysis

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def macro_accuracy(self) -> float:
        """Mean of per-language accuracies: every language counts the same however many samples it has."""
        values = [row["accuracy"] for row in self.per_language.values()]
        return sum(values) / len(values) if values else 0.0

    @property
    def docs_per_s(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    @property
    def docs_per_cpu_s(self) -> float:
        return self.n / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "accuracy": self.accuracy,
            "macro_accuracy": self.macro_accuracy,
            "n": self.n,
            "correct": self.correct,
            "docs_per_s": self.docs_per_s,
            "seconds": self.seconds,
            "docs_per_cpu_s": self.docs_per_cpu_s,
            "cpu_seconds": self.cpu_seconds,
            "per_language": self.per_language,
            "confusions": self.confusions,
            "not_in_model": self.not_in_model,
            **self.extra,
        }


def evaluate(backend: LangIdBackend, samples: list[LabelledText], top_confusions: int = 10) -> LangIdReport:
    """Predict every sample once (timed, predictions only) and tally the results."""
    started, cpu_started = time.perf_counter(), time.process_time()
    predictions = [backend.predict(sample.text) for sample in samples]
    seconds = time.perf_counter() - started
    # CPU time too: on a busy machine wall-clock docs/s mostly measures the neighbours, CPU docs/s the backend.
    cpu_seconds = time.process_time() - cpu_started
    predicted = [p.language for p in predictions]
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    mistakes: Counter[tuple[str, str]] = Counter()
    for sample, guess in zip(samples, predicted, strict=True):
        totals[sample.label] += 1
        if guess == sample.label:
            hits[sample.label] += 1
        else:
            mistakes[(sample.label, guess)] += 1
    per_language = {
        lang: {"n": totals[lang], "correct": hits[lang], "accuracy": hits[lang] / totals[lang]}
        for lang in sorted(totals)
    }
    confusions = [
        {"gold": gold, "predicted": guess, "count": count}
        for (gold, guess), count in mistakes.most_common(top_confusions)
    ]
    known = backend.languages()
    extra = {"lingua_calls": backend.lingua_calls} if hasattr(backend, "lingua_calls") else {}
    return LangIdReport(
        backend=backend.name,
        n=len(samples),
        correct=sum(hits.values()),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        per_language=per_language,
        confusions=confusions,
        not_in_model=sorted(lang for lang in totals if lang not in known),
        extra=extra,
        predictions=predictions,
    )


def format_report(report: LangIdReport) -> str:
    """Plain-text report for the terminal."""
    lines = [
        f"backend: {report.backend}   documents: {report.n:,}   docs/s: {report.docs_per_s:,.0f}"
        f" (per CPU-second: {report.docs_per_cpu_s:,.0f})",
        f"accuracy: {report.accuracy:.4f}   macro accuracy (mean over languages): {report.macro_accuracy:.4f}",
    ]
    if "lingua_calls" in report.extra:
        lines.append(f"lingua asked for: {report.extra['lingua_calls']:,} of {report.n:,} documents")
    if report.not_in_model:
        lines.append(f"languages the model cannot output: {', '.join(report.not_in_model)}")
    lines += ["", "language       n  accuracy"]
    lines += [f"{lang:<8} {row['n']:>7,}  {row['accuracy']:.4f}" for lang, row in report.per_language.items()]
    if report.confusions:
        lines += ["", "top confusions (gold -> predicted: count)"]
        lines += [f"{c['gold']} -> {c['predicted']}: {c['count']:,}" for c in report.confusions]
    return "\n".join(lines)
