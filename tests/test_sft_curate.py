"""`refinery sft-curate` on LLaMA-Factory's real demo files: what a clean file loses (each drop looked at and
justified), planted defects landing in rejected/ with the expected stage and reason, and the accounting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.config import load_config
from schemas.conversation import ConversationRecord, Message, PreferenceRecord
from schemas.sft_curate import RepliesCheck, SftCurateConfig, ThinkCheck
from stages.sft.curation.runner import curate_sft
from stages.sft.curation.structure import check_replies, check_roles, check_think, open_fence, think_problem

REPO = Path(__file__).resolve().parents[1]
LF = "sft/llama-factory"


def run(path: Path, out: Path, *sets: str) -> dict[str, Any]:
    config = load_config(
        None,
        [f"input.path={json.dumps(str(path))}", f"output.dir={json.dumps(str(out))}", *sets],
        model=SftCurateConfig,
    )
    return curate_sft(config)


def rejected(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "rejected" / "sft-curate.jsonl").read_text("utf-8").splitlines()]


def by_number(out: Path) -> dict[int, dict[str, Any]]:
    return {entry["record_number"]: entry for entry in rejected(out)}


def assert_accounted(manifest: dict[str, Any]) -> None:
    assert manifest["accounted"]
    rejected_total = sum(sum(reasons.values()) for reasons in manifest["rejected"].values())
    assert manifest["input_records"] == manifest["kept_records"] + rejected_total + manifest["error_records"]


# What each clean demo file loses, every drop inspected:
#  - truncated_code_fence: replies cut off inside a code block (a multiplication table stopping at 8x4=32, a Go
#    program ending in a run of zeros, Terraform/TSX/Java cut mid-line);
#  - language: alpaca_en: 5 short English prompts fastText scores below 0.3 or as another language (`Name the
#    actors in Star Wars: The Last Jedi.` tr 0.36); alpaca_zh: 13 Chinese instructions around more English,
#    Spanish, pinyin, code or formulas than Han characters (`怎样把“Charles loves to ride his bike”变成修辞问句？`);
#    dpo_en: prompts in Romanian, German, Italian, Catalan and Hindi (translation tasks) and a bare equation;
#  - dedup: prompts repeated verbatim (`Describe the color yellow in 3 words.` twice in alpaca_en; the same
#    question with the same tools in glaive), one near copy per file (`请描述泰姬陵的建筑风格。` vs
#    `描述泰姬陵的建筑风格。`; the same distance question with another follow-up).
CLEAN = {
    "alpaca_en_demo": (
        "en",
        {
            "replies": {"truncated_code_fence": 1},
            "language": {"language_not_allowed": 3, "low_confidence": 2},
            "dedup": {"exact": 14},
        },
    ),
    "alpaca_zh_demo": (
        "zh",
        {
            "replies": {"truncated_code_fence": 1},
            "language": {"language_not_allowed": 12, "low_confidence": 1},
            "dedup": {"exact": 8, "near": 1},
        },
    ),
    "glaive_toolcall_en_demo": (
        "en",
        {"replies": {"truncated_code_fence": 1}, "dedup": {"exact": 37, "near": 1}},
    ),
    "dpo_en_demo": (
        "en",
        {"replies": {"truncated_code_fence": 4}, "language": {"language_not_allowed": 9}, "dedup": {"exact": 5}},
    ),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_real_file_loses_only_what_is_justified(shared_data: Path, tmp_path: Path, name: str):
    language, expected = CLEAN[name]
    source = shared_data / LF / f"{name}.json"
    manifest = run(source, tmp_path, "language.enabled=true", f"language.languages=[{language}]")
    assert_accounted(manifest)
    assert manifest["error_records"] == 0
    assert manifest["rejected"] == expected
    # No role, think or length problem in a clean file: glaive's function_call/observation turns pass the role check.
    assert not {"roles", "think", "length"} & set(manifest["rejected"])
    # The kept file is the source minus the rejected rows, row for row, in the source's own layout.
    source_rows = json.loads(source.read_text("utf-8"))
    dropped = by_number(tmp_path)
    kept_rows = json.loads(Path(manifest["output_file"]).read_text("utf-8"))
    assert kept_rows == [row for number, row in enumerate(source_rows) if number not in dropped]
    for entry in dropped.values():
        if entry["stage"] == "dedup":  # the kept copy of a cluster is kept, and comes first
            assert entry["duplicate_of_record_number"] not in dropped
            assert entry["duplicate_of_record_number"] < entry["record_number"]
            assert entry["duplicate_of"] == f"{name}#{entry['duplicate_of_record_number']}"


def _words(row: dict[str, Any]) -> int:
    return len(f"{row['instruction']} {row['input']}".split())


def test_planted_defects_land_in_rejected(shared_data: Path, tmp_path: Path):
    rows = json.loads((shared_data / LF / "alpaca_en_demo.json").read_text("utf-8"))[:150]
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    base_manifest = run(clean, tmp_path / "base", "language.enabled=true", "language.languages=[en]")
    baseline = by_number(tmp_path / "base")

    long_row = next(i for i, r in enumerate(rows) if 25 <= _words(r) <= 60 and i not in baseline)
    words = f"{rows[long_row]['instruction']}".split()
    middle = len(words) // 2
    words[middle] = "purple" if words[middle].lower() != "purple" else "green"
    long_text = "\n\n".join(r["output"] for r in rows[:30])  # real prose, over 2,048 tokens
    huge_text = "\n\n".join(r["output"] for r in rows)  # over 8,192
    plants: list[tuple[dict[str, Any], str, str]] = [
        ({**rows[5], "output": "A different reply to the same prompt."}, "dedup", "exact"),
        ({**rows[long_row], "instruction": " ".join(words)}, "dedup", "near"),
        ({"instruction": "Name three primary colors.", "input": "", "output": ""}, "replies", "empty_reply"),
        (
            {"instruction": "Why is the sky blue?", "input": "", "output": "<think>\nRayleigh scattering, so"},
            "replies",
            "truncated_think",
        ),
        (
            {"instruction": "Sort 3, 1, 2.", "input": "", "output": "<think>easy</think> 1, 2, 3 </think>"},
            "think",
            "stray_close_think",
        ),
        (
            {"instruction": "Add 2 and 2.", "input": "", "output": "<think>a</think>4<think>b</think>Four."},
            "think",
            "multiple_think_blocks",
        ),
        (
            {"instruction": "Write a loop.", "input": "", "output": "Here:\n```python\nfor i in range(3):\n    pri"},
            "replies",
            "truncated_code_fence",
        ),
        (
            {"instruction": "Explain tides.", "input": "", "output": "The Moon", "finish_reason": "length"},
            "replies",
            "truncated_finish_reason",
        ),
        (
            {
                "instruction": "Écrivez un court poème sur la mer et expliquez les images que vous avez choisies.",
                "input": "",
                "output": "The sea, a mirror of the sky.",
            },
            "language",
            "language_not_allowed",
        ),
        ({"instruction": "Summarise these answers.", "input": "", "output": long_text}, "length", "reply_too_long"),
        ({"instruction": "Summarise all answers.", "input": "", "output": huge_text}, "length", "too_many_tokens"),
    ]
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(rows + [p[0] for p in plants], ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    manifest = run(planted, out, "language.enabled=true", "language.languages=[en]", "length.max_reply_tokens=2048")
    assert_accounted(manifest)
    found = by_number(out)
    assert {n: (e["stage"], e["reason"]) for n, e in found.items() if n < len(rows)} == {
        n: (e["stage"], e["reason"]) for n, e in baseline.items()
    }, "a planted record must not change what happens to the real ones"
    for offset, (_, stage, reason) in enumerate(plants):
        entry = found.get(len(rows) + offset)
        assert entry is not None, f"planted {reason} was kept"
        assert (entry["stage"], entry["reason"]) == (stage, reason)
    assert found[len(rows)]["duplicate_of"] == "planted#5"
    assert found[len(rows) + 1]["duplicate_of"] == f"planted#{long_row}"
    assert found[len(rows) + 8]["language"] == "fr"
    assert manifest["kept_records"] == base_manifest["kept_records"]

    # The same unclosed <think> is the think check's `unclosed_think` when the replies check is off.
    off = run(planted, tmp_path / "off", "replies.enabled=false")
    assert by_number(tmp_path / "off")[len(rows) + 3]["reason"] == "unclosed_think"
    assert_accounted(off)


def test_role_order_on_toolcall_conversations(shared_data: Path, tmp_path: Path):
    rows = json.loads((shared_data / LF / "glaive_toolcall_en_demo.json").read_text("utf-8"))[:60]
    with_call = next(
        i
        for i, r in enumerate(rows)
        if [t["from"] for t in r["conversations"][:3]] == ["human", "function_call", "observation"]
    )
    swapped = json.loads(json.dumps(rows[0]))
    turns = swapped["conversations"]
    turns[0], turns[1] = turns[1], turns[0]
    no_question = {**rows[with_call], "conversations": rows[with_call]["conversations"][1:]}
    open_end = {**rows[1], "conversations": [*rows[1]["conversations"], {"from": "human", "value": "And then?"}]}
    path = tmp_path / "glaive.json"
    path.write_text(json.dumps(rows + [swapped, no_question, open_end], ensure_ascii=False), "utf-8")
    manifest = run(path, tmp_path / "out", "dedup.enabled=false")
    assert_accounted(manifest)
    found = by_number(tmp_path / "out")
    assert set(found) == {60, 61, 62}, "every real glaive conversation keeps LLaMA-Factory's role order"
    assert (found[60]["reason"], found[60]["position"], found[60]["role"]) == ("bad_role_order", 1, "assistant")
    assert (found[61]["reason"], found[61]["position"]) == ("bad_role_order", 1)  # a function_call first
    assert found[62]["reason"] == "ends_without_reply"


def test_preference_pairs_and_unreadable_rows(shared_data: Path, tmp_path: Path):
    rows = json.loads((shared_data / LF / "dpo_en_demo.json").read_text("utf-8"))[:40]
    empty_chosen = {**rows[0], "chosen": {"from": "gpt", "value": "  "}}
    path = tmp_path / "dpo.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in [*rows, empty_chosen]] + ["{not json"]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out"
    manifest = run(path, out, "dedup.enabled=false")
    assert_accounted(manifest)
    assert manifest["error_records"] == 1 and manifest["read_format"] == "preference"
    assert (out / "errors" / "sft-curate.jsonl").read_text("utf-8").count("\n") == 1
    entry = by_number(out)[40]
    assert (entry["stage"], entry["reason"], entry["where"]) == ("replies", "empty_reply", "chosen")
    assert len((out / "data" / "dpo.jsonl").read_text("utf-8").splitlines()) == manifest["kept_records"]
    info = json.loads((out / "data" / "dataset_info.json").read_text("utf-8"))
    assert info["dpo"]["ranking"] is True


def test_checks_are_pure_functions():
    def conv(*turns: tuple[str, str]) -> ConversationRecord:
        return ConversationRecord(id="x", source="t", messages=[Message(role=r, content=c) for r, c in turns])

    assert check_roles(conv(("user", "q"), ("assistant", "a"))) is None
    assert check_roles(conv(("user", "q"), ("user", "q2"), ("assistant", "a"))).reason == "bad_role_order"
    assert check_roles(conv(("user", "q"), ("assistant", "a"), ("system", "s"))).reason == "system_turn_inside"
    pair = PreferenceRecord(
        id="p",
        source="t",
        prompt=[Message(role="user", content="q")],
        chosen=[Message(role="assistant", content="a")],
        rejected=[Message(role="assistant", content="b")],
    )
    assert check_roles(pair) is None
    # Ending mid-sentence is not truncation; an open fence or an open <think> is.
    assert check_replies(conv(("user", "q"), ("assistant", "It depends on the")), RepliesCheck()) is None
    assert open_fence("```py\nx = 1\n```\n\n  ~~~\n  y\n  ~~~") is False
    assert open_fence("````\n```\nstill inside\n") is True
    assert think_problem("<think>a<think>b</think></think>", 1) == "nested_think"
    reasoned = ConversationRecord(
        id="r",
        source="t",
        messages=[
            Message(role="user", content="q"),
            Message(role="assistant", content="<think>x</think>a", reasoning="y"),
        ],
    )
    assert check_think(reasoned, ThinkCheck()).reason == "reasoning_and_inline_think"


def test_cli(shared_data: Path, tmp_path: Path):
    runner = CliRunner()
    help_text = runner.invoke(app, ["sft-curate", "--help"], terminal_width=200).output
    for option in (
        "--input",
        "--output",
        "--set",
        "config",
        "language.languages=[en,zh]",
        "rejected/sft-curate.jsonl",
    ):
        assert option in help_text
    source = shared_data / LF / "alpaca_zh_demo.json"
    result = runner.invoke(
        app,
        [
            "sft-curate",
            str(REPO / "configs" / "sft_curate.yaml"),
            "--input",
            str(source),
            "--output",
            str(tmp_path),
            "--set",
            "length.max_total_tokens=512",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert manifest["accounted"] and manifest["input_records"] == 1000
    assert manifest["checks"] == ["roles", "replies", "think", "language", "length", "dedup"]
    bad = runner.invoke(app, ["sft-curate", "--input", str(source), "--set", "dedup.shingles=3"])
    assert bad.exit_code == 2 and "dedup.shingles" in bad.output
