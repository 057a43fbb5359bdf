"""The canonical conversation and preference records: pydantic models and arrow schemas agree, and real records
survive a Parquet round trip under the declared schemas."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel, ValidationError

from schemas.conversation import (
    CONVERSATION_SCHEMA,
    MESSAGE_TYPE,
    PREFERENCE_SCHEMA,
    TOOL_CALL_TYPE,
    ConversationRecord,
    Message,
    PreferenceRecord,
    ToolCall,
    from_arrow_row,
    to_arrow_row,
)
from stages.sft.formats import detect
from stages.sft.io import read_rows


@pytest.mark.parametrize(
    ("model", "arrow"),
    [
        (ConversationRecord, CONVERSATION_SCHEMA),
        (PreferenceRecord, PREFERENCE_SCHEMA),
        (Message, pa.schema(list(MESSAGE_TYPE))),
        (ToolCall, pa.schema(list(TOOL_CALL_TYPE))),
    ],
)
def test_arrow_fields_follow_the_model(model: type[BaseModel], arrow: pa.Schema):
    assert arrow.names == list(model.model_fields)
    for field in arrow:
        info = model.model_fields[field.name]
        allows_none = not info.is_required() and info.default is None and info.default_factory is None
        assert field.nullable == allows_none, field.name


def _records(path: Path) -> list:
    rows = [item.row for item in read_rows(str(path))]
    spec = detect(rows)
    return [spec.read(row, f"r{i}", str(path)) for i, row in enumerate(rows)]


@pytest.mark.parametrize(
    ("source", "schema", "model"),
    [
        ("sft/llama-factory/reason_tool_use_demo_50.jsonl", CONVERSATION_SCHEMA, ConversationRecord),
        ("sft/llama-factory/glaive_toolcall_zh_demo.json", CONVERSATION_SCHEMA, ConversationRecord),
        ("sft/hh-rlhf/harmless-base/test.jsonl.gz", PREFERENCE_SCHEMA, PreferenceRecord),
    ],
)
def test_real_records_round_trip_through_parquet(shared_data: Path, tmp_path: Path, source, schema, model):
    records = _records(shared_data / source)
    table = pa.Table.from_pylist([to_arrow_row(r) for r in records], schema=schema)
    pq.write_table(table, tmp_path / "records.parquet")
    back = pq.read_table(tmp_path / "records.parquet")
    assert back.schema.equals(schema)
    assert [from_arrow_row(row, model) for row in back.to_pylist()] == records


def test_reasoning_and_tool_calls_live_apart_from_content():
    message = Message(
        role="assistant", reasoning="check the tool", tool_calls=[ToolCall(name="f", arguments='{"x": 1}')]
    )
    assert message.content == "" and "<think>" not in message.content
    with pytest.raises(ValidationError):
        Message(role="narrator", content="x")
    with pytest.raises(ValidationError):
        ConversationRecord(id="a", messages=[], source="s", surprise=1)
