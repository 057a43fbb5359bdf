"""Benchmark the HTML -> text extractors in ``stages.html_text`` on the Zyte article-extraction benchmark.

Data: ``<data>/html/article-extraction-benchmark/`` from github.com/scrapinghub/article-extraction-benchmark
(181 real news pages as ``html/<hash>.html.gz`` plus ``ground-truth.json`` with the gold ``articleBody``).
``<data>`` is ``--data``, else ``$REFINERY_SHARED_DATA``, else ``../shared/data`` next to the repo.

Quality is scored exactly like upstream ``evaluate.py`` (see ``METHOD``) and additionally as a plain
bag-of-words overlap. Speed is pages/s on one pinned core: only the extractor call is timed, HTML is already
decoded, and each extractor gets a warm-up pass first.

    .venv/bin/python bench/extract_bench.py                    # print the tables
    .venv/bin/python bench/extract_bench.py --write-results    # also update bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import re
import shlex
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `stages` importable without an install
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import cpu_model, shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402
from stages.html_text import DEFAULT_EXTRACTOR, EXTRACTORS  # noqa: E402

BENCH_SUBDIR = Path("html") / "article-extraction-benchmark"
RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
SECTION_TITLE = "## HTML extraction"

METHOD = (
    "Scoring follows scrapinghub/article-extraction-benchmark `evaluate.py`: tokens are `\\w+` regex matches "
    "(Unicode, case kept), compared as a multiset of word 4-gram shingles (a text shorter than 4 tokens is "
    "one shingle). Per page TP/FP/FN are the multiset overlap / extra predicted / missed shingles. "
    "**Macro** (upstream headline): TP/FP/FN normalised per page, P = mean page precision over pages with "
    "any predicted shingle, R = mean page recall over pages with any gold shingle, F1 = harmonic mean of "
    "those P and R. **Micro**: raw counts summed over all pages, then P/R/F1. 'Mean page F1' is the "
    "unweighted mean of per-page F1 (0 for an empty output). The 'bag of words' table is the same with "
    "single tokens instead of 4-grams."
)

_TOKEN_RE = re.compile(r"\w+")


# --------------------------------------------------------------------------------------------- data


def load_benchmark(data_dir: Path, limit: int | None = None) -> tuple[list[str], list[str], list[str]]:
    """Return ``(page_ids, html_texts, gold_texts)`` sorted by page id; ``limit`` keeps the first N pages.

    Pages are read as UTF-8 like upstream's extractor runners (all 181 are valid UTF-8).
    """
    bench_dir = data_dir / BENCH_SUBDIR
    gold = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    paths = sorted((bench_dir / "html").glob("*.html.gz"))
    if not paths:
        raise FileNotFoundError(f"no html/*.html.gz pages under {bench_dir}")
    if limit is not None:
        paths = paths[:limit]
    ids, htmls, golds = [], [], []
    for path in paths:
        page_id = path.name.split(".", 1)[0]
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            htmls.append(fh.read())
        ids.append(page_id)
        golds.append(gold[page_id].get("articleBody") or "")
    return ids, htmls, golds


# ------------------------------------------------------------------------------------------ scoring


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams of ``text``, tokenised as upstream does (``\\w+``, case kept)."""
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def match_counts(gold: str, pred: str, n: int = 4) -> tuple[int, int, int]:
    """Raw (TP, FP, FN) shingle counts of one page."""
    g, p = shingles(gold, n), shingles(pred, n)
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def _page_pr(tp: float, fp: float, fn: float) -> tuple[float, float]:
    # Upstream precision_score / recall_score, including their edge cases.
    if fp == fn == 0:
        return 1.0, 1.0
    precision = 0.0 if tp == fp == 0 else tp / (tp + fp)
    recall = 0.0 if tp == fn == 0 else tp / (tp + fn)
    return precision, recall


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


@dataclass(frozen=True)
class Scores:
    macro_p: float
    macro_r: float
    macro_f1: float
    micro_p: float
    micro_r: float
    micro_f1: float
    mean_page_f1: float


def score(counts: Sequence[tuple[int, int, int]]) -> Scores:
    """Aggregate per-page raw (TP, FP, FN) counts into macro (upstream) and micro scores."""
    precisions, recalls, page_f1s = [], [], []
    for tp, fp, fn in counts:
        total = tp + fp + fn
        ntp, nfp, nfn = (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)
        p, r = _page_pr(ntp, nfp, nfn)
        if ntp + nfp > 0:
            precisions.append(p)
        if ntp + nfn > 0:
            recalls.append(r)
        page_f1s.append(_f1(p, r))
    macro_p = statistics.fmean(precisions) if precisions else 0.0
    macro_r = statistics.fmean(recalls) if recalls else 0.0
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    micro_p = tp / (tp + fp) if tp + fp else 0.0
    micro_r = tp / (tp + fn) if tp + fn else 0.0
    return Scores(
        macro_p=macro_p,
        macro_r=macro_r,
        macro_f1=_f1(macro_p, macro_r),
        micro_p=micro_p,
        micro_r=micro_r,
        micro_f1=_f1(micro_p, micro_r),
        mean_page_f1=statistics.fmean(page_f1s) if page_f1s else 0.0,
    )


def bootstrap_f1_diff(
    a: Sequence[tuple[int, int, int]], b: Sequence[tuple[int, int, int]], n_boot: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Paired bootstrap over pages of macro F1(a) - F1(b): (mean, 2.5th pct, 97.5th pct)."""
    rng = random.Random(seed)
    n = len(a)
    diffs = []
    for _ in range(n_boot):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(score([a[i] for i in idx]).macro_f1 - score([b[i] for i in idx]).macro_f1)
    diffs.sort()
    return statistics.fmean(diffs), diffs[int(0.025 * n_boot)], diffs[int(0.975 * n_boot) - 1]


# ------------------------------------------------------------------------------------------- timing


def pin_to_one_core() -> int | None:
    """Pin this process to a single CPU (the first it may use) so pages/s means 'per core'."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def reset_extractor_state() -> None:
    """Clear trafilatura's process-wide caches, incl. the LRU behind ``deduplicate=True``.

    Without this a second pass over the same pages would see every paragraph as a repeat and drop it, and
    the warm-up would leak into the scored run.
    """
    from trafilatura.meta import reset_caches

    reset_caches()


def run_extractor(fn: Callable[[str], str], htmls: Iterable[str]) -> tuple[list[str], float]:
    """Extract every page, returning outputs and the summed seconds spent inside ``fn`` only."""
    outputs, elapsed = [], 0.0
    clock = time.perf_counter
    for html in htmls:
        t0 = clock()
        out = fn(html)
        elapsed += clock() - t0
        outputs.append(out)
    return outputs, elapsed


@dataclass
class ExtractorResult:
    name: str
    outputs: list[str]
    pages_per_s: float
    seconds: list[float]


def bench_extractor(name: str, htmls: list[str], repeats: int, warmup: int) -> ExtractorResult:
    """Warm up, then ``repeats`` cold-cache passes; quality from the first pass, speed = median pass."""
    fn = EXTRACTORS[name]
    reset_extractor_state()
    run_extractor(fn, htmls[:warmup])  # imports, lazy tables, allocator: keep them out of the timing
    outputs: list[str] = []
    seconds = []
    for i in range(repeats):
        reset_extractor_state()
        outs, secs = run_extractor(fn, htmls)
        if i == 0:
            outputs = outs
        elif outs != outputs:
            raise RuntimeError(f"{name}: output changed between passes; timing would not be comparable")
        seconds.append(secs)
    reset_extractor_state()
    return ExtractorResult(name, outputs, len(htmls) / statistics.median(seconds), seconds)


# ------------------------------------------------------------------------------------------ reports


_NPROC = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def machine_info() -> dict[str, str]:
    """CPU count (``nproc`` before this script pins itself to one core) and model name."""
    return {"nproc": str(_NPROC), "cpu": cpu_model(), "python": platform.python_version()}


def scores_table(rows: list[tuple[str, Scores, ExtractorResult]]) -> str:
    lines = [
        "| extractor | P macro | R macro | F1 macro | P micro | R micro | F1 micro | mean page F1 "
        "| empty outputs | pages/s (1 core) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s, res in rows:
        empty = sum(1 for o in res.outputs if not o)
        lines.append(
            f"| {name} | {s.macro_p:.3f} | {s.macro_r:.3f} | **{s.macro_f1:.3f}** | {s.micro_p:.3f} "
            f"| {s.micro_r:.3f} | {s.micro_f1:.3f} | {s.mean_page_f1:.3f} | {empty} "
            f"| **{res.pages_per_s:.1f}** |"
        )
    return "\n".join(lines)


def decide(rows: list[tuple[str, Scores, ExtractorResult]], f1_margin: float) -> tuple[str, str]:
    """Fastest extractor wins unless a slower one beats it by more than ``f1_margin`` macro F1."""
    fastest = max(rows, key=lambda r: r[2].pages_per_s)
    best = max(rows, key=lambda r: r[1].macro_f1)
    gap = best[1].macro_f1 - fastest[1].macro_f1
    speedup = fastest[2].pages_per_s / best[2].pages_per_s
    if best[0] == fastest[0]:
        return fastest[0], f"`{fastest[0]}` is both the most accurate and the fastest."
    if gap > f1_margin:
        return best[0], (
            f"`{best[0]}` is {gap:.3f} macro F1 better (> the {f1_margin:.2f} margin), worth being "
            f"{speedup:.1f}x slower than `{fastest[0]}`."
        )
    return fastest[0], (
        f"`{fastest[0]}` is {speedup:.1f}x faster per core than `{best[0]}` and within {gap:.3f} macro F1 "
        f"of it (margin {f1_margin:.2f})."
    )


def build_report(
    *,
    command: str,
    n_pages: int,
    ngram_rows: list[tuple[str, Scores, ExtractorResult]],
    bow_rows: list[tuple[str, Scores, ExtractorResult]],
    diff: tuple[str, str, tuple[float, float, float]],
    decision: tuple[str, str],
    f1_margin: float,
    repeats: int,
    cpu: int | None,
) -> str:
    m = machine_info()
    chosen, why = decision
    a, b, (d_mean, d_lo, d_hi) = diff
    versions = ", ".join(f"{pkg} {version(pkg)}" for pkg in ("trafilatura", "resiliparse"))
    fastest = max(r[2].pages_per_s for r in ngram_rows)
    slowest = min(r[2].pages_per_s for r in ngram_rows)
    core_hours_per_billion = {r[0]: 1e9 / r[2].pages_per_s / 3600 for r in ngram_rows}
    cost = ", ".join(f"`{k}` ≈ {v:,.0f}" for k, v in core_hours_per_billion.items())
    matches = chosen == DEFAULT_EXTRACTOR
    status = f"`stages.html_text.DEFAULT_EXTRACTOR` = `{DEFAULT_EXTRACTOR}`" + (
        " (matches)." if matches else " — **MISMATCH, update stages/html_text.py**."
    )
    by_name = {r[0]: r[1] for r in ngram_rows}
    other = next(r[0] for r in ngram_rows if r[0] != chosen)
    d_p = by_name[chosen].macro_p - by_name[other].macro_p
    d_r = by_name[chosen].macro_r - by_name[other].macro_r
    d_micro = by_name[chosen].micro_f1 - by_name[other].micro_f1
    half_ci = (d_hi - d_lo) / 2
    return "\n".join(
        [
            SECTION_TITLE,
            "",
            f"- Command: `{command}`",
            f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Machine: nproc={m['nproc']}, CPU: {m['cpu']}; timing pinned to CPU {cpu} "
            f"(one core), Python {m['python']}; {versions}",
            f"- Data: scrapinghub/article-extraction-benchmark, {n_pages} pages "
            "(`html/article-extraction-benchmark/` in the shared data folder)",
            f"- Timing: extractor call only, on already-decoded str; warm-up pass first; median of {repeats} "
            "passes, trafilatura caches reset before each pass (its `deduplicate=True` LRU is stateful).",
            "",
            "### Quality (upstream method: word 4-gram shingles) and speed",
            "",
            scores_table(ngram_rows),
            "",
            "### Bag of words (single `\\w+` tokens, same aggregation)",
            "",
            scores_table(bow_rows),
            "",
            f"Paired bootstrap (1000 resamples of pages) of macro F1 `{a}` − `{b}`: {d_mean:+.3f} "
            f"(95% interval {d_lo:+.3f} … {d_hi:+.3f}).",
            "",
            f"Method: {METHOD}",
            "",
            "### Decision",
            "",
            f"**Default extractor: `{chosen}`.** {why}",
            "",
            f"Rule: take the fastest extractor unless a slower one is more than {f1_margin:.2f} macro F1 "
            f"better (a judgement call; the bootstrap interval above has a half-width of {half_ci:.3f}, "
            f"so smaller gaps are near what {n_pages} pages can resolve). At the measured rates one billion "
            f"pages cost {cost} core-hours on this CPU "
            f"({fastest / slowest:.0f}x apart). Versus `{other}`, `{chosen}` has macro precision "
            f"{d_p:+.3f}, macro recall {d_r:+.3f}, micro F1 {d_micro:+.3f}. Missing precision is leftover "
            "boilerplate, the kind of text later line-level filters and deduplication target; missing recall "
            "is article text no later stage can bring back.",
            "",
            status,
            "",
        ]
    )


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (holds html/...)")
    parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS_PATH.name}")
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="results markdown file")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per extractor (median)")
    parser.add_argument("--warmup", type=int, default=20, help="pages in the untimed warm-up pass")
    parser.add_argument("--f1-margin", type=float, default=0.03, help="F1 gap that outweighs speed")
    args = parser.parse_args(argv)

    data_dir = (args.data or shared_data_dir()).resolve()
    ids, htmls, golds = load_benchmark(data_dir, args.limit)
    cpu = pin_to_one_core()
    print(f"{len(ids)} pages from {data_dir / BENCH_SUBDIR}; timing on CPU {cpu}", file=sys.stderr)

    results = []
    for name in EXTRACTORS:
        res = bench_extractor(name, htmls, args.repeats, args.warmup)
        print(
            f"  {name}: {res.pages_per_s:.1f} pages/s, passes {[round(s, 2) for s in res.seconds]} s",
            file=sys.stderr,
        )
        results.append(res)

    counts = {r.name: [match_counts(g, o, 4) for g, o in zip(golds, r.outputs, strict=True)] for r in results}
    ngram_rows = [(r.name, score(counts[r.name]), r) for r in results]
    bow_rows = [
        (r.name, score([match_counts(g, o, 1) for g, o in zip(golds, r.outputs, strict=True)]), r) for r in results
    ]
    a, b = results[0].name, results[1].name
    diff = (a, b, bootstrap_f1_diff(counts[a], counts[b]))
    decision = decide(ngram_rows, args.f1_margin)

    argv_shown = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "bench/extract_bench.py", *argv_shown])
    report = build_report(
        command=command,
        n_pages=len(ids),
        ngram_rows=ngram_rows,
        bow_rows=bow_rows,
        diff=diff,
        decision=decision,
        f1_margin=args.f1_margin,
        repeats=args.repeats,
        cpu=cpu,
    )
    print(report)
    if args.write_results:
        write_section(args.results, SECTION_TITLE, report)
        print(f"wrote section {SECTION_TITLE!r} to {args.results}", file=sys.stderr)
    if decision[0] != DEFAULT_EXTRACTOR:
        print(
            f"WARNING: benchmark picks {decision[0]!r} but DEFAULT_EXTRACTOR is {DEFAULT_EXTRACTOR!r}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
