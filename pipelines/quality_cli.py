"""`refinery quality ...`: train the fastText quality classifier that `quality.classifier` applies in curate."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from stages.quality_classifier import TrainParams

quality_app = typer.Typer(help="Train quality classifiers.", no_args_is_help=True, rich_markup_mode="markdown")
_DEFAULTS = TrainParams()


@quality_app.command("train")
def train(
    positive: Annotated[
        list[Path],
        typer.Option(
            "--positive",
            help="Good examples: JSONL with a text field, or plain text (one document per blank-line-separated "
            "block, or per line when there are no blank lines). Repeatable.",
            show_default=False,
            exists=True,
            dir_okay=False,
        ),
    ],
    negative: Annotated[
        list[Path],
        typer.Option(
            "--negative",
            help="Bad examples, same formats. Repeatable.",
            show_default=False,
            exists=True,
            dir_okay=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Model file to write (MODEL.bin).", show_default=False)
    ],
    epoch: Annotated[int, typer.Option("--epoch", help="Passes over the data.")] = _DEFAULTS.epoch,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = _DEFAULTS.lr,
    word_ngrams: Annotated[
        int, typer.Option("--wordNgrams", "--word-ngrams", help="Word n-gram length.")
    ] = _DEFAULTS.word_ngrams,
    dim: Annotated[int, typer.Option("--dim", help="Vector size.")] = _DEFAULTS.dim,
    min_count: Annotated[int, typer.Option("--minCount", "--min-count", help="Minimal word count.")] = (
        _DEFAULTS.min_count
    ),
    seed: Annotated[int, typer.Option("--seed", help="Seed for shuffling and fastText.")] = _DEFAULTS.seed,
    text_key: Annotated[str, typer.Option("--text-key", help="JSONL field holding the text.")] = "text",
) -> None:
    """Train a DCLM-style fastText classifier (__label__hq vs __label__lq) and save it to OUTPUT.

    In curate, `quality.classifier: MODEL.bin` stores `quality_classifier_score` (probability of hq) on every document.

    `quality.classifier_threshold` also rejects documents scoring below it.
    """
    from stages.quality_classifier import read_documents, train_classifier

    try:
        good = [text for path in positive for text in read_documents(path, text_key)]
        bad = [text for path in negative for text in read_documents(path, text_key)]
        started = time.perf_counter()
        params = TrainParams(epoch, lr, word_ngrams, dim, min_count, seed=seed)
        train_classifier(good, bad, output, params)
    except (ValueError, OSError, RuntimeError) as err:  # RuntimeError: fastText (e.g. "Encountered NaN")
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    seconds = time.perf_counter() - started
    typer.echo(f"trained on {len(good):,} positive and {len(bad):,} negative documents in {seconds:.1f}s -> {output}")
