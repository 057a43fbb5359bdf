"""Checks that need a model: language ID of the user turns (fastText) and token limits (tiktoken/tokenizers).

Both load their model once, in the constructor, so a bad model path or tokenizer name fails before any record
is read.
"""

from __future__ import annotations

import re

from datatrove.data import Document

from schemas.conversation import ConversationRecord, Message, SftRecord
from schemas.sft_curate import SftLanguageCheck, SftLengthCheck
from stages.language import LocalFastTextLID, resolve_model_path
from stages.sft.curation.structure import Drop, replies
from stages.tokens import load_counter


def user_text(record: SftRecord) -> str:
    """The user turns, concatenated: what the language is judged on (system prompts are often boilerplate in
    English whatever the language of the data; tool results are JSON)."""
    turns = record.messages if isinstance(record, ConversationRecord) else record.prompt
    return "\n".join(m.content for m in turns if m.role == "user" and m.content.strip())


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u1100-\u11ff\uac00-\ud7af]")


def mostly_han(text: str) -> bool:
    """Han characters are most of the letters and there is no kana or hangul (Japanese and Korean text nearly
    always has them): Chinese, by script."""
    if _KANA_HANGUL.search(text):
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters > 0 and 2 * len(_HAN.findall(text)) > letters


class LanguageCheck:
    """datatrove's LanguageFilter rule, as the curate flow's language stage: keep when one of `languages` scores
    above the threshold; otherwise `language_not_allowed` (the top language is not listed) or `low_confidence`."""

    def __init__(self, config: SftLanguageCheck):
        self.config = config
        self.lid = LocalFastTextLID(resolve_model_path(config.model), config.languages)
        self.lid.model  # noqa: B018 - load now, so a broken model file fails before any record is read

    def __call__(self, record: SftRecord) -> Drop | None:
        text = user_text(record)
        if not text:
            return None  # nothing to judge; a record without a user turn fails the role check
        if self.config.han_is_chinese and mostly_han(text):
            label, score, scores, by = "zh", 1.0, {"zh": 1.0}, "script"
            scores = {key: value for key, value in scores.items() if key in self.config.languages}
        else:
            (label, score), scores = self.lid.predict(Document(text=text, id=record.id))
            by = "model"
        if any(value > self.config.threshold for value in scores.values()):
            return None
        details = {"language": label, "language_score": round(score, 4), "language_by": by}
        return Drop("language_not_allowed" if label not in self.config.languages else "low_confidence", details)


def message_text(message: Message) -> str:
    calls = "\n".join(f"{call.name} {call.arguments}" for call in message.tool_calls)
    return "\n".join(part for part in (message.reasoning, message.content, calls) if part)


class LengthCheck:
    """Token limits on what a trainer sees: the whole record (text only, no chat template) and each reply."""

    def __init__(self, config: SftLengthCheck):
        self.config = config
        self.count = load_counter(config.tokenizer)

    def _tokens(self, messages: list[Message]) -> int:
        return sum(self.count([message_text(m) for m in messages])) if messages else 0

    def total_tokens(self, record: SftRecord) -> int:
        head = sum(self.count([t for t in (record.system, record.tools) if t])) if record.system or record.tools else 0
        if isinstance(record, ConversationRecord):
            return head + self._tokens(record.messages)
        # A pair trains as prompt + chosen and prompt + rejected: the longer one must fit.
        return head + self._tokens(record.prompt) + max(self._tokens(record.chosen), self._tokens(record.rejected))

    def __call__(self, record: SftRecord) -> Drop | None:
        cfg = self.config
        if cfg.max_total_tokens is not None:
            total = self.total_tokens(record)
            if total > cfg.max_total_tokens:
                return Drop("too_many_tokens", {"tokens": total, "limit": cfg.max_total_tokens})
        if cfg.min_reply_tokens is None and cfg.max_reply_tokens is None:
            return None
        found = list(replies(record))
        counts = self.count([message_text(m) for _, m in found]) if found else []
        for (where, _), tokens in zip(found, counts, strict=True):
            if cfg.min_reply_tokens is not None and tokens < cfg.min_reply_tokens:
                return Drop("reply_too_short", {"where": where, "tokens": tokens, "limit": cfg.min_reply_tokens})
            if cfg.max_reply_tokens is not None and tokens > cfg.max_reply_tokens:
                return Drop("reply_too_long", {"where": where, "tokens": tokens, "limit": cfg.max_reply_tokens})
        return None
