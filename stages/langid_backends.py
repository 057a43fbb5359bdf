"""Language ID backends behind one `predict(text) -> Prediction` call: fastText, lingua, and an ensemble of both.

- fastText: the bundled lid.176 (default) or any fastText LID model file (lid.176.bin, GlotLID), loaded the way
  the curate flow loads it (stages.language), so evaluation measures the model the pipeline runs.
- lingua (`lingua-language-detector`): n-gram models shipped in its wheel; better on short text, much slower.
- ensemble: fastText first; only when its top probability is below a threshold is lingua asked, so most documents
  cost one fastText call.

Every backend returns canonical codes (stages.langid_codes), so outputs compare equal to ISO gold labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from stages.langid_codes import canonical_language
from stages.language import BUNDLED_MODEL, LocalFastTextLID, resolve_model_path

BackendName = Literal["fasttext", "lingua", "ensemble"]
BACKENDS: tuple[str, ...] = ("fasttext", "lingua", "ensemble")
UNDETERMINED = "und"  # ISO 639-2 "undetermined": lingua found no language
# fastText top probability below which the ensemble asks lingua. Measured on lingua's 75-language test set
# (bench/RESULTS.md "Language ID accuracy"): at 0.7 the ensemble matches lingua alone (sentences 0.959 vs 0.960,
# 5-sentence documents 0.976 vs 0.976) while asking lingua for 30% / 24% of them; at 0.5 it is 1.5 points lower on
# sentences.
DEFAULT_ENSEMBLE_THRESHOLD = 0.7


@dataclass(frozen=True)
class Prediction:
    language: str  # canonical code (639-1 where one exists)
    score: float  # the backend's confidence in `language`; nan when the backend gives none
    raw: str  # the label as the model wrote it (`eng_Latn`, `__label__en`, `ENGLISH`)


class LangIdBackend(Protocol):
    name: str

    def predict(self, text: str) -> Prediction: ...

    def languages(self) -> set[str]:
        """Canonical codes this backend can answer."""
        ...


class FastTextBackend:
    """A fastText LID model; `model` is `lid176-ftz` (bundled) or a path, as `language.model` in the config."""

    name = "fasttext"

    def __init__(self, model: str = BUNDLED_MODEL):
        self.model_path = resolve_model_path(model)
        self._lid = LocalFastTextLID(self.model_path)
        _ = self._lid.model  # load now (a lazy property): a bad file fails here, and load time stays out of docs/s

    @staticmethod
    def _canonical(raw: str) -> str:
        # GlotLID-style `eng_Latn` labels are ISO 639-3; lid.176's are Wikipedia codes (`als` = Alemannic).
        return canonical_language(raw, iso_style="_" in raw)

    def predict(self, text: str) -> Prediction:
        # k=1: the top label and its probability are what LanguageTagger decides on; k=-1 (all labels) costs more.
        labels, probs = self._lid.model.predict(text.replace("\n", " "), k=1)
        raw = labels[0].removeprefix("__label__")
        return Prediction(self._canonical(raw), min(float(probs[0]), 1.0), raw)

    def languages(self) -> set[str]:
        return {self._canonical(label.removeprefix("__label__")) for label in self._lid.model.get_labels()}


class LinguaBackend:
    """lingua in high-accuracy mode with preloaded models, restricted to `languages` when given.

    Restricting to the languages that can occur is how lingua is meant to be used (fewer look-alike candidates, less
    memory); codes lingua does not know are ignored. Fewer than two known codes means all 75 languages.
    """

    name = "lingua"

    def __init__(self, languages: Iterable[str] | None = None):
        from lingua import Language, LanguageDetectorBuilder

        by_code = {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}
        wanted = {by_code[code] for code in (canonical_language(c) for c in languages or ()) if code in by_code}
        builder = (
            LanguageDetectorBuilder.from_languages(*wanted)
            if len(wanted) >= 2
            else LanguageDetectorBuilder.from_all_languages()
        )
        # Preloading moves the model loading out of the first predictions (and out of the docs/s figure).
        self._detector = builder.with_preloaded_language_models().build()
        self._languages = {
            lang.iso_code_639_1.name.lower() for lang in (wanted if len(wanted) >= 2 else by_code.values())
        }

    def predict(self, text: str) -> Prediction:
        language = self._detector.detect_language_of(text)
        if language is None:
            return Prediction(UNDETERMINED, 0.0, "")
        return Prediction(canonical_language(language.iso_code_639_1.name), math.nan, language.name)

    def languages(self) -> set[str]:
        return set(self._languages)


class EnsembleBackend:
    """fastText, falling back to lingua when fastText's top probability is below `threshold`."""

    name = "ensemble"

    def __init__(
        self, fasttext: FastTextBackend, lingua: LinguaBackend, threshold: float = DEFAULT_ENSEMBLE_THRESHOLD
    ):
        self.fasttext = fasttext
        self.lingua = lingua
        self.threshold = threshold
        self.lingua_calls = 0  # how many predictions paid for lingua; the point of the ensemble is to keep this low

    def predict(self, text: str) -> Prediction:
        first = self.fasttext.predict(text)
        if first.score >= self.threshold:
            return first
        self.lingua_calls += 1
        second = self.lingua.predict(text)
        return first if second.language == UNDETERMINED else second

    def languages(self) -> set[str]:
        return self.fasttext.languages() | self.lingua.languages()


def make_backend(
    name: BackendName,
    model: str = BUNDLED_MODEL,
    languages: Iterable[str] | None = None,
    threshold: float = DEFAULT_ENSEMBLE_THRESHOLD,
) -> FastTextBackend | LinguaBackend | EnsembleBackend:
    """Build a backend by name. `model` is the fastText model (fasttext, ensemble); `languages` restricts lingua."""
    if name == "fasttext":
        return FastTextBackend(model)
    if name == "lingua":
        return LinguaBackend(languages)
    if name == "ensemble":
        return EnsembleBackend(FastTextBackend(model), LinguaBackend(languages), threshold)
    raise ValueError(f"unknown language ID backend {name!r}; use one of {', '.join(BACKENDS)}")
