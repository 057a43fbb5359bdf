"""The fast paths behind the quality and language stages give datatrove's exact numbers.

- spaCy tokens and sentence counts from the chunk cache (``stages.quality.spacy_chunks``),
- n-gram repetition from numpy (``stages.quality.ngrams``),
- language ID with one fastText call per batch and only the top label (``stages.language``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.gopher_repetition_filter import find_all_duplicate, find_top_duplicate, get_n_grams
from datatrove.utils.word_tokenizers import load_word_tokenizer

from stages.language import LanguageTagger, resolve_model_path
from stages.quality.ngrams import NGrams
from stages.quality.spacy_chunks import ChunkTokenizer
from stages.quality.text_units import CachedSpacyUnits, text_units_for

SENTENCES = "langid/lingua/language-testdata/sentences"

TRICKY_LINES = [
    "Hello,  world.\tIt's   U.S. policy (since 2001).",  # double spaces and a tab are whitespace tokens
    " Leading space. Then more",
    "Trailing spaces.  ",
    "Mr. Smith can't go... He cannot! Really?! Yes.",
    "See https://example.com/a.b?c=1 and e-mail me@example.org :) or :-( now.",
    "Non\u00a0breaking. Thin\u2009space. Ideographic\u3000space. Line\u2028separator.",
    "Numbers 3.5, 1,000,000 and 10km or 5'11\" tall; 50% off -- ok?",
    "Quotes «here» and „there“ and ‘single’ — dashes – too.",
    "Emoji 👍🏽 and ZWJ 👩‍👩‍👧 plus zero\u200bwidth. End",
    "[1] Citation removed. [edit] [citation needed] Still here.",
    "",
]


def _lines(texts: list[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.splitlines()]


@pytest.fixture(scope="module")
def web_docs(shared_data: Path) -> list[str]:
    path = shared_data / "quality/llama-factory/c4_demo.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()][:60]


@pytest.mark.parametrize("lang", ["en", "de", "ru", "ar"])
def test_chunk_cache_gives_datatrove_tokens_and_sentences(shared_data: Path, web_docs: list[str], lang: str) -> None:
    units = text_units_for(lang)
    assert isinstance(units, CachedSpacyUnits)
    reference = load_word_tokenizer(lang)  # for ar: spaCy's language-neutral "xx", as datatrove picks
    sentences = (shared_data / SENTENCES / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:200]
    texts = (web_docs[:30] if lang == "en" else []) + ["\n".join(sentences[i : i + 10]) for i in range(0, 200, 10)]
    texts += TRICKY_LINES + ["\n".join(TRICKY_LINES)]
    for text in texts:
        assert units.words(text) == reference.word_tokenize(text)
        stats = units.word_stats(text)
        assert stats.words == reference.word_tokenize(text)
    lines = _lines(texts) + TRICKY_LINES + [line.replace(" ", "  ") for line in TRICKY_LINES]
    expected = [len(list(reference.span_tokenize(line))) or 1 for line in lines]  # split_into_sentences
    assert units.chunks.analyze_lines(lines)[0] == expected


@pytest.mark.parametrize("lang", ["en", "es", "de", "fr", "ru", "xx"])
def test_split_gives_spacys_tokens_for_each_chunk(shared_data: Path, web_docs: list[str], lang: str) -> None:
    """The transcribed affix algorithm (``ChunkTokenizer.split``) against spaCy's tokenizer, chunk by chunk, on
    web text, math (LaTeX, numbers, units) and the language's sentences; None means it defers to spaCy."""
    chunks = ChunkTokenizer(lang)
    source = "es" if lang == "xx" else lang
    sentences = (shared_data / SENTENCES / f"{source}.txt").read_text(encoding="utf-8").splitlines()[:300]
    with (shared_data / "eval/math/test.jsonl").open(encoding="utf-8") as f:
        math = [json.loads(line)["solution"] for line, _ in zip(f, range(150), strict=False)]
    extra = ["e.g.,", "(:)", ":)", "don't", "John's", "U.S.", "a.m.)", "p.CodigoActividad.IdArea", "(小御所):"]
    distinct = sorted({c for text in [*web_docs, *math, *sentences, *TRICKY_LINES] for c in text.split()} | set(extra))
    fast = 0
    for chunk in distinct:
        tokens = chunks.split(chunk)
        if tokens is None:
            continue
        fast += 1
        with chunks.nlp.memory_zone():
            assert tokens == [t.text for t in chunks.nlp.tokenizer(chunk)], chunk
    assert fast >= 0.95 * len(distinct), (fast, len(distinct))  # the fast path does carry the load


def _datatrove_ngrams(words: list[str]) -> tuple[list[int], list[int]]:
    top = [find_top_duplicate(get_n_grams(words, n)) if len(words) >= n else 0 for n in (2, 3, 4)]
    return top, [find_all_duplicate(words, n) for n in range(5, 11)]


def test_ngram_measures_match_datatrove(web_docs: list[str]) -> None:
    tokenizer = load_word_tokenizer("en")
    rng = random.Random(0)
    cases = [tokenizer.word_tokenize(text) for text in web_docs]
    # Concatenation collisions ("ab"+"c" == "a"+"bc"), ties for the top n-gram, repeats and short inputs.
    cases += [
        ["ab", "c", "d", "e", "f", "g", "a", "bc", "d", "e", "f", "g"] * 2,
        ["x", "y", "x", "y", "z", "z", "q", "q"],
        ["b", "a", "a", "b"] * 3,
        ["one"],
        [],
        [rng.choice(["a", "b", "ab", "ba", "c"]) for _ in range(400)],
        ["spam", "eggs"] * 100,
    ]
    for words in cases:
        n_grams = NGrams(words)
        ours = ([n_grams.top_chars(n) for n in (2, 3, 4)], [n_grams.duplicated_chars(n) for n in range(5, 11)])
        assert ours == _datatrove_ngrams(words), words[:12]


def _datatrove_language_filter(languages: list[str] | None, threshold: float, label_only: bool = False):
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.utils.lid import FT176LID

    FT176LID.MODEL_URL = resolve_model_path("lid176-ftz")  # a local file: copied into datatrove's cache
    return LanguageFilter(languages=languages, language_threshold=threshold, label_only=label_only)


@pytest.mark.parametrize(
    ("languages", "threshold"),
    [(None, 0.65), (["en", "zh"], 0.65), (["en", "de", "nl"], 0.5), (["en", "fr"], 0.3)],
)
def test_batched_language_ids_match_datatrove(
    shared_data: Path, tmp_path: Path, languages: list[str] | None, threshold: float
) -> None:
    # Single sentences: short and often ambiguous, so every branch (kept, not allowed, low confidence) occurs.
    texts = []
    for lang in ("en", "zh", "de", "nl", "fr", "af", "da", "nb"):
        texts += (shared_data / SENTENCES / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:40]
    reference = _datatrove_language_filter(languages, threshold)
    tagger = LanguageTagger(str(tmp_path), languages=languages, threshold=threshold, batch_size=64)
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    ours = tagger.filter_batch(docs)
    outcomes = set()
    for doc, result in zip(docs, ours, strict=True):
        expected_doc = Document(text=doc.text, id=doc.id)
        expected = reference.filter(expected_doc)
        kept = result is True
        assert kept == bool(expected), doc.text
        assert doc.metadata["language"] == expected_doc.metadata["language"]
        assert doc.metadata["language_score"] == expected_doc.metadata["language_score"]
        outcomes.add(True if kept else result[1])
    assert True in outcomes and len(outcomes) >= 2, outcomes


def test_arabic_words_and_sentences_split_on_arabic_punctuation() -> None:
    # spaCy's blank("ar") would keep "2005." and "المساء)." whole and so miss sentence ends; "xx" splits them.
    units = text_units_for("ar")
    text = "مرحبا، كيف حالك؟ ولد عام 2005. ذهب إلى المدرسة؛ ثم عاد (في المساء)."
    words = units.words(text)
    assert {"،", "؟", "؛", "2005", ".", ")"} <= set(words)
    assert units.analyze_lines([text]).sentence_counts == [3]


def test_chinese_words_memoised_per_line_are_jiebas_words(shared_data: Path) -> None:
    import jieba

    units = text_units_for("zh")
    lines = (shared_data / SENTENCES / "zh.txt").read_text(encoding="utf-8").splitlines()[:120]
    texts = ["\n".join(lines[i : i + 12]) for i in range(0, 120, 12)] + ["  前面有空格。\r\n后面\t也有 ", "\n\n"]
    for text in texts + texts:  # the second round comes from the memo
        assert units.words(text) == [t.strip() for t in jieba.lcut(text) if t.strip()]


def test_whitespace_fallback_languages_use_the_chunk_cache(shared_data: Path) -> None:
    """ka (Georgian) gets datatrove's WhitespaceTokenizer, whose words are a full spaCy "xx" call per text; here the
    same words come from the chunk cache (its sentence splitting is left as it is)."""
    from datatrove.utils.word_tokenizers import WhitespaceTokenizer

    from stages.quality.text_units import WhitespaceUnits

    units, reference = text_units_for("ka"), load_word_tokenizer("ka")
    assert isinstance(units, WhitespaceUnits) and type(reference) is WhitespaceTokenizer
    sentences = (shared_data / SENTENCES / "ka.txt").read_text(encoding="utf-8").splitlines()[:300]
    texts = ["\n".join(sentences[i : i + 10]) for i in range(0, 300, 10)] + TRICKY_LINES
    for text in texts:
        assert units.words(text) == reference.word_tokenize(text)
        assert units.word_stats(text).words == reference.word_tokenize(text)
