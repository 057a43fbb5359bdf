"""Round trips on real SFT and preference data: every LLaMA-Factory demo file through its own dataset_info.json
entry (or auto-detection where the file has none), Anthropic HH and FastChat.

Same format: read -> canonical -> write gives identical content (parsed JSON). Other formats: read -> target ->
read back keeps every field the target can hold, and whatever it cannot hold is skipped with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.conversation import ConversationRecord, PreferenceRecord
from stages.sft.common import split_system
from stages.sft.convert import convert, resolve_mapping
from stages.sft.entry import load_entries
from stages.sft.formats import FORMATS, DetectionError, ReadSpec, detect, format_of_entry
from stages.sft.io import read_rows

LF = "sft/llama-factory"
# dataset_info.json entries that name a local file the shared data does not ship (the rest are hub datasets).
ABSENT_FILES = {"mllm_audio_demo", "mllm_video_demo", "mllm_video_audio_demo", "wiki_demo", "c4_demo"}
# Files in the folder without a dataset_info.json entry: LLaMA-Factory v1 layouts, read by auto-detection.
WITHOUT_ENTRY = ["reason_tool_use_demo_50.jsonl", "v1_dpo_demo.jsonl", "v1_sft_demo.jsonl"]
LOCAL_ENTRIES = [
    "identity",
    "alpaca_en_demo",
    "alpaca_zh_demo",
    "glaive_toolcall_en_demo",
    "glaive_toolcall_zh_demo",
    "mllm_demo",
    "dpo_en_demo",
    "dpo_zh_demo",
    "kto_en_demo",
]
SOURCES = [f"entry:{n}" for n in LOCAL_ENTRIES] + [f"file:{LF}/{f}" for f in WITHOUT_ENTRY]
SOURCES += ["file:sft/hh-rlhf/harmless-base/test.jsonl.gz", "file:sft/fastchat/dummy_conversation.json"]


def _source(shared_data: Path, source: str) -> tuple[str, str | None]:
    """(input path, mapping) for a source id."""
    kind, _, name = source.partition(":")
    if kind == "entry":
        return str(shared_data / LF), f"{shared_data / LF / 'dataset_info.json'}:{name}"
    return str(shared_data / name), None


def _rows(path: Path | str) -> list[dict]:
    return [item.row for item in read_rows(str(path))]


def _read(path: str, mapping: str | None = None) -> list:
    data, entry, _ = resolve_mapping(path, mapping)
    rows = _rows(data)
    spec = ReadSpec(format_of_entry(entry), entry) if entry else detect(rows)
    return [spec.read(row, str(i), data) for i, row in enumerate(rows)]


def test_shared_folder_is_fully_covered(shared_data: Path):
    entries = load_entries(shared_data / LF / "dataset_info.json")
    local = {n for n, e in entries.items() if e.file_name}
    assert {n for n in local if (shared_data / LF / entries[n].file_name).exists()} == set(LOCAL_ENTRIES)
    assert local - set(LOCAL_ENTRIES) == ABSENT_FILES
    named = {entries[n].file_name for n in LOCAL_ENTRIES}
    data_files = {p.name for p in (shared_data / LF).iterdir() if p.suffix in (".json", ".jsonl")}
    assert data_files - named - {"dataset_info.json"} == set(WITHOUT_ENTRY)


@pytest.mark.parametrize("source", SOURCES)
def test_same_format_round_trip_is_identical(shared_data: Path, tmp_path: Path, source: str):
    path, mapping = _source(shared_data, source)
    data, entry, name = resolve_mapping(path, mapping)
    fmt = format_of_entry(entry) if entry else detect(_rows(data)).format
    result = convert(path, fmt, tmp_path, mapping=mapping)
    assert (result.failed, dict(result.skipped)) == (0, {})
    assert result.converted == len(_rows(data)) > 0
    assert _rows(result.output_file) == _rows(data)
    if entry is not None:  # the entry written beside the file is the source's own, pointing at the new file
        written = json.loads((tmp_path / "dataset_info.json").read_text())[name]
        assert written == {**entry.to_json(), "file_name": result.output_file.name}


def _canon(record) -> dict:
    """What any target must keep: turns (roles, text, reasoning, tool calls), system prompt, tools, labels."""

    def turns(messages):
        return [
            {
                "role": m.role,
                "content": m.content,
                "reasoning": m.reasoning,
                "tool_calls": [(c.name, json.loads(c.arguments)) for c in m.tool_calls],
            }
            for m in messages
        ]

    metadata = {k: v for k, v in record.metadata.items() if not k.startswith("_")}
    tools = None if record.tools is None else json.loads(record.tools)
    if isinstance(record, ConversationRecord):
        system, messages = split_system(record.system, record.messages)
        return {"system": system, "messages": turns(messages), "tools": tools, "metadata": metadata}
    system, prompt = split_system(record.system, record.prompt)
    return {
        "system": system,
        "prompt": turns(prompt),
        "chosen": turns(record.chosen),
        "rejected": turns(record.rejected),
        "kto_label": record.kto_label,
        "tools": tools,
        "metadata": metadata,
    }


WRITE_TARGETS = ["alpaca", "sharegpt", "preference", "kto", "openai", "trl", "lf-v1", "hh"]


@pytest.mark.parametrize("source", SOURCES)
def test_other_formats_keep_what_they_can_hold(shared_data: Path, tmp_path: Path, source: str):
    path, mapping = _source(shared_data, source)
    originals = _read(path, mapping)
    for target in WRITE_TARGETS:
        out = tmp_path / target
        result = convert(path, target, out, mapping=mapping, file_format="jsonl")
        assert result.total == len(originals) and result.failed == 0, (target, result)
        rejected = [json.loads(line) for line in (out / "rejected.jsonl").open()] if result.skipped else []
        assert len(rejected) == sum(result.skipped.values()) and all(r["reason"] for r in rejected)
        skipped_rows = {r["record_number"] for r in rejected}
        kept = [rec for i, rec in enumerate(originals) if i not in skipped_rows]
        info = out / "dataset_info.json"  # read back the way LLaMA-Factory would: through the written entry
        mapping_back = f"{info}:{result.name}" if info.is_file() else None
        back = (
            _read(str(out) if mapping_back else str(result.output_file), mapping_back) if result.written_rows else []
        )
        if target == "kto" and kept and isinstance(kept[0], PreferenceRecord) and kept[0].kto_label is None:
            # a pair becomes two labelled examples: chosen (true), then rejected (false)
            assert len(back) == 2 * len(kept)
            for pair, good, bad in zip(kept, back[::2], back[1::2], strict=True):
                assert (good.kto_label, bad.kto_label) == (True, False)
                assert _canon(good)["chosen"] == _canon(pair)["chosen"]
                assert _canon(bad)["chosen"] == _canon(pair)["rejected"]
            continue
        assert [_canon(r) for r in back] == [_canon(r) for r in kept], target


def _counts(shared_data: Path, source: str, target: str, tmp_path: Path):
    path, mapping = _source(shared_data, source)
    return convert(path, target, tmp_path, mapping=mapping)


def test_unrepresentable_records_are_reported_not_dropped(shared_data: Path, tmp_path: Path):
    tools = _counts(shared_data, "entry:glaive_toolcall_en_demo", "alpaca", tmp_path / "a")
    assert tools.skipped and tools.converted + sum(tools.skipped.values()) == 300
    assert any("tool" in reason for reason in tools.skipped)
    fastchat = convert(
        str(shared_data / "sft/fastchat/dummy_conversation.json"), "alpaca", tmp_path / "b", alpaca_history=False
    )
    assert "multi-turn conversation and the Alpaca output has no history column" in fastchat.skipped
    pairs = _counts(shared_data, "entry:alpaca_en_demo", "preference", tmp_path / "c")
    assert pairs.converted == 0 and sum(pairs.skipped.values()) == 999
    lines = (tmp_path / "c" / "rejected.jsonl").read_text().splitlines()
    assert len(lines) == 999 and json.loads(lines[0])["record"]["messages"][0]["role"] == "user"


def test_parquet_and_jsonl_round_trip(shared_data: Path, tmp_path: Path):
    source = str(shared_data / LF / "glaive_toolcall_zh_demo.json")
    mapping = f"{shared_data / LF / 'dataset_info.json'}:glaive_toolcall_zh_demo"
    for file_format in ("parquet", "jsonl"):
        result = convert(source, "sharegpt", tmp_path / file_format, mapping=mapping, file_format=file_format)
        assert result.output_file.suffix == f".{file_format}"
        assert _rows(result.output_file) == _rows(source)


def test_reasoning_is_stored_apart_and_inlined_only_where_needed(shared_data: Path, tmp_path: Path):
    source = str(shared_data / LF / "reason_tool_use_demo_50.jsonl")
    record = _read(source)[0]
    answer = next(m for m in record.messages if m.role == "assistant" and m.content)
    assert answer.reasoning and "<think>" not in answer.content
    convert(source, "sharegpt", tmp_path / "s")
    inline = [t["value"] for r in _rows(tmp_path / "s" / "reason_tool_use_demo_50.jsonl") for t in r["conversations"]]
    assert any(v.startswith("<think>\n") for v in inline)
    convert(source, "openai", tmp_path / "o")
    turns = [t for r in _rows(tmp_path / "o" / "reason_tool_use_demo_50.jsonl") for t in r["messages"]]
    assert any("reasoning_content" in t for t in turns) and not any("<think>" in t["content"] for t in turns)


def test_detection_error_lists_formats_tried(tmp_path: Path):
    path = tmp_path / "odd.jsonl"
    path.write_text('{"question": "q", "answer": "a"}\n')
    with pytest.raises(DetectionError) as err:
        convert(str(path), "openai", tmp_path / "out")
    message = str(err.value)
    assert "['answer', 'question']" in message and all(name in message for name in ("alpaca", "sharegpt", "trl"))
    assert set(FORMATS) >= set(WRITE_TARGETS)


def test_bad_rows_are_counted_as_failures(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    good = {"instruction": "Say hi", "input": "", "output": "hi"}
    path.write_text(f"{json.dumps(good)}\nnot json\n{json.dumps({'instruction': 'x', 'output': 3})}\n")
    result = convert(str(path), "openai", tmp_path / "out", from_format="alpaca")
    assert (result.converted, result.failed) == (1, 2)
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").open()]
    assert [e["record"] for e in errors] == [1, 2] and "invalid JSON" in errors[0]["message"]


def test_hf_dataset_folder_is_read(shared_data: Path, tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    rows = _rows(shared_data / LF / "identity.json")
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "hf"))
    result = convert(str(tmp_path / "hf"), "alpaca", tmp_path / "out")
    assert result.converted == len(rows) and _rows(result.output_file) == rows


def test_cli_convert_prints_counts_and_explains_every_option(shared_data: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()
    help_text = runner.invoke(app, ["convert", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--to", "--output", "--from", "--mapping", "--format", "--name", "--history", "--split"):
        assert option in help_text
    source = str(shared_data / LF)
    mapping = f"{shared_data / LF / 'dataset_info.json'}:glaive_toolcall_en_demo"
    result = runner.invoke(app, ["convert", source, "--mapping", mapping, "--to", "alpaca", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "tool calls do not fit Alpaca" in result.output and "converted" in result.output
    assert (tmp_path / "glaive_toolcall_en_demo.json").is_file() and (tmp_path / "rejected.jsonl").is_file()
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"question": "q"}\n')
    failed = runner.invoke(app, ["convert", str(odd), "--to", "openai", "-o", str(tmp_path / "x")])
    assert failed.exit_code == 2 and "tried:" in failed.output


def test_openai_export_gets_the_llama_factory_entry_that_reads_it_back(shared_data: Path, tmp_path: Path):
    source = str(shared_data / "sft/llama-factory/alpaca_en_demo.json")
    result = convert(source, "openai", tmp_path, name="alpaca_openai")
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    # LLaMA-Factory's documented OpenAI layout (data/README.md); system_tag "system" is its default, so omitted
    assert info["alpaca_openai"] == {
        "file_name": result.output_file.name,
        "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
        },
    }
    through_entry = _read(str(tmp_path), f"{tmp_path / 'dataset_info.json'}:alpaca_openai")
    assert [_canon(r)["messages"] for r in through_entry] == [_canon(r)["messages"] for r in _read(source)]

    tools = convert(str(shared_data / "sft/llama-factory/glaive_toolcall_en_demo.json"), "openai", tmp_path / "t")
    assert tools.converted > 0 and not (tmp_path / "t" / "dataset_info.json").exists()  # no layout for tool calls
