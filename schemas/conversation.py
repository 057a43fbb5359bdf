"""Canonical post-training records: one conversation model and one preference model, with their pyarrow schemas.

Every SFT and preference format refinery reads (Alpaca, ShareGPT, OpenAI `messages`, TRL, Anthropic HH, ...) is
turned into these records and every writer renders them back, so a conversion is always format -> canonical ->
format. Reasoning is kept apart from the answer (`Message.reasoning`); a writer whose format has no place for it
renders it inline as `<think>...</think>`. Arrow types are declared once, beside the models, and the tests check
that the two agree.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One function call an assistant turn makes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Function name.")
    arguments: str = Field(description="Arguments as a JSON string (formats disagree on object vs string).")
    id: str | None = Field(default=None, description="Call id that the tool result refers to (OpenAI), if any.")


class Message(BaseModel):
    """One turn. Tool results are turns of role `tool`; tool calls hang off assistant turns."""

    model_config = ConfigDict(extra="forbid")

    role: Role = Field(description="system, user, assistant or tool (a tool result).")
    content: str = Field(default="", description="The visible text, without any reasoning.")
    reasoning: str | None = Field(default=None, description="Chain of thought of an assistant turn, if any.")
    tool_calls: list[ToolCall] = Field(default_factory=list, description="Function calls of an assistant turn.")
    tool_call_id: str | None = Field(default=None, description="Tool turns: the call this result answers, if known.")
    loss_weight: float | None = Field(
        default=None, description="Per-turn training weight, where the source has one (LLaMA-Factory v1)."
    )


class ConversationRecord(BaseModel):
    """One SFT example: an optional system prompt and the turns that follow it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The source's own id, or `source#row` when it has none.")
    system: str | None = Field(default=None, description="System prompt; never also a leading system message.")
    messages: list[Message] = Field(description="The turns, in order.")
    tools: str | None = Field(default=None, description="Tool (function) definitions as a JSON string.")
    query: str | None = Field(
        default=None,
        description="Alpaca `input` / LLaMA-Factory `query`: the tail of the last user turn that Alpaca keeps in a "
        "column of its own (the turn is `instruction\\ninput`). Only Alpaca writers use it, to restore the split.",
    )
    source: str = Field(description="Input file or dataset the record came from.")
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Every other column of the source row (images, ids, ...), written back as columns by writers.",
    )


class PreferenceRecord(BaseModel):
    """A prompt with a chosen and a rejected reply (DPO, reward models) or one labelled reply (KTO)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The source's own id, or `source#row` when it has none.")
    system: str | None = Field(default=None, description="System prompt of the prompt conversation.")
    prompt: list[Message] = Field(description="The conversation up to the reply being judged.")
    chosen: list[Message] = Field(
        description="The preferred reply (usually one assistant turn). For KTO records: the one labelled reply."
    )
    rejected: list[Message] = Field(default_factory=list, description="The dispreferred reply; empty for KTO.")
    chosen_score: float | None = Field(default=None, description="Score of `chosen`, when the source has one.")
    rejected_score: float | None = Field(default=None, description="Score of `rejected`, when the source has one.")
    kto_label: bool | None = Field(
        default=None, description="KTO records only: whether `chosen` is desirable. None for paired records."
    )
    tools: str | None = Field(default=None, description="Tool (function) definitions as a JSON string.")
    query: str | None = Field(default=None, description="As ConversationRecord.query, for Alpaca preference data.")
    source: str = Field(description="Input file or dataset the record came from.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Every other column of the source row, written back by writers."
    )


SftRecord = ConversationRecord | PreferenceRecord

TOOL_CALL_TYPE = pa.struct(
    [
        pa.field("name", pa.string(), nullable=False),
        pa.field("arguments", pa.large_string(), nullable=False),
        pa.field("id", pa.string()),
    ]
)
MESSAGE_TYPE = pa.struct(
    [
        pa.field("role", pa.string(), nullable=False),
        pa.field("content", pa.large_string(), nullable=False),
        pa.field("reasoning", pa.large_string()),
        pa.field("tool_calls", pa.list_(TOOL_CALL_TYPE), nullable=False),
        pa.field("tool_call_id", pa.string()),
        pa.field("loss_weight", pa.float64()),
    ]
)
MESSAGES_TYPE = pa.list_(MESSAGE_TYPE)

_ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "system": pa.large_string(),
    "messages": MESSAGES_TYPE,
    "prompt": MESSAGES_TYPE,
    "chosen": MESSAGES_TYPE,
    "rejected": MESSAGES_TYPE,
    "chosen_score": pa.float64(),
    "rejected_score": pa.float64(),
    "kto_label": pa.bool_(),
    "tools": pa.large_string(),
    "query": pa.large_string(),
    "source": pa.string(),
    "metadata": pa.large_string(),  # free-form, so JSON like the document metadata
}
_NOT_NULL = {"id", "messages", "prompt", "chosen", "rejected", "source", "metadata"}  # exactly the fields without None


def _schema(model: type[BaseModel]) -> pa.Schema:
    return pa.schema(
        [pa.field(name, _ARROW_TYPES[name], nullable=name not in _NOT_NULL) for name in model.model_fields]
    )


CONVERSATION_SCHEMA = _schema(ConversationRecord)
PREFERENCE_SCHEMA = _schema(PreferenceRecord)


def to_arrow_row(record: SftRecord) -> dict[str, Any]:
    """A record as a row of its schema: metadata becomes JSON, everything else maps one to one."""
    row = record.model_dump()
    row["metadata"] = json.dumps(record.metadata, ensure_ascii=False, sort_keys=True, default=str)
    return row


def from_arrow_row(row: dict[str, Any], model: type[SftRecord]) -> SftRecord:
    return model.model_validate({**row, "metadata": json.loads(row["metadata"] or "{}")})
