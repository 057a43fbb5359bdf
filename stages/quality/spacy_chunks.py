"""spaCy word tokens and sentence counts, computed once per whitespace-delimited chunk and cached.

spaCy's tokenizer first splits text on whitespace and then tokenizes every chunk on its own (prefixes,
suffixes, infixes, special cases never cross a space), so the tokens of a text are the concatenation of the
tokens of ``text.split()``. Web text repeats the same chunks ("the", "and,", "2024.") over and over, so this
module tokenizes each distinct chunk once with the real spaCy tokenizer and keeps the result, together with
what the rules need per chunk: the Gopher word statistics and the step of spaCy's sentencizer over the chunk's
tokens. datatrove instead runs the full pipeline per call inside a fresh memory zone, which rebuilds every
lexeme every time; the tokens are the same (``tests/test_quality_rules.py`` checks it token for token).

Unseen chunks do not go through spaCy's ``Tokenizer`` object: ``ChunkTokenizer.split`` runs the same algorithm
(``Tokenizer._split_affixes`` then ``_attach_tokens``, transcribed from spaCy 3.8's tokenizer.pyx) with the
tokenizer's own prefix/suffix/infix/URL functions and special cases, which skips building lexemes and a Doc.
A chunk whose tokens could start one of the special cases spaCy re-matches afterwards (``_apply_special_cases``)
goes to the real tokenizer instead. ``tests/test_quality_fast_paths.py`` compares the two on real text.

The loop over unseen chunks (split, then the entry) runs compiled where ``_native.c`` is built, calling the same
regex functions; ``regex_gates`` lets it skip the regex calls that cannot match (most chunks are plain words).
``compiled=False`` runs the Python reference; ``tests/test_quality_native.py`` checks both give the same entries.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

from datatrove.utils.text import PUNCTUATION_SET

from .native import native
from .regex_gates import bmp_bitmap, gate, tail

_PUNCTUATION_BITMAP = bmp_bitmap(map(ord, PUNCTUATION_SET))  # every member is one character
# A whitespace run or a chunk; Python's re ``\s`` and str.split() both use str.isspace(), as spaCy does.
_PARTS = re.compile(r"\s+|\S+")


class Chunk(NamedTuple):
    tokens: tuple[str, ...]
    #: Ids of the tokens, unique per token string for as long as the cache lives (n-gram counting).
    token_ids: tuple[int, ...]
    #: Tokens with a character outside datatrove's PUNCTUATION_SET (Gopher's non-symbol words).
    n_content: int
    content_chars: int
    #: Tokens with an alphabetic character.
    n_alpha: int
    #: spaCy sentencizer over the tokens: ``sentence_step[seen_period]`` is (breaks, seen_period after).
    sentence_step: tuple[tuple[int, bool], tuple[int, bool]]


def _sentencizer_step(codes: tuple[int, ...], seen_period: bool) -> tuple[int, bool]:
    """spaCy ``Sentencizer.predict``: a token that is neither punctuation nor a sentence-final character
    after a sentence-final character starts a new sentence. codes: 1 final char, 2 other punct, 0 other."""
    breaks = 0
    for code in codes:
        if code == 1:
            seen_period = True
        elif code == 0 and seen_period:
            breaks += 1
            seen_period = False
    return breaks, seen_period


@lru_cache(maxsize=4096)
def _sentence_step(codes: tuple[int, ...]) -> tuple[tuple[int, bool], tuple[int, bool]]:
    return _sentencizer_step(codes, False), _sentencizer_step(codes, True)


class ChunkTokenizer:
    """Exact spaCy tokens for one language's blank pipeline, with a bounded per-chunk cache.

    Args:
        language: spaCy language code; its ``spacy.blank`` pipeline must use the standard
            ``spacy.tokenizer.Tokenizer`` (true of the space-delimited languages).
        max_cache: chunks kept before the cache is cleared (bounds memory on endless streams).
        compiled: use the compiled loops of ``_native.c`` where they are built; False runs the Python reference
            (same tokens, the tests compare the two).
    """

    def __init__(self, language: str, max_cache: int = 200_000, compiled: bool = True) -> None:
        import spacy
        from spacy.attrs import IS_PUNCT
        from spacy.pipeline import Sentencizer

        self.native = native if compiled else None
        self.nlp = spacy.blank(language)
        # Lexical attributes (shape, like_num, ...) cost most of a new lexeme and play no part in where tokens
        # split; only is_punct is needed, for the sentencizer, and it is computed with spaCy's own function.
        self._is_punct = self.nlp.vocab.lex_attr_getters[IS_PUNCT]
        self.nlp.vocab.lex_attr_getters = {}
        self.punct_chars = set(Sentencizer.default_punct_chars)  # datatrove adds the sentencizer as is
        from spacy.attrs import ORTH

        tokenizer = self.nlp.tokenizer
        rules = tokenizer.rules or {}
        self._specials: dict[str, list[str]] = {
            key: [sub[ORTH] if ORTH in sub else sub["ORTH"] for sub in subs] for key, subs in rules.items()
        }
        self._token_match = tokenizer.token_match
        self._url_match = tokenizer.url_match
        self._prefix_search = tokenizer.prefix_search
        self._suffix_search = tokenizer.suffix_search
        self._infix_finditer = tokenizer.infix_finditer
        self._rule_functions = (
            self._token_match,
            self._url_match,
            self._prefix_search,
            self._suffix_search,
            self._infix_finditer,
        )
        # Most chunks are plain words that no affix regex matches; the gates skip those calls (see regex_gates).
        self._rule_gates = tuple(map(gate, self._rule_functions))
        self._rule_tails = tuple(map(tail, self._rule_functions))  # the suffix search's, see regex_gates.tail
        self._is_punct_cache: dict[str, bool] = {}
        # Special cases spaCy matches again over the tokens after splitting: add_special_case puts those with
        # an affix in a PhraseMatcher, as their tokens without special cases. A chunk whose tokens contain
        # one of these patterns is left to spaCy (keys with whitespace: conservatively, their split parts).
        matched = [
            key
            for key in rules
            if not tokenizer.faster_heuristics
            or tokenizer.find_prefix(key)
            or tokenizer.find_infix(key)
            or tokenizer.find_suffix(key)
            or " " in key
        ]
        self._matcher_patterns: dict[str, list[tuple[str, ...]]] = {}
        for key in matched:
            pattern = tuple(token for part in key.split() for token in self._split_affixes(part, {}))
            # A special case whose tokens are the pattern's own ("'" -> "'") changes no token text when spaCy
            # applies it, and a longer overlapping match wins over it in spaCy as here: only the others count.
            if pattern and list(pattern) != self._specials[key]:
                self._matcher_patterns.setdefault(pattern[0], []).append(pattern)
        self.max_cache = max_cache
        self._cache: dict[str, Chunk] = {}
        self._token_ids: dict[str, int] = {}

    def lookup(self, chunks: list[str]) -> list[Chunk]:
        """The entry of every chunk (no whitespace inside), tokenizing the unseen ones in one spaCy call."""
        find = cached_entries_py if self.native is None else self.native.cached_entries
        entries, missing = find(chunks, self._cache)
        if missing:
            if self._cache and len(self._cache) + len(missing) > self.max_cache:
                self._cache.clear()
                self._token_ids.clear()
                return self.lookup(chunks)  # every id of one document must come from the same generation
            self._cache.update(zip(missing, self._tokenize(missing), strict=True))
            entries = list(map(self._cache.get, chunks))
        return entries

    def concat(self, entries: list[Chunk]) -> tuple[list[str], list[int], int, int, int]:
        """A document's tokens, token ids and Gopher word counts from its chunks' entries."""
        return (concat_chunks_py if self.native is None else self.native.concat_chunks)(entries)

    def split(self, chunk: str) -> list[str] | None:
        """spaCy's tokens of ``chunk`` (non-empty, no whitespace), or None where only spaCy can tell."""
        tokens = self._split_affixes(chunk, self._specials)
        patterns = self._matcher_patterns
        for i, token in enumerate(tokens):
            for pattern in patterns.get(token, ()):
                if tuple(tokens[i : i + len(pattern)]) == pattern:
                    return None
        return tokens

    def _split_affixes(self, chunk: str, specials: dict[str, list[str]]) -> list[str]:
        """``Tokenizer._split_affixes`` then ``_attach_tokens`` on one chunk (``specials={}``: without them);
        the compiled ``split_affixes`` where it is built, which calls the same regex functions."""
        if self.native is None:
            return self.split_affixes_py(chunk, specials)
        return self.native.split_affixes(chunk, specials, self._rule_functions, self._rule_gates, self._rule_tails)

    def split_affixes_py(self, chunk: str, specials: dict[str, list[str]]) -> list[str]:
        """The Python reference of ``_split_affixes``."""
        token_match = self._token_match
        # spaCy's find_prefix / find_suffix: the match's length, 0 without a match (or without rules).
        prefix_search = self._prefix_search or _no_match
        suffix_search = self._suffix_search or _no_match
        prefixes: list[str] = []
        suffixes: list[str] = []
        string, last_size = chunk, 0
        # Tokenizer._split_affixes
        while string and len(string) != last_size:
            if token_match is not None and token_match(string):
                break
            if string in specials:
                break
            last_size = len(string)
            match = prefix_search(string)
            pre_len = match.end() - match.start() if match is not None else 0
            if pre_len != 0:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and minus_pre in specials:
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            match = suffix_search(string[pre_len:])
            suf_len = match.end() - match.start() if match is not None else 0
            if suf_len != 0:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and minus_suf in specials:
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and (pre_len + suf_len) <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        # Tokenizer._attach_tokens
        tokens = prefixes
        if string:
            if string in specials:
                tokens += specials[string]
            elif (token_match is not None and token_match(string)) or (
                self._url_match is not None and self._url_match(string)
            ):
                tokens.append(string)
            else:
                matches = list(self._infix_finditer(string)) if self._infix_finditer is not None else []
                if not matches:
                    tokens.append(string)
                else:
                    start = 0
                    for match in matches:
                        infix_start, infix_end = match.start(), match.end()
                        if infix_start == 0:  # spaCy's start_before_infixes
                            continue
                        if infix_start != start:
                            tokens.append(string[start:infix_start])
                        if infix_start != infix_end:
                            tokens.append(string[infix_start:infix_end])
                        start = infix_end
                    if string[start:]:
                        tokens.append(string[start:])
        tokens += reversed(suffixes)
        return tokens

    def _tokenize(self, chunks: list[str]) -> list[Chunk]:
        results = self.entries_py(chunks) if self.native is None else self._entries_native(chunks)
        rest = [i for i, entry in enumerate(results) if entry is None]
        if rest:
            for i, entry in zip(rest, self._spacy_tokenize([chunks[i] for i in rest]), strict=True):
                results[i] = entry
        return results  # type: ignore[return-value]

    def entries_py(self, chunks: list[str]) -> list[Chunk | None]:
        """Each chunk's entry, None where only spaCy can tell (the reference of the compiled path)."""
        results: list[Chunk | None] = []
        for chunk in chunks:
            tokens = self.split(chunk)
            if tokens is None:
                results.append(None)
            elif len(tokens) == 1:
                results.append(self._one_token_chunk(tokens[0]))
            else:
                results.append(self._chunk(tokens))
        return results

    def _entries_native(self, chunks: list[str]) -> list[Chunk | None]:
        return self.native.tokenize_chunks(
            chunks,
            self._specials,
            self._matcher_patterns,
            self._token_ids,
            self.punct_chars,
            PUNCTUATION_SET,
            _PUNCTUATION_BITMAP,
            Chunk,
            self._is_punct,
            self._is_punct_cache,
            self._rule_functions,
            self._rule_gates,
            self._rule_tails,
        )

    def _spacy_tokenize(self, chunks: list[str]) -> list[Chunk]:
        from spacy.attrs import IDX, LENGTH

        # One spaCy call for all these chunks, joined by single spaces (which spaCy turns into no token).
        joined = " ".join(chunks)
        with self.nlp.memory_zone():  # frees the new lexemes again: the vocabulary does not grow
            spans = self.nlp.tokenizer(joined).to_array([IDX, LENGTH]).tolist()
        token_lists: list[list[str]] = [[] for _ in chunks]
        i, next_start = 0, len(chunks[0]) + 1
        for start, length in spans:
            while start >= next_start:
                i += 1
                next_start += len(chunks[i]) + 1
            token_lists[i].append(joined[start : start + length])
        return [self._chunk(tokens) for tokens in token_lists]

    def _chunk(self, tokens: list[str] | tuple[str, ...]) -> Chunk:
        token_ids = self._token_ids
        punct_chars, is_punct = self.punct_chars, self._is_punct
        # is_punct needs every character to be punctuation, so letters and digits skip the unicodedata lookups.
        codes = tuple([1 if t in punct_chars else 0 if t.isalnum() or not is_punct(t) else 2 for t in tokens])
        content = [t for t in tokens if not PUNCTUATION_SET.issuperset(t)]
        return Chunk(
            tokens=tuple(tokens),
            token_ids=tuple([token_ids.setdefault(t, len(token_ids)) for t in tokens]),
            n_content=len(content),
            content_chars=sum(map(len, content)),
            n_alpha=sum([t.isalpha() or any(map(str.isalpha, t)) for t in tokens]),
            sentence_step=_sentence_step(codes),
        )

    def _one_token_chunk(self, token: str) -> Chunk:
        """``_chunk((token,))``, without the loops (most new chunks are one plain word)."""
        if token.isalpha():  # a word of letters: no punctuation, so content, alphabetic, no sentence end
            code, content = 0, not PUNCTUATION_SET.issuperset(token)
            n_alpha = 1
        else:
            punct_chars = self.punct_chars
            code = 1 if token in punct_chars else 0 if token.isalnum() or not self._is_punct(token) else 2
            content = not PUNCTUATION_SET.issuperset(token)
            n_alpha = int(any(map(str.isalpha, token)))
        length = len(token)
        token_ids = self._token_ids
        return Chunk(
            tokens=(token,),
            token_ids=(token_ids.setdefault(token, len(token_ids)),),
            n_content=int(content),
            content_chars=length if content else 0,
            n_alpha=n_alpha,
            sentence_step=_sentence_step((code,)),
        )

    def words(self, text: str) -> list[str]:
        """datatrove's ``word_tokenize``: spaCy tokens without the whitespace ones."""
        return list(chain.from_iterable([entry.tokens for entry in self.lookup(text.split())]))

    def analyze_lines(self, lines: list[str]) -> tuple[list[int], list[str]]:
        """Sentences per line (datatrove's ``len(split_into_sentences(line))``, spaCy's sentencizer) and the
        words of the lines joined by newlines."""
        # Lines with whitespace other than single spaces between chunks take the general path first, since
        # its lookups may clear the cache; after the lookup below every chunk of every line is cached.
        general = {i: self._sentence_count_general(line) for i, line in enumerate(lines) if not _is_plain(line)}
        entries = self.lookup("\n".join(lines).split())
        if self.native is not None:
            counts = self.native.line_sentence_counts(lines, entries, general)
        else:
            counts = self.line_sentence_counts_py(lines, general)
        return counts, list(chain.from_iterable([entry.tokens for entry in entries]))

    def line_sentence_counts_py(self, lines: list[str], general: dict[int, int]) -> list[int]:
        """Sentences per line, every chunk of the plain lines being in the cache (the compiled one's reference)."""
        cache = self._cache
        counts = []
        for i, line in enumerate(lines):
            if i in general:
                counts.append(general[i])
                continue
            breaks, seen = 0, False
            for chunk in line.split(" "):
                b, seen = cache[chunk].sentence_step[seen]
                breaks += b
            counts.append(breaks + 1)  # no tokens still makes one part in datatrove's split_into_sentences
        return counts

    def _sentence_count_general(self, line: str) -> int:
        parts = _PARTS.findall(line)
        entries = iter(self.lookup([p for p in parts if not p[0].isspace()]))
        breaks, seen = 0, False
        for i, part in enumerate(parts):
            if part[0].isspace():
                # spaCy swallows one space after a token; any other whitespace is a (non-punct) token.
                if (i == 0 or part[1:] or part[0] != " ") and seen:
                    breaks, seen = breaks + 1, False
                continue
            b, seen = next(entries).sentence_step[seen]
            breaks += b
        return breaks + 1


def cached_entries_py(chunks: list[str], cache: dict[str, Chunk]) -> tuple[list[Chunk | None], list[str]]:
    """Each chunk's cached entry (None if absent) and the absent chunks, each once, in order of appearance."""
    entries = list(map(cache.get, chunks))
    missing = list(dict.fromkeys(c for c, entry in zip(chunks, entries, strict=True) if entry is None))
    return entries, missing


def concat_chunks_py(entries: list[Chunk]) -> tuple[list[str], list[int], int, int, int]:
    """One document's tokens and token ids from its chunks' entries, and its Gopher word counts."""
    if not entries:
        return [], [], 0, 0, 0
    tokens, ids, n_content, content_chars, n_alpha, _ = zip(*entries, strict=True)
    return (
        list(chain.from_iterable(tokens)),
        list(chain.from_iterable(ids)),
        sum(n_content),
        sum(content_chars),
        sum(n_alpha),
    )


def _no_match(string: str) -> None:
    return None


def _is_plain(line: str) -> bool:
    """True when single spaces are the only whitespace, between chunks (so ``split(" ")`` gives the chunks)."""
    return bool(line) and not line[0].isspace() and not line[-1].isspace() and "  " not in line and line.isprintable()
