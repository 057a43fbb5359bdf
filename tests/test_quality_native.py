"""The compiled loops of ``stages/quality/_native.c`` give exactly what their Python references give.

Each compiled function runs against its reference on real text from the shared data folder (the corpus of
``bench/quality_bench.py``: web pages, Wikipedia, Shakespeare, dialogues, GSM8K and MATH with their ``<<3*5=15>>``
and LaTeX, lingua sentences of 75 languages). The regex gates that let the compiled splitter skip regex calls
are checked to be sound: no call they skip would have matched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from datatrove.pipeline.filters.gopher_repetition_filter import find_all_duplicate, find_top_duplicate, get_n_grams

from bench.quality_bench import build_corpus
from schemas.quality import DUP_N_GRAM_SIZES, TOP_N_GRAM_SIZES
from stages.quality import regex_gates
from stages.quality.native import native
from stages.quality.ngrams import NGrams, repetition_chars
from stages.quality.spacy_chunks import ChunkTokenizer, cached_entries_py, concat_chunks_py
from stages.quality.text_units import text_units_for

needs_native = pytest.mark.skipif(native is None, reason="the extension is missing: test_the_extension_is_built fails")


def test_the_extension_is_built() -> None:
    # `pip install -e .` compiles it (setup.py); without it everything still works, 2-3x slower, so CI insists.
    assert native is not None, "stages.quality._native did not build: is a C compiler installed?"


@pytest.fixture(scope="module")
def texts(shared_data: Path) -> list[str]:
    corpus = [text for _, text in build_corpus(shared_data)]
    return corpus[::7]  # every source, about 3,700 documents


@pytest.fixture(scope="module")
def chunks(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(chunk for text in texts for chunk in text.split()))


@needs_native
def test_repetition_measures_equal_the_reference_on_real_text(texts: list[str]) -> None:
    units = text_units_for("en")
    checked = repeated = 0
    for text in texts[:1500]:
        stats = units.word_stats(text)
        top, dup = native.repetition(stats.words, stats.word_ids, TOP_N_GRAM_SIZES, DUP_N_GRAM_SIZES)
        reference = NGrams(stats.words, stats.word_ids)
        assert top == [reference.top_chars(n) for n in TOP_N_GRAM_SIZES]
        assert dup == [reference.duplicated_chars(n) for n in DUP_N_GRAM_SIZES]
        checked += 1
        repeated += dup[0] > 0
    assert checked == 1500 and repeated > 100  # the greedy scan is exercised, not only the no-repeat case


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["one"],
        ["ab", "c", "a", "bc", "ab", "c", "x", "a", "bc", "ab", "c"],  # "".join equal, word lists not
        ["a", "b"] * 12,  # overlapping repeats: the scan jumps n words after each
        ["x", "y", "z", "y", "z", "x", "y", "x", "y"],  # ties for the top bigram: the first one seen wins
        ["中文", "文本", "中", "文文本", "中文", "文本"],
    ],
)
def test_repetition_equals_datatroves_functions(words: list[str]) -> None:
    top, dup = repetition_chars(words, None, TOP_N_GRAM_SIZES, DUP_N_GRAM_SIZES)
    for n, chars in zip(TOP_N_GRAM_SIZES, top, strict=True):
        n_grams = get_n_grams(words, n)
        assert chars == (find_top_duplicate(n_grams) if n_grams else 0)
    for n, chars in zip(DUP_N_GRAM_SIZES, dup, strict=True):
        assert chars == find_all_duplicate(words, n)


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru", "xx"])
@needs_native
def test_compiled_chunk_entries_equal_the_python_reference(chunks: list[str], lang: str) -> None:
    compiled, reference = ChunkTokenizer(lang), ChunkTokenizer(lang, compiled=False)
    assert compiled.native is native and reference.native is None
    sample = chunks if lang == "en" else chunks[:30_000]
    got, expected = compiled._entries_native(sample), reference.entries_py(sample)
    assert got == expected
    assert compiled._token_ids == reference._token_ids  # same ids handed out in the same order
    assert sum(entry is None for entry in expected) > 0  # some chunks go to spaCy itself
    assert sum(entry is not None and len(entry.tokens) > 1 for entry in expected) > 1000
    for chunk in sample[:5000]:  # without special cases, as the matcher patterns are built
        assert compiled._split_affixes(chunk, {}) == reference.split_affixes_py(chunk, {})


@needs_native
def test_the_whole_lookup_is_the_same_compiled_or_not(texts: list[str]) -> None:
    compiled, reference = ChunkTokenizer("en"), ChunkTokenizer("en", compiled=False)
    for text in texts[:800]:
        chunks = text.split()
        assert compiled.lookup(chunks) == reference.lookup(chunks)
        entries = compiled.lookup(chunks)
        assert native.concat_chunks(entries) == concat_chunks_py(entries)
    cache = dict(list(compiled._cache.items())[:1000])
    chunks = [c for text in texts[800:900] for c in text.split()]
    assert native.cached_entries(chunks, cache) == cached_entries_py(chunks, cache)


@needs_native
def test_sentence_counts_per_line_equal_the_reference(texts: list[str]) -> None:
    compiled, reference = ChunkTokenizer("en"), ChunkTokenizer("en", compiled=False)
    multi = 0
    for text in texts[:1500]:
        lines = text.split("\n")
        counts, words = compiled.analyze_lines(lines)
        assert (counts, words) == reference.analyze_lines(lines)
        multi += max(counts) > 1
    assert multi > 300  # lines with several sentences, not only one each


@pytest.mark.parametrize("lang", ["en", "fr", "xx"])
def test_regex_gates_never_skip_a_match(chunks: list[str], lang: str) -> None:
    tokenizer = ChunkTokenizer(lang)
    names = ("token_match", "url_match", "prefix_search", "suffix_search", "infix_finditer")
    gated = [
        (name, function, gate)
        for name, function, gate in zip(names, tokenizer._rule_functions, tokenizer._rule_gates, strict=True)
        if gate is not None
    ]
    assert {"prefix_search", "suffix_search", "infix_finditer", "url_match"} <= {name for name, _, _ in gated}
    skipped = 0
    for chunk in chunks[:40_000] + [c[:-1] + "\n" for c in chunks[:2000]]:
        for name, function, gate in gated:
            if not regex_gates.may_match(gate, chunk):
                skipped += 1
                found = list(function(chunk)) if name == "infix_finditer" else function(chunk)
                assert not found, (name, chunk)
    assert skipped > 40_000  # the gates do skip most calls on real text


@pytest.mark.parametrize("lang", ["en", "fr", "xx"])
def test_suffix_tail_search_finds_what_the_full_search_finds(chunks: list[str], lang: str) -> None:
    tokenizer = ChunkTokenizer(lang)
    suffix_search = tokenizer._suffix_search
    width, bitmap = regex_gates.tail(suffix_search)
    crafted = ["(" * 300 + "word" + ")" * 300, "x" * 40 + "." * 30, "a." * 40 + "..", "9" * 30 + "km"]
    crafted += ["long" * 20 + "\n", "x" * 20 + "'s"]
    shortened = 0
    for chunk in chunks[:40_000] + crafted:
        start = len(chunk) - width
        if start <= 0 or chunk.endswith("\n"):
            continue
        before = ord(chunk[start - 1])
        if before >= 0x10000 or bitmap[before >> 3] & (1 << (before & 7)):
            continue
        shortened += 1
        full, tail = suffix_search(chunk), suffix_search(chunk, start)
        assert (full and full.span()) == (tail and tail.span()), chunk
    assert shortened > 10_000


@needs_native
def test_a_chunk_of_thousands_of_brackets_splits_as_in_the_reference() -> None:
    # spaCy's loop strips one affix per round and searches the rest again; the tail keeps each search short.
    chunk = "(" * 2000 + "word" + ")" * 2000
    compiled, reference = ChunkTokenizer("en"), ChunkTokenizer("en", compiled=False)
    assert compiled._split_affixes(chunk, compiled._specials) == reference.split_affixes_py(chunk, {})
    assert len(compiled._split_affixes(chunk, compiled._specials)) == 4001


def test_gates_read_off_the_pattern() -> None:
    suffix = re.compile(r"(?<=[0-9])(?:km|mi|ft|kg|lb|oz|mph)$|'s$|\.\.+$|[)\]]$")
    assert regex_gates.last_chars_at_end(suffix) == set(map(ord, "mitgbzhs.)]"))
    assert regex_gates.first_chars(suffix) == set(map(ord, "kmflo'.)]"))
    # Required: per alternative, its item with the fewest letters and digits (one letter of each unit here,
    # "'" for 's); a string with none of these cannot hold a match.
    assert regex_gates.required_chars(suffix) == set(map(ord, "kmflo'.)]"))
    gate = regex_gates.gate(suffix.search)
    words = ["bird", "Tuesday", "yes", "farm", "items", "5km", "10mph", "it's", "end..", "(x)", "x\n", "y)\n"]
    for word in words:
        if suffix.search(word) is not None:
            assert regex_gates.may_match(gate, word), word
    assert [w for w in words if not regex_gates.may_match(gate, w)] == ["bird", "Tuesday", "yes", "x\n"]
    # Anything it cannot read gives no gate, so the regex always runs.
    assert regex_gates.first_chars(re.compile(r"a?")) is None  # can match the empty string
    assert regex_gates.first_chars(re.compile(r"\w+")) is None  # a category
    assert regex_gates.first_chars(re.compile(r"[^a]")) is None  # a negated class
    assert regex_gates.gate(re.compile("ab", re.IGNORECASE).search) is None
    assert regex_gates.last_chars_at_end(re.compile(r"a$|b")) is None  # one alternative is not anchored
    assert regex_gates.gate(re.compile(r"\.").match) is not None
    assert regex_gates.gate(len) is None
    # The tail: widest bounded alternative 3 ("mph"), "\.\.+$" unbounded over ".".
    width, bitmap = regex_gates.tail(suffix.search)
    assert width == 3 and [i for i in range(128) if bitmap[i >> 3] & (1 << (i & 7))] == [ord(".")]
    assert regex_gates.tail(re.compile(r"a|b$").search) is None  # not every alternative ends with $
