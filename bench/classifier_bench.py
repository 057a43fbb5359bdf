"""Accuracy and ROC AUC of the trainable quality classifier on human-labelled and reference data.

    .venv/bin/python bench/classifier_bench.py                   # print the results section
    .venv/bin/python bench/classifier_bench.py --write-results   # also update bench/RESULTS.md

Data (shared data folder):
- `quality/dclm/majority_data.jsonl` (499 pages, majority label) and `agreement_data.jsonl` (281 pages where the
  annotators agreed). Every agreement page is also in the majority file with the same label, so "train on one,
  test on the other" would test on training data: the held-out splits below use majority minus agreement (218).
- `quality/cs336/`: one Stanford Encyclopedia page (good) and one forum page (bad), split into documents the way
  `refinery quality train` reads plain text (blank-line blocks / lines).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script: make `stages` importable without an install
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import shared_data_dir  # noqa: E402
from bench.results_md import write_section  # noqa: E402
from stages.quality_classifier import (  # noqa: E402
    TrainParams,
    accuracy,
    hq_probability,
    read_documents,
    roc_auc,
    train_classifier,
)

RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
SECTION_TITLE = "## Quality classifier"
FOLDS = 5
# Other settings, to show how much the figures depend on the defaults (which were picked on these same splits).
SENSITIVITY = (
    TrainParams(epoch=5, lr=0.1),
    TrainParams(epoch=25, lr=0.1),
    TrainParams(epoch=25, lr=0.5),
    TrainParams(epoch=25, lr=0.5, word_ngrams=1),
)


@dataclass(frozen=True)
class Labelled:
    text: str
    label: int  # 1 good, 0 bad


@dataclass
class Outcome:
    name: str
    n_train: int
    n_test: int
    accuracy: float
    auc: float
    train_s: float
    docs_per_s: float
    note: str = ""


def load_jsonl(path: Path) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled(row["text"], int(row["label"])) for row in rows]


def fit(train: list[Labelled], params: TrainParams):
    good = [x.text for x in train if x.label]
    bad = [x.text for x in train if not x.label]
    return train_classifier(good, bad, None, params)


def score(model, test: list[Labelled]) -> tuple[list[float], float]:
    started = time.process_time()
    scores = [hq_probability(model, x.text) for x in test]
    return scores, len(test) / max(time.process_time() - started, 1e-9)


def holdout(name: str, train: list[Labelled], test: list[Labelled], params: TrainParams, note: str = "") -> Outcome:
    started = time.process_time()
    model = fit(train, params)
    train_s = time.process_time() - started
    scores, rate = score(model, test)
    labels = [x.label for x in test]
    return Outcome(name, len(train), len(test), accuracy(scores, labels), roc_auc(scores, labels), train_s, rate, note)


def cross_validate(name: str, data: list[Labelled], params: TrainParams) -> Outcome:
    """K-fold on a seeded shuffle; accuracy and AUC over the pooled out-of-fold scores."""
    order = list(range(len(data)))
    random.Random(0).shuffle(order)
    scores: dict[int, float] = {}
    train_s = 0.0
    for fold in range(FOLDS):
        test_idx = order[fold::FOLDS]
        held = set(test_idx)
        started = time.process_time()
        model = fit([data[i] for i in order if i not in held], params)
        train_s += time.process_time() - started
        for i in test_idx:
            scores[i] = hq_probability(model, data[i].text)
    s = [scores[i] for i in range(len(data))]
    y = [x.label for x in data]
    n_train = len(data) - len(data) // FOLDS
    return Outcome(name, n_train, len(data), accuracy(s, y), roc_auc(s, y), train_s / FOLDS, 0.0, f"{FOLDS}-fold CV")


def run(root: Path, params: TrainParams) -> dict:
    majority = load_jsonl(root / "quality/dclm/majority_data.jsonl")
    agreement = load_jsonl(root / "quality/dclm/agreement_data.jsonl")
    agreed = {x.text for x in agreement}
    rest = [x for x in majority if x.text not in agreed]
    outcomes = [
        holdout("DCLM: majority minus agreement -> agreement", rest, agreement, params),
        holdout("DCLM: agreement -> majority minus agreement", agreement, rest, params),
        cross_validate("DCLM: majority", majority, params),
        holdout(
            "DCLM: majority -> agreement (leaky)",
            majority,
            agreement,
            params,
            "test pages are in the training set: not a generalisation figure",
        ),
    ]
    cs = root / "quality/cs336"
    wiki = [Labelled(t, 1) for t in read_documents(cs / "high_quality_wiki_reference.txt")]
    forum = [Labelled(t, 0) for t in read_documents(cs / "low_quality_cc.txt")]
    outcomes.append(
        holdout(
            "cs336 documents, model trained on all DCLM majority",
            majority,
            wiki + forum,
            params,
            "transfer: no cs336 text in training",
        )
    )
    # Alternate documents into train/test so both halves cover the whole of each page.
    cs_train = wiki[0::2] + forum[0::2]
    cs_test = wiki[1::2] + forum[1::2]
    outcomes.append(holdout("cs336 documents: even -> odd", cs_train, cs_test, params, "in-domain, 6 bad test docs"))
    dclm_model = fit(majority, params)
    pages = {
        "high_quality_wiki_reference.txt": hq_probability(
            dclm_model, (cs / "high_quality_wiki_reference.txt").read_text()
        ),
        "low_quality_cc.txt": hq_probability(dclm_model, (cs / "low_quality_cc.txt").read_text()),
    }
    sensitivity = [
        (p, holdout("s", rest, agreement, p), holdout("s", agreement, rest, p)) for p in (*SENSITIVITY, params)
    ]
    counts = {
        "majority": (sum(x.label for x in majority), len(majority)),
        "agreement": (sum(x.label for x in agreement), len(agreement)),
        "rest": (sum(x.label for x in rest), len(rest)),
        "wiki": len(wiki),
        "forum": len(forum),
    }
    return {"outcomes": outcomes, "pages": pages, "sensitivity": sensitivity, "counts": counts, "params": params}


def describe(p: TrainParams) -> str:
    return f"epoch {p.epoch}, lr {p.lr:g}, wordNgrams {p.word_ngrams}, dim {p.dim}"


def render(result: dict) -> str:
    c, params = result["counts"], result["params"]
    lines = [
        SECTION_TITLE,
        "",
        "- Command: `.venv/bin/python bench/classifier_bench.py --write-results`",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: nproc={os.cpu_count()}, Python {platform.python_version()}; fastText single-threaded (seeded); "
        "times are CPU seconds of the process (the machine is shared with other jobs)",
        f"- Model: `stages/quality_classifier.py` defaults ({describe(params)}, minCount {params.min_count}, "
        f"bucket {params.bucket:,}), labels `__label__hq`/`__label__lq`, text lower-cased and joined onto one line.",
        f"- Data: DCLM human labels, majority_data {c['majority'][1]} pages ({c['majority'][0]} good), agreement_data "
        f"{c['agreement'][1]} ({c['agreement'][0]} good). All agreement pages are also in majority_data with the same "
        f"label, so held-out splits use majority minus agreement ({c['rest'][1]} pages, {c['rest'][0]} good). "
        f"cs336: {c['wiki']} good documents (blank-line blocks of the encyclopedia page) and {c['forum']} bad "
        "(lines of the forum page).",
        "- Accuracy: score >= 0.5 means good. AUC: probability that a good document outscores a bad one.",
        "",
        "| evaluation | train docs | test docs | accuracy | ROC AUC | train CPU s | docs per CPU-s scored | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in result["outcomes"]:
        rate = f"{o.docs_per_s:,.0f}" if o.docs_per_s else "-"
        lines.append(
            f"| {o.name} | {o.n_train} | {o.n_test} | {o.accuracy:.3f} | **{o.auc:.3f}** | {o.train_s:.1f} | "
            f"{rate} | {o.note} |"
        )
    pages = result["pages"]
    lines += [
        "",
        "Whole cs336 pages scored by the model trained on all DCLM majority pages: "
        + ", ".join(f"`{name}` {value:.3f}" for name, value in pages.items())
        + ".",
        "",
        "### Sensitivity to the training settings",
        "",
        "The defaults were chosen from a small sweep scored on these same DCLM splits (there is no separate "
        "validation set at this size), so the figures above are slightly optimistic; this table shows the spread.",
        "",
        "| settings | majority-agreement -> agreement acc / AUC | agreement -> majority-agreement acc / AUC |",
        "|---|---:|---:|",
    ]
    for p, a, b in result["sensitivity"]:
        mark = " (default)" if p == params else ""
        lines.append(f"| {describe(p)}{mark} | {a.accuracy:.3f} / {a.auc:.3f} | {b.accuracy:.3f} / {b.auc:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared data folder")
    parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS_PATH.name}")
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="results markdown file")
    args = parser.parse_args()
    section = render(run(args.data or shared_data_dir(), replace(TrainParams())))
    print(section)
    if args.write_results:
        write_section(args.results, SECTION_TITLE, section)
        print(f"updated {args.results}")


if __name__ == "__main__":
    main()
