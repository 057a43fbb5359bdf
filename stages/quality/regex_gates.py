"""Which characters a regex match can begin or end with, read off the parsed pattern.

spaCy's suffix and infix regexes are alternations of hundreds of pieces that ``search``/``finditer`` try at every
position of a chunk; for a plain word nothing matches, after a few microseconds. A *gate* says, from the
characters alone, that a call cannot match, so the call can be skipped with the same result:

- ``search``/``finditer``: every match consumes at least one character, and its first character is in
  ``first_chars(pattern)``; a string with none of those characters has no match.
- ``search`` whose every alternative ends with ``$``: the match ends at the end of the string (or before a final
  newline), with a character in ``last_chars``; so the string's last character must be one.
- ``match``: the match starts at position 0, so the string's first character must be in ``first_chars``.
- any of them: ``required_chars`` are characters of which the string must hold at least one, read from the
  pieces every match needs (a literal ``.`` in a URL host, the digit a lookbehind of ``km$`` asks for).

The sets are over-approximations: anything this module cannot read (negated classes, categories, ``.``,
case-insensitive parts, back-references, a pattern that can match the empty string) makes the gate ``None``
(always call the regex). Characters outside the Basic Multilingual Plane always pass a gate.
``tests/test_quality_native.py`` checks on real text that no gated-out call would have matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

_BMP = 0x10000
#: Gate modes, the first byte of a gate (the bitmap of 65,536 characters follows).
ANY_CHAR, LAST_CHAR, FIRST_CHAR = 0, 1, 2


class _Unknown(Exception):
    """The pattern uses something this module does not read: no gate."""


_ZERO_WIDTH = {c.AT, c.ASSERT, c.ASSERT_NOT}
_REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT}


def _item_edge(op: object, av: object, backwards: bool, chars: set[int]) -> bool:
    """Adds the characters an item can start (or, backwards, end) with; returns whether it can be empty."""
    if op is c.LITERAL:
        chars.add(av)
        return False
    if op is c.IN:
        for kind, value in av:
            if kind is c.LITERAL:
                chars.add(value)
            elif kind is c.RANGE:
                low, high = value
                chars.update(range(low, min(high, _BMP - 1) + 1))
                if high >= _BMP:
                    chars.add(_BMP)  # marks "some character above the BMP", which gates let through anyway
            else:  # NEGATE, CATEGORY (\d, \w, ...)
                raise _Unknown(kind)
        return False
    if op is c.BRANCH:
        empty = False
        for branch in av[1]:
            empty |= _sequence_edge(branch, backwards, chars)
        return empty
    if op is c.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        if add_flags & re.IGNORECASE:
            raise _Unknown("case-insensitive group")
        return _sequence_edge(pattern, backwards, chars)
    if op is c.ATOMIC_GROUP:
        return _sequence_edge(av, backwards, chars)
    if op in _REPEATS:
        low, _high, pattern = av
        return _sequence_edge(pattern, backwards, chars) or low == 0
    if op in _ZERO_WIDTH:
        return True
    raise _Unknown(op)  # ANY, NOT_LITERAL, GROUPREF, ...


def _sequence_edge(items: Iterable[tuple[object, object]], backwards: bool, chars: set[int]) -> bool:
    items = list(items)
    # all() stops at the first item that cannot be empty: the characters after it cannot begin a match.
    return all(_item_edge(op, av, backwards, chars) for op, av in (reversed(items) if backwards else items))


def bmp_bitmap(chars: Iterable[int]) -> bytes:
    """One bit per code point of the Basic Multilingual Plane (8,192 bytes); code points above it are ignored."""
    bits = bytearray(_BMP // 8)
    for char in chars:
        if char < _BMP:
            bits[char >> 3] |= 1 << (char & 7)
    return bytes(bits)


def _bitmap(mode: int, chars: set[int]) -> bytes:
    return bytes([mode]) + bmp_bitmap(chars)


def _parsed(pattern: re.Pattern[str]) -> list[tuple[object, object]]:
    if pattern.flags & re.IGNORECASE:
        raise _Unknown("case-insensitive pattern")
    return list(_parse(pattern.pattern, pattern.flags))


@lru_cache(maxsize=256)
def _parse(source: str, flags: int) -> tuple[tuple[object, object], ...]:
    # spaCy's affix regexes are large and every language's tokenizer asks for several readings of the same few.
    return tuple(_parser.parse(source, flags))


def _method(function: Callable[..., object] | None, names: tuple[str, ...]) -> tuple[re.Pattern[str], str] | None:
    """(pattern, method name) of a bound ``re.Pattern`` method among ``names``, else None. Patterns are equal and
    hash alike when their source and flags are, so the readings below are shared by equal patterns."""
    pattern = getattr(function, "__self__", None)
    name = getattr(function, "__name__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str) or name not in names:
        return None
    return pattern, name


def first_chars(pattern: re.Pattern[str]) -> set[int] | None:
    """Code points any match can begin with (None: unknown, or the pattern can match the empty string)."""
    chars: set[int] = set()
    try:
        if _sequence_edge(_parsed(pattern), False, chars):
            return None
    except _Unknown:
        return None
    return chars


def _end_anchored(items: list[tuple[object, object]]) -> list[list[tuple[object, object]]] | None:
    """The alternatives of a pattern, each without its final ``$``; None unless every one ends with ``$``."""
    if len(items) == 1 and items[0][0] is c.BRANCH:
        branches = []
        for branch in items[0][1][1]:
            anchored = _end_anchored(list(branch))
            if anchored is None:
                return None
            branches += anchored
        return branches
    if items and items[-1] == (c.AT, c.AT_END):
        return [items[:-1]]
    return None


def last_chars_at_end(pattern: re.Pattern[str]) -> set[int] | None:
    """Code points a match can end with, when every alternative ends with ``$`` (else None)."""
    try:
        branches = _end_anchored(_parsed(pattern))
        if branches is None:
            return None
        chars: set[int] = set()
        for branch in branches:
            if _sequence_edge(branch, True, chars):
                return None  # an alternative that matches the empty string at the end
    except _Unknown:
        return None
    return chars


def _cost(chars: set[int]) -> tuple[int, int]:
    # Plain words are what the gates are for: a set with fewer letters and digits lets fewer of them through.
    return len(_alnum_bmp().intersection(chars)), len(chars)


@lru_cache(maxsize=1)
def _alnum_bmp() -> frozenset[int]:
    return frozenset(code for code in range(_BMP) if chr(code).isalnum())


def _required(items: Iterable[tuple[object, object]]) -> set[int] | None:
    best: set[int] | None = None
    best_cost = (0, 0)
    for op, av in items:
        chars = _item_required(op, av)
        if chars is None:
            continue
        cost = _cost(chars)  # a pass over the set: once per candidate, not once per comparison
        if best is None or cost < best_cost:
            best, best_cost = chars, cost
    return best


def _item_required(op: object, av: object) -> set[int] | None:
    """Characters the string must contain one of for this item to match (None: nothing known)."""
    if op in (c.LITERAL, c.IN):
        chars: set[int] = set()
        try:
            _item_edge(op, av, False, chars)
        except _Unknown:
            return None
        return chars
    if op is c.BRANCH:
        union: set[int] = set()
        for branch in av[1]:
            chars = _required(branch)
            if chars is None:
                return None
            union |= chars
        return union
    if op is c.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _required(av[3])
    if op is c.ATOMIC_GROUP:
        return _required(av)
    if op in _REPEATS:
        return _required(av[2]) if av[0] >= 1 else None
    if op is c.ASSERT:  # a lookaround's characters are in the string too (after or before the match)
        return _required(av[1])
    return None


def required_chars(pattern: re.Pattern[str]) -> set[int] | None:
    """Code points of which a string must contain at least one for the pattern to match in it (None: unknown)."""
    try:
        return _required(_parsed(pattern))
    except _Unknown:
        return None


def _consumable(items: Iterable[tuple[object, object]], chars: set[int]) -> None:
    """Adds every character the items can consume (lookarounds consume none); _Unknown where unreadable."""
    for op, av in items:
        if op in (c.LITERAL, c.IN):
            _item_edge(op, av, False, chars)
        elif op is c.BRANCH:
            for branch in av[1]:
                _consumable(branch, chars)
        elif op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                raise _Unknown("case-insensitive group")
            _consumable(av[3], chars)
        elif op is c.ATOMIC_GROUP:
            _consumable(av, chars)
        elif op in _REPEATS:
            _consumable(av[2], chars)
        elif op not in _ZERO_WIDTH:
            raise _Unknown(op)


def tail(function: Callable[..., object] | None) -> tuple[int, bytes] | None:
    """For a ``search`` whose every alternative ends with ``$``: (W, the characters its unbounded alternatives can
    consume). A bounded alternative consumes at most W characters, so its match starts at len(s) - W or later;
    an unbounded one starting earlier consumes all of s[start:], s[len(s) - W - 1] included. When that character
    is not one it can consume (and s does not end with a newline, before which ``$`` also matches), no match
    starts before len(s) - W, and ``search(s, len(s) - W)`` (lookbehinds still see the characters before) gives
    the same match in time independent of len(s): spaCy's suffix loop otherwise rescans the whole chunk for every
    suffix it strips. None where this does not hold or cannot be read."""
    method = _method(function, ("search",))
    return None if method is None else _tail(method[0])


@lru_cache(maxsize=256)
def _tail(pattern: re.Pattern[str]) -> tuple[int, bytes] | None:
    if last_chars_at_end(pattern) is None:
        return None
    try:
        parsed = _parsed(pattern)
    except _Unknown:
        return None
    branches = parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] is c.BRANCH else [parsed]
    width, unbounded = 0, set()
    try:
        for branch in branches:
            if not isinstance(branch, _parser.SubPattern):
                return None
            low, high = branch.getwidth()
            if high >= c.MAXREPEAT:
                _consumable(branch, unbounded)
            else:
                width = max(width, high)
    except _Unknown:
        return None
    if any(char >= _BMP for char in unbounded):
        return None  # the bitmap cannot say "not consumable" for those
    return width, bmp_bitmap(unbounded)


def gate(function: Callable[..., object] | None) -> bytes | None:
    """The gate of a bound ``re.Pattern`` method (``search``, ``finditer``, ``match``), or None: one or more
    checks of 8,193 bytes each (a mode byte, then the bitmap), every one of which a string must pass."""
    method = _method(function, ("search", "finditer", "match"))
    return None if method is None else _gate(*method)


@lru_cache(maxsize=256)
def _gate(pattern: re.Pattern[str], name: str) -> bytes | None:
    checks = []
    last = last_chars_at_end(pattern) if name == "search" else None
    if last is not None:
        checks.append(_bitmap(LAST_CHAR, last))
    first = first_chars(pattern)
    if first is not None:
        checks.append(_bitmap(FIRST_CHAR if name == "match" else ANY_CHAR, first))
    required = required_chars(pattern)
    if required is not None:
        checks.append(_bitmap(ANY_CHAR, required))
    return b"".join(checks) or None


def may_match(gate_bytes: bytes | None, string: str) -> bool:
    """The gate's verdict in Python (the compiled splitter applies the same rule): False means no match."""
    if gate_bytes is None or not string:
        return True
    size = 1 + _BMP // 8
    return all(_check_passes(gate_bytes[i : i + size], string) for i in range(0, len(gate_bytes), size))


def _check_passes(check: bytes, string: str) -> bool:
    mode, bits = check[0], check[1:]

    def passes(ch: str) -> bool:
        code = ord(ch)
        return code >= _BMP or bool(bits[code >> 3] & (1 << (code & 7)))

    if mode == LAST_CHAR:
        # "$" also matches before a final newline, so the match may end one character earlier.
        return passes(string[-1]) or (string[-1] == "\n" and len(string) > 1 and passes(string[-2]))
    if mode == FIRST_CHAR:
        return passes(string[0])
    return any(map(passes, string))
