"""Reasoning inline as `<think>...</think>`, for formats that have no field of their own for it."""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>\n(.*?)\n</think>\n\n(.*)\Z", re.DOTALL)


def render_think(reasoning: str | None, content: str) -> str:
    return content if reasoning is None else f"<think>\n{reasoning}\n</think>\n\n{content}"


def split_think(text: str) -> tuple[str | None, str]:
    """(reasoning, answer). Only a block that renders back to exactly `text` is split off, so reading and writing
    the same format never changes a byte; anything else (odd spacing, tags mid-text) stays in the answer."""
    match = _THINK.match(text)
    if match and render_think(match[1], match[2]) == text:
        return match[1], match[2]
    return None, text
