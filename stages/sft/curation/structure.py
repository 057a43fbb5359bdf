"""Checks on one record's shape: role order, empty or truncated replies, `<think>` tag balance.

Each check is a pure function of a canonical record (and its section of the config) that returns a `Drop` (the
reason and details for rejected/) or None. They look at canonical roles: ShareGPT's human/observation are
user/tool turns and gpt/function_call are assistant turns (a function_call is an assistant turn with tool calls).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from schemas.conversation import ConversationRecord, Message, SftRecord
from schemas.sft_curate import RepliesCheck, ThinkCheck
from stages.sft.common import split_system


@dataclass
class Drop:
    """Why a record is left out: a short reason (counted in the manifest) and details for rejected/."""

    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def sequences(record: SftRecord) -> list[tuple[str, list[Message]]]:
    """The conversations a record trains on, without the leading system prompt: the record itself, or the prompt
    followed by each reply of a preference pair (a KTO record has one)."""
    if isinstance(record, ConversationRecord):
        return [("messages", split_system(record.system, record.messages)[1])]
    prompt = split_system(record.system, record.prompt)[1]
    pairs = [("chosen", prompt + record.chosen)]
    if record.rejected:
        pairs.append(("rejected", prompt + record.rejected))
    return pairs


def replies(record: SftRecord) -> Iterator[tuple[str, Message]]:
    """Every assistant turn, each once, with where it sits (`turn 3`, `chosen`, `rejected turn 1`)."""
    if isinstance(record, ConversationRecord):
        turns = [("turn", record.messages)]
    else:
        turns = [("prompt turn", record.prompt), ("chosen", record.chosen), ("rejected", record.rejected)]
    for label, messages in turns:
        for number, message in enumerate(messages, 1):
            if message.role == "assistant":
                yield (
                    (label if label in ("chosen", "rejected") and len(messages) == 1 else f"{label} {number}"),
                    message,
                )


# --- role order ------------------------------------------------------------------------------------------------


def check_roles(record: SftRecord) -> Drop | None:
    """LLaMA-Factory's rule (its converters drop any other sample): user or tool at odd positions, assistant at
    even ones, ending with an assistant turn; a system turn is only allowed first."""
    for name, turns in sequences(record):
        if not turns:
            return Drop("no_turns", {"where": name})
        for position, message in enumerate(turns, 1):
            if message.role == "system":
                return Drop("system_turn_inside", {"where": name, "position": position})
            expected = ("user", "tool") if position % 2 else ("assistant",)
            if message.role not in expected:
                return Drop(
                    "bad_role_order",
                    {"where": name, "position": position, "role": message.role, "expected": "/".join(expected)},
                )
        if turns[-1].role != "assistant":
            return Drop("ends_without_reply", {"where": name, "last_role": turns[-1].role})
    return None


# --- empty and truncated replies --------------------------------------------------------------------------------

# A fence opens with 3+ backticks or tildes (after any indentation: fences sit inside list items too) and closes
# with a line of at least as many of the same character and nothing else (CommonMark).
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_TRUNCATED = {"finish_reason": ("length", "max_tokens"), "stop_reason": ("max_tokens", "length")}


def open_fence(text: str) -> bool:
    """Whether a code fence is still open at the end of the text."""
    opener: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match is None:
            continue
        marks, rest = match[1], match[2]
        if opener is None:
            if not (marks[0] == "`" and "`" in rest):  # a backtick info string cannot hold backticks
                opener = marks
        elif marks[0] == opener[0] and len(marks) >= len(opener) and not rest.strip():
            opener = None
    return opener is not None


def ends_in_think(text: str) -> bool:
    return text.rfind("<think>") > text.rfind("</think>")


def check_replies(record: SftRecord, config: RepliesCheck) -> Drop | None:
    if config.finish_reason:
        for key, values in _TRUNCATED.items():
            if record.metadata.get(key) in values:
                return Drop("truncated_finish_reason", {key: record.metadata[key]})
    for where, message in replies(record):
        if config.empty and not message.content.strip() and not message.tool_calls:
            return Drop("empty_reply", {"where": where})
        if config.open_think and (ends_in_think(message.content) or ends_in_think(message.reasoning or "")):
            return Drop("truncated_think", {"where": where})
        if config.code_fences and open_fence(message.content):
            return Drop("truncated_code_fence", {"where": where})
    return None


# --- <think> balance --------------------------------------------------------------------------------------------

_TAG = re.compile(r"</?think>")


def think_problem(text: str, max_blocks: int) -> str | None:
    """The first tag problem of one turn's text, or None."""
    depth = blocks = 0
    for tag in _TAG.findall(text):
        if tag == "<think>":
            if depth:
                return "nested_think"
            depth, blocks = 1, blocks + 1
        elif not depth:
            return "stray_close_think"
        else:
            depth = 0
    if depth:
        return "unclosed_think"
    return "multiple_think_blocks" if blocks > max_blocks else None


def check_think(record: SftRecord, config: ThinkCheck) -> Drop | None:
    """Readers split a well-formed leading `<think>` block into `reasoning`; tags left in the content are odd
    spacing, blocks mid-answer, or broken ones."""
    for where, message in replies(record):
        if message.reasoning is not None and (_TAG.search(message.content) or _TAG.search(message.reasoning)):
            return Drop("reasoning_and_inline_think", {"where": where})
        problem = think_problem(message.content, config.max_blocks)
        if problem:
            return Drop(problem, {"where": where})
    return None
