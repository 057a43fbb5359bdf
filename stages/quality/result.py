"""What one rule group reports back to the scorer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class GroupResult:
    signals: dict[str, float]
    failed_rule: str | None
    #: The text the next group sees; only C4 edits it, and only when the document is kept.
    text: str | None = None
    #: Tokens of ``text`` when the group produced them anyway (saves FineWeb a tokenizer pass).
    words: list[str] | None = None


def first_failure(checks: Iterable[tuple[str, bool]]) -> str | None:
    """The reason of the first failed check, in datatrove's check order."""
    return next((reason for reason, failed in checks if failed), None)


def ratio(numerator: float, denominator: float) -> float:
    # datatrove divides unguarded and would crash here; 0.0 keeps signals finite for degenerate text
    # (e.g. no words), which the count-based rules reject anyway.
    return numerator / denominator if denominator else 0.0


# datatrove tests its optional thresholds for truthiness: None or 0 disables the check.
def above(value: float, limit: float | None) -> bool:
    return bool(limit) and value > limit


def below(value: float, limit: float | None) -> bool:
    return bool(limit) and value < limit
