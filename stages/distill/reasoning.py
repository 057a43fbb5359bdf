"""Split a teacher's reply into its reasoning and its answer.

Servers hand reasoning back in one of three ways: a separate `reasoning_content` field (DeepSeek API, vLLM and
SGLang with a reasoning parser), inline as `<think>...</think>` before the answer (raw R1-style models), or inline
with the opening tag missing, because the chat template already put `<think>` into the prompt (DeepSeek-R1-Distill,
QwQ): "reasoning...</think>answer". Reasoning goes to `Message.reasoning`, the answer to `Message.content`; the
writers render it back per target format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"<think>", re.IGNORECASE)
_CLOSE = re.compile(r"</think>", re.IGNORECASE)


@dataclass(frozen=True)
class SplitReply:
    reasoning: str | None
    answer: str
    how: str  # where the reasoning came from: field, think_tags, missing_open_tag, unclosed_think, none
    unclosed: bool = False  # the reply stopped inside its reasoning (no answer was written)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


def split_reasoning(content: str | None, reasoning_content: str | None = None) -> SplitReply:
    """(reasoning, answer) of one reply. A `reasoning_content` field wins; inline tags are looked for otherwise.

    With the field present a `<think>` block in the content is still taken out of the answer (some servers send
    both) and appended to the field's reasoning. Text before a `<think>` tag is kept in the answer's place only
    when no tag closes it; an unclosed `<think>` means the reply ran out of tokens while reasoning."""
    content = content or ""
    field = _clean(reasoning_content)
    if field is not None:
        # A lone `</think>` next to a reasoning field is stray text in the answer, not a missing opening tag.
        inline, answer, _, unclosed = (
            _split_inline(content) if _OPEN.search(content) else (None, content.strip(), "", False)
        )
        reasoning = field if inline is None else f"{field}\n\n{inline}"
        return SplitReply(reasoning, answer, "field", unclosed)
    inline, answer, how, unclosed = _split_inline(content)
    return SplitReply(inline, answer, how, unclosed)


def _split_inline(content: str) -> tuple[str | None, str, str, bool]:
    # The first closing tag after the opening one ends the reasoning: a stray `</think>` later on (real traces
    # have answers ending in one) stays in the answer.
    opening = _OPEN.search(content)
    close = _CLOSE.search(content, opening.end() if opening else 0)
    if close is None:
        if opening is None:
            return None, content.strip(), "none", False
        # `<think>` never closed: everything after it is reasoning and no answer was written.
        before = content[: opening.start()].strip()
        return _clean(content[opening.end() :]), before, "unclosed_think", True
    answer = content[close.end() :].strip()
    if opening is not None and opening.start() < close.start():
        before = content[: opening.start()].strip()
        reasoning = _clean(content[opening.end() : close.start()])
        # Text before the tag is rare (a preamble); it belongs to the reasoning, not the graded answer.
        if before:
            reasoning = f"{before}\n\n{reasoning or ''}".strip()
        return reasoning, answer, "think_tags", False
    return _clean(content[: close.start()]), answer, "missing_open_tag", False
