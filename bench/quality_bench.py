"""Benchmark language ID + heuristic quality rules: datatrove's filters vs refinery's stages, same documents.

datatrove side: ``LanguageFilter`` -> ``GopherRepetitionFilter`` -> ``GopherQualityFilter`` ->
``C4QualityFilter(filter_no_terminal_punct=False)`` -> ``FineWebQualityFilter`` (FineWeb's order and settings).
refinery side: ``LanguageTagger`` -> ``QualityFilter`` with the default ``QualityConfig``, as the curate flow
builds them. Both read the same local fastText model (datatrove's ``FT176LID.MODEL_URL`` is pointed at it) and
both run as the datatrove steps' ``run`` generators chained, each side in its own process pinned to one core,
so the peak RSS is per side. Dropped documents are recorded instead of written.

The documents (``build_corpus``) are real text from ``<data>`` (``--data``, else ``$REFINERY_SHARED_DATA``,
else ``../shared/data``); every document is distinct, so no side profits from repeats.

    .venv/bin/python bench/quality_bench.py                    # print the tables
    .venv/bin/python bench/quality_bench.py --write-results    # also update bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `stages` importable without an install
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import cpu_model, shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402

RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
SECTION_TITLE = "## Quality and language ID"
TARGET_RATIO = 8.0  # issue 4, point 1: refinery's docs/s per core over datatrove's
SENTENCES = Path("langid/lingua/language-testdata/sentences")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# --------------------------------------------------------------------------------------------- data


def _jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


def _groups(items: list[str], size: int, sep: str) -> list[str]:
    return [sep.join(items[i : i + size]) for i in range(0, len(items), size)]


def build_corpus(data: Path) -> list[tuple[str, str]]:
    """(source, text) pairs, all texts distinct; see ``SOURCES`` in the results for the mix."""
    docs: list[tuple[str, str]] = []
    quality = data / "quality"
    web = [quality / "llama-factory/c4_demo.jsonl", quality / "dclm/majority_data.jsonl"]
    web += [quality / "dclm/agreement_data.jsonl", *sorted((quality / "dolma").glob("*.jsonl"))]
    web += sorted((quality / "data-juicer").glob("*.jsonl"))
    docs += [("web (c4, dclm, dolma, data-juicer)", r["text"]) for path in web for r in _jsonl(path)]
    # Wikipedia articles (one per line) cut into ~2.5 KB documents of 4-sentence lines.
    for article in (data / "dedup/llama-factory/wiki_demo.txt").read_text(encoding="utf-8").splitlines():
        lines = _groups(_SENTENCE_END.split(article.strip()), 4, " ")
        docs += [("wikipedia", "\n".join(lines[i : i + 6])) for i in range(0, len(lines), 6)]
    plays = (data / "dedup/tinyshakespeare/input.txt").read_text(encoding="utf-8").split("\n\n")
    docs += [("shakespeare", text) for text in _groups(plays, 12, "\n\n")]
    dialogues = _jsonl(data / "sft/hh-rlhf/harmless-base/test.jsonl.gz")
    docs += [("hh-rlhf dialogues", r["chosen"].strip()) for r in dialogues]
    for split in ("train", "test"):
        docs += [("gsm8k", f"{r['question']}\n\n{r['answer']}") for r in _jsonl(data / f"eval/gsm8k/{split}.jsonl")]
    docs += [("MATH", f"{r['problem']}\n\n{r['solution']}") for r in _jsonl(data / "eval/math/test.jsonl")]
    for lang in ("en", "zh"):
        records = json.loads((data / f"sft/llama-factory/alpaca_{lang}_demo.json").read_text(encoding="utf-8"))
        answers = [f"{r['instruction']}\n{r['output']}" for r in records]
        docs += [(f"alpaca {lang}", text) for text in _groups(answers, 3, "\n\n")]
    # lingua's Leipzig sentences, 10 per document, every language it has (zh included).
    for path in sorted((data / SENTENCES).glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs += [("lingua sentences (75 languages)", text) for text in _groups(lines, 10, "\n")]
    seen: set[str] = set()
    unique = []
    for source, text in docs:
        if text.strip() and text not in seen:
            seen.add(text)
            unique.append((source, text))
    return unique


def select(corpus: list[tuple[str, str]], limit: int | None) -> list[tuple[str, str]]:
    """An evenly spread subset of ``limit`` documents (all sources), or everything."""
    if not limit or limit >= len(corpus):
        return corpus
    return corpus[:: len(corpus) // limit][:limit]


# --------------------------------------------------------------------------------------------- sides


class _Recorder:
    """Stands in for a filter's exclusion writer: remembers why each document was dropped."""

    def __init__(self, stage: str, drops: dict[str, tuple[str, str | None]]) -> None:
        self.stage, self.drops = stage, drops

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def write(self, doc, rank: int = 0) -> None:
        self.drops[doc.id] = (self.stage, doc.metadata.get("filter_reason"))


SIDES = ("datatrove", "refinery", "refinery-english")


def _steps(side: str, model_path: str, languages: list[str] | None, threshold: float, tmp: str) -> list:
    if side == "datatrove":
        from datatrove.pipeline.filters import (
            C4QualityFilter,
            FineWebQualityFilter,
            GopherQualityFilter,
            GopherRepetitionFilter,
            LanguageFilter,
        )
        from datatrove.utils.lid import FT176LID

        FT176LID.MODEL_URL = model_path  # a local path: datatrove copies it into its cache, no download
        return [
            ("language", LanguageFilter(languages=languages, language_threshold=threshold)),
            ("quality", GopherRepetitionFilter()),
            ("quality", GopherQualityFilter()),
            ("quality", C4QualityFilter(filter_no_terminal_punct=False)),
            ("quality", FineWebQualityFilter()),
        ]
    from schemas.quality import QualityConfig
    from stages.language import LanguageTagger
    from stages.quality.step import QualityFilter

    # "refinery-english": every document scored with English words and the global thresholds, as datatrove's
    # filters are (quality.by_language: false), so that all documents, not only English ones, compare like for like.
    config = QualityConfig(by_language=side != "refinery-english")
    return [
        ("language", LanguageTagger(tmp, model=model_path, languages=languages, threshold=threshold)),
        ("quality", QualityFilter(tmp, config)),
    ]


def _load_language_resources(side: str, corpus: list[tuple[str, str]], model_path: str) -> tuple[float, int]:
    """Load refinery's per-language tokenizers (spaCy per language, jieba) before timing, as a long run has
    them loaded once; returns the CPU seconds it took. datatrove's filters use English for every document, which
    the warm-up already loaded. No document text is tokenized, so no cache is warmed."""
    if side != "refinery":
        return 0.0, 0
    from stages.language import LocalFastTextLID
    from stages.quality.text_units import text_units_for

    languages = {top[0] for top in LocalFastTextLID(model_path).predict_top([text for _, text in corpus]) if top}
    start = time.process_time()
    for language in sorted(languages):
        text_units_for(language).words("warm up")
    return time.process_time() - start, len(languages)


def _group_key(source: str, label: str) -> str:
    return f"{source}\t{'en' if label == 'en' else 'other'}"


def _totals(res: dict, keep) -> tuple[int, float]:
    """(documents, CPU seconds) over the timed groups whose (source, language group) pass ``keep``."""
    groups = [g for g in res["group_counts"] if keep(*g.split("\t"))]
    return sum(res["group_counts"][g] for g in groups), sum(res["seconds"][g] for g in groups)


def run_side(side: str, data: Path, model_path: str, languages: list[str] | None, threshold: float, limit: int | None):
    from datatrove.data import Document

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    corpus = select(build_corpus(data), limit)
    drops: dict[str, tuple[str, str | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        steps = _steps(side, model_path, languages, threshold, tmp)
        for stage, step in steps:
            step.exclusion_writer = _Recorder(stage, drops)

        def chain(items: list[tuple[str, str]]) -> list:
            docs: Iterator = (Document(text=text, id=doc_id) for doc_id, text in items)
            for _, step in steps:
                docs = step.run(docs)
            return list(docs)

        # Warm-up (model and tokenizer loading) on text outside the corpus.
        warm = "The committee met on Tuesday to discuss the budget. It agreed to publish the minutes next week."
        chain([(f"warm-{i}", "\n".join([warm] * (i + 1))) for i in range(3)])
        drops.clear()
        load_seconds, n_languages = _load_language_resources(side, corpus, model_path)
        # Timed per source and, within it, English vs other documents (fastText's top label, the same on both
        # sides), so that the English ratio (identical rules) can be told apart from the rest.
        labels = _language_labels(corpus, model_path)
        by_group: dict[str, list[tuple[str, str]]] = {}
        for i, ((source, text), label) in enumerate(zip(corpus, labels, strict=True)):
            by_group.setdefault(_group_key(source, label), []).append((str(i), text))
        seconds: dict[str, float] = {}  # CPU seconds of this (single-threaded, one-core) process
        wall: dict[str, float] = {}
        kept: dict[str, dict] = {}
        for group, items in by_group.items():
            start, wall_start = time.process_time(), time.perf_counter()
            out = chain(items)
            seconds[group] = time.process_time() - start
            wall[group] = time.perf_counter() - wall_start
            kept.update({doc.id: {"text": doc.text} for doc in out})
    return {
        "side": side,
        "n_docs": len(corpus),
        "seconds": seconds,
        "wall_seconds": wall,
        "load_seconds": load_seconds,
        "n_languages": n_languages,
        "group_counts": {g: len(items) for g, items in by_group.items()},
        "kept": {k: v["text"] for k, v in kept.items()},
        "drops": drops,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------------------------- compare


def _language_labels(corpus: list[tuple[str, str]], model_path: str) -> list[str]:
    """Top fastText label of every document (what both sides' language stage predicts)."""
    import fasttext

    model = fasttext.load_model(model_path)
    labels, _ = model.predict([text.replace("\n", " ") for _, text in corpus], k=1)
    return [label[0].removeprefix("__label__") for label in labels]


def _at_language(drop: tuple | None) -> bool:
    return drop is not None and drop[0] == "language"


def _same_reason(dt_drop: tuple, rf_drop: tuple) -> bool:
    """Same stage, and the same reason string where datatrove gives one (its LanguageFilter gives none)."""
    return dt_drop[0] == rf_drop[0] and (dt_drop[1] is None or dt_drop[1] == rf_drop[1])


def compare(dt_res: dict, rf_res: dict, labels: list[str]) -> dict:
    n = dt_res["n_docs"]
    rows = {"all": Counter(), "en": Counter(), "other": Counter()}
    reason_pairs: Counter = Counter()
    all_pairs: Counter = Counter()  # every language
    for i in range(n):
        doc_id = str(i)
        group = "en" if labels[i] == "en" else "other"
        dt_drop, rf_drop = (tuple(res["drops"].get(doc_id) or ()) or None for res in (dt_res, rf_res))
        for key in ("all", group):
            row = rows[key]
            row["docs"] += 1
            row["same_decision"] += (dt_drop is None) == (rf_drop is None)
            row["dt_kept"] += dt_drop is None
            row["rf_kept"] += rf_drop is None
            row["same_language_decision"] += _at_language(dt_drop) == _at_language(rf_drop)
            if dt_drop and rf_drop:
                row["both_rejected"] += 1
                row["same_reason"] += _same_reason(dt_drop, rf_drop)
            if dt_drop is None and rf_drop is None:
                row["both_kept"] += 1
                row["same_text"] += dt_res["kept"][doc_id] == rf_res["kept"][doc_id]
        differ = (dt_drop is None) != (rf_drop is None) or (dt_drop and rf_drop and not _same_reason(dt_drop, rf_drop))
        if differ:
            all_pairs[(dt_drop, rf_drop)] += 1
            if group == "en":
                reason_pairs[(dt_drop, rf_drop)] += 1
    return {"rows": rows, "mismatches": reason_pairs.most_common(10), "mismatches_all": all_pairs.most_common(10)}


# --------------------------------------------------------------------------------------------- report


def _machine() -> str:
    cpu = cpu_model(default=platform.processor() or platform.machine())
    return f"nproc={os.cpu_count()}, CPU: {cpu}, Python {platform.python_version()}"


def _met(ok: bool) -> str:
    return "target met" if ok else "target not met"


def render(args, dt_res: dict, rf_res: dict, cmp: dict, model_path: str) -> str:
    dt_s, rf_s = sum(dt_res["seconds"].values()), sum(rf_res["seconds"].values())
    n = dt_res["n_docs"]
    ratio = dt_s / rf_s
    lines = [
        SECTION_TITLE,
        "",
        f"- Command: `{shlex.join(['.venv/bin/python', 'bench/quality_bench.py', *sys.argv[1:]])}`",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {_machine()}; each side in its own process pinned to one core. Speeds are documents per CPU "
        "second of that process (the machine is shared, so wall time is also shown but is noisier). Each side ran "
        f"{len(dt_res['run_seconds'])} times in fresh processes, the sides in turn; figures are from each side's run "
        "with the median CPU time (every run's total is listed; all runs made the same decisions).",
        f"- Versions: datatrove {version('datatrove')}, spacy {version('spacy')}, fasttext model `{model_path}` "
        "for both sides",
        f"- Language stage: languages={args.languages or 'all'}, threshold={args.threshold}; quality: datatrove "
        "defaults (English) vs refinery's default `QualityConfig` (per-language thresholds)",
        f"- Documents: {n} distinct texts from the shared data folder:",
        "",
        "| source | docs | datatrove docs/s | refinery docs/s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    sources = dict.fromkeys(g.split("\t")[0] for g in dt_res["group_counts"])
    for source in sources:
        count, dt_source_s = _totals(dt_res, lambda s, _, source=source: s == source)
        a, b = count / dt_source_s, count / _totals(rf_res, lambda s, _, source=source: s == source)[1]
        lines.append(f"| {source} | {count} | {a:.1f} | {b:.1f} | {b / a:.1f}x |")
    lines += [
        "",
        "### Speed (language ID + Gopher repetition, Gopher quality, C4, FineWeb; one core)",
        "",
        "| side | CPU seconds (median run) | CPU seconds of each run | docs/s per core | wall seconds "
        "| peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {r['side']} | {sum(r['seconds'].values()):.1f} | {_run_seconds(r)} | "
            f"{n / sum(r['seconds'].values()):.1f} | {sum(r['wall_seconds'].values()):.1f} | {r['max_rss_mib']:.0f} |"
            for r in (dt_res, rf_res)
        ),
        "",
        "| documents (by fastText top label) | docs | datatrove docs/s | refinery docs/s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    group_ratios: dict[str, float] = {}
    for name, group in (("English (identical rules)", "en"), ("other languages (refinery's own rules)", "other")):
        count, dt_group_s = _totals(dt_res, lambda _, g, group=group: g == group)
        if count:
            rf_group_s = _totals(rf_res, lambda _, g, group=group: g == group)[1]
            a, b = count / dt_group_s, count / rf_group_s
            lines.append(f"| {name} | {count} | {a:.1f} | {b:.1f} | {b / a:.1f}x |")
            group_ratios[group] = b / a
    en_row = cmp["rows"]["en"]
    en_agreement = en_row["same_decision"] / en_row["docs"] if en_row["docs"] else 0.0
    lines += [
        "",
        f"Target (issue 4, point 1): >= {TARGET_RATIO:.0f}x datatrove's docs/s per core with >= 99.5% identical "
        f"decisions. All documents: {ratio:.1f}x, {_met(ratio >= TARGET_RATIO)}. English documents (the only "
        f"like-for-like comparison, {en_agreement:.2%} identical decisions): {group_ratios.get('en', 0.0):.1f}x, "
        f"{_met(group_ratios.get('en', 0.0) >= TARGET_RATIO and en_agreement >= 0.995)}. Other languages are not "
        "like-for-like: refinery runs each language's tokenizer (jieba for zh), datatrove English rules for all.",
        "",
        f"**refinery / datatrove: {ratio:.1f}x docs/s.** One-time loading is excluded on both sides (fastText model, "
        f"spaCy English, on the datatrove side everything it uses); refinery's loading of the tokenizers of the "
        f"{rf_res['n_languages']} languages fastText found (spaCy per language, jieba) took "
        f"{rf_res['load_seconds']:.1f} CPU s; counted in, refinery runs at {n / (rf_s + rf_res['load_seconds']):.1f} "
        f"docs/s ({dt_s / (rf_s + rf_res['load_seconds']):.1f}x).",
        "",
        "### Decisions",
        "",
        "| documents (by fastText top label) | docs | same keep/drop | kept dt / rf | both rejected "
        "| same stage+reason | both kept | same output text |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"all": "all", "en": "English (identical rules)", "other": "other languages (refinery's own rules)"}
    for key, row in cmp["rows"].items():
        if not row["docs"]:
            continue
        lines.append(
            f"| {names[key]} | {row['docs']} | {row['same_decision'] / row['docs']:.2%} "
            f"| {row['dt_kept']} / {row['rf_kept']} | {row['both_rejected']} | {row['same_reason']} "
            f"| {row['both_kept']} | {row['same_text']} |"
        )
    all_row = cmp["rows"]["all"]
    lines += [
        "",
        f"Language ID alone: {all_row['same_language_decision']}/{all_row['docs']} documents get the same "
        "keep/drop decision at the language stage.",
    ]
    lines += ["", "English mismatches (datatrove drop, refinery drop), most common first: "]
    lines[-1] += ", ".join(f"{a} vs {b}: {c}" for (a, b), c in cmp["mismatches"]) or "none."
    lines += [
        "",
        "Non-English documents are not expected to agree: datatrove's filters apply English rules and spaCy's "
        "English tokenizer to every language, refinery applies each language's tokenizer, stop words and "
        "thresholds (jieba for zh, see `schemas/quality.py`). Their language ID decisions are the same stage on "
        "both sides and are included in the 'all' row.",
    ]
    return "\n".join(lines) + "\n"


def median_run(runs: list[dict]) -> dict:
    """The run with the median total CPU time, with every run's total; all runs must decide alike."""
    for run in runs[1:]:
        if run["drops"] != runs[0]["drops"] or run["kept"] != runs[0]["kept"]:
            raise RuntimeError(f"{run['side']}: runs of the same input gave different decisions")
    ordered = sorted(runs, key=lambda run: sum(run["seconds"].values()))
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["run_seconds"] = [sum(run["seconds"].values()) for run in runs]
    return median


def _run_seconds(res: dict) -> str:
    return ", ".join(f"{seconds:.1f}" for seconds in res["run_seconds"])


def render_like_for_like(dt_res: dict, rf_res: dict, cmp: dict) -> str:
    """The comparison on every document with the same rules: refinery with ``quality.by_language: false``."""
    dt_s, rf_s = sum(dt_res["seconds"].values()), sum(rf_res["seconds"].values())
    n, ratio, row = dt_res["n_docs"], dt_s / rf_s, cmp["rows"]["all"]
    agreement = row["same_decision"] / row["docs"]
    lines = [
        "",
        "### Like for like on every document",
        "",
        "refinery with `quality.by_language: false`, which scores every document with English words and the global "
        "thresholds, as datatrove's filters do by default (the same language stage):",
        "",
        "| side | CPU seconds (median run) | CPU seconds of each run | docs/s per core | ratio | same keep/drop "
        "| kept dt / rf | same stage+reason (both rejected) | same output text (both kept) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| refinery, `by_language: false` | {rf_s:.1f} | {_run_seconds(rf_res)} | {n / rf_s:.1f} | {ratio:.1f}x "
        f"| {agreement:.2%} "
        f"| {row['dt_kept']} / {row['rf_kept']} | {row['same_reason']} / {row['both_rejected']} "
        f"| {row['same_text']} / {row['both_kept']} | {rf_res['max_rss_mib']:.0f} |",
        "",
        f"Target (issue 4, point 1) on all {n} documents: {ratio:.1f}x with {agreement:.2%} identical decisions, "
        f"{_met(ratio >= TARGET_RATIO and agreement >= 0.995 and row['same_reason'] == row['both_rejected'])}.",
    ]
    lines += ["", "Mismatches (datatrove drop, refinery drop), most common first: "]
    lines[-1] += ", ".join(f"{a} vs {b}: {c}" for (a, b), c in cmp["mismatches_all"]) or "none."
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (default: $REFINERY_SHARED_DATA)")
    parser.add_argument("--model", default="lid176-ftz", help="fastText LID model for both sides")
    parser.add_argument("--languages", nargs="*", default=None, help="languages to keep (default: all)")
    parser.add_argument("--threshold", type=float, default=0.65)
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents (quick runs)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fresh processes per side, run in turn; the run with the median CPU time counts (the machine is shared)",
    )
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = (args.data or shared_data_dir()).resolve()
    from stages.language import resolve_model_path

    model_path = resolve_model_path(args.model)
    if args.side:
        result = run_side(args.side, data, model_path, args.languages, args.threshold, args.limit)
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return

    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeat):
            for side in SIDES:  # in turn, so that a busy spell on the shared machine hits every side alike
                out = Path(tmp) / f"{side}-{repeat}.json"
                cmd = [sys.executable, __file__, "--side", side, "--out", str(out), "--data", str(data)]
                cmd += ["--model", model_path, "--threshold", str(args.threshold)]
                cmd += ["--limit", str(args.limit)] if args.limit else []
                cmd += ["--languages", *args.languages] if args.languages else []
                print(f"running {side} ({repeat + 1}/{args.repeat}) ...", file=sys.stderr, flush=True)
                subprocess.run(cmd, check=True)
                runs[side].append(json.loads(out.read_text(encoding="utf-8")))
    results = {side: median_run(side_runs) for side, side_runs in runs.items()}
    labels = _language_labels(select(build_corpus(data), args.limit), model_path)
    cmp = compare(results["datatrove"], results["refinery"], labels)
    cmp_english = compare(results["datatrove"], results["refinery-english"], labels)
    section = render(args, results["datatrove"], results["refinery"], cmp, args.model)
    section += render_like_for_like(results["datatrove"], results["refinery-english"], cmp_english)
    print(section)
    if args.write_results:
        write_section(RESULTS_PATH, SECTION_TITLE, section)
        print(f"wrote {RESULTS_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
