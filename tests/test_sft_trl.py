"""TRL accepts refinery's TRL exports: its data utilities recognise them, a chat template renders them, and a few
SFTTrainer / DPOTrainer steps run on them. The tokenizer is trained here and the model is built from a config
with random weights, so nothing is downloaded; the loss only has to be finite, not good."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")
transformers = pytest.importorskip("transformers")

from tiny_models import tiny_qwen2, train_tokenizer  # noqa: E402

from stages.sft.convert import convert  # noqa: E402

LF = "sft/llama-factory"
ROWS = 16  # per dataset: enough for a few steps, small enough for about 20 s on two cores
SPECIAL = ["<pad>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>", "<|end|>"]
# Roles as special tokens keep the rendered prompt a token prefix of prompt + completion, which TRL checks.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>"
    "{% if m.get('reasoning_content') %}<think>{{ m['reasoning_content'] }}</think>{% endif %}"
    "{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _export(shared_data: Path, out: Path, source: str, mapping: str | None = None) -> list[dict]:
    result = convert(str(shared_data / source), "trl", out, mapping=mapping, file_format="jsonl")
    assert result.failed == 0 and result.converted > 0
    return [json.loads(line) for line in result.output_file.read_text().splitlines()][:ROWS]


@pytest.fixture(scope="module")
def exports(shared_data: Path, tmp_path_factory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("trl")
    info = shared_data / LF / "dataset_info.json"
    return {
        "alpaca": _export(shared_data, out, f"{LF}/alpaca_en_demo.json"),
        "multiturn": _export(shared_data, out, "sft/fastchat/dummy_conversation.json"),
        "tools": _export(shared_data, out, LF, f"{info}:glaive_toolcall_en_demo"),
        "dpo": _export(shared_data, out, LF, f"{info}:dpo_en_demo"),
        "hh": _export(shared_data, out, "sft/hh-rlhf/harmless-base/test.jsonl.gz"),
        "kto": _export(shared_data, out, LF, f"{info}:kto_en_demo"),
    }


def _texts(rows: list[dict]):
    for row in rows:
        for key in ("prompt", "completion", "chosen", "rejected"):
            for message in row.get(key, []):
                yield message["content"]


@pytest.fixture(scope="module")
def tokenizer(exports):
    texts = (t for rows in exports.values() for t in _texts(rows))
    return train_tokenizer(texts, SPECIAL, CHAT_TEMPLATE, eos_token="<|end|>", pad_token="<pad>", unk_token="<unk>")


def _model(tokenizer):
    return tiny_qwen2(tokenizer, layers=1, max_positions=512, tie_word_embeddings=False)


def test_trl_recognises_and_renders_the_exports(exports, tokenizer):
    from trl import apply_chat_template, is_conversational

    for name, rows in exports.items():
        for row in rows:
            assert is_conversational(row), name
            example = {k: v for k, v in row.items() if k in ("prompt", "completion", "chosen", "rejected")}
            rendered = apply_chat_template(example, tokenizer, tools=row.get("tools"))
            assert rendered["prompt"].endswith("<|assistant|>"), name
            for key in set(rendered) - {"prompt"}:
                assert rendered[key].endswith("<|end|>") and "<|assistant|>" not in rendered[key], (name, key)
    # tool calls survive into the messages TRL sees, with arguments as objects for the template
    calls = [m for r in exports["tools"] for k in ("prompt", "completion") for m in r[k] if m.get("tool_calls")]
    assert calls and isinstance(calls[0]["tool_calls"][0]["function"]["arguments"], dict)
    assert exports["kto"][0]["label"] in (True, False)


def _steps(trainer) -> list[float]:
    trainer.train()
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def _args(config_cls, tmp_path: Path, **extra):
    return config_cls(
        output_dir=str(tmp_path),
        max_steps=3,
        per_device_train_batch_size=4,
        logging_steps=1,
        learning_rate=1e-3,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        max_length=256,
        **extra,
    )


def test_sft_trainer_steps_on_prompt_completion_exports(exports, tokenizer, tmp_path: Path):
    from trl import SFTConfig, SFTTrainer

    rows = [{"prompt": r["prompt"], "completion": r["completion"]} for r in exports["alpaca"] + exports["multiturn"]]
    trainer = SFTTrainer(
        model=_model(tokenizer),
        args=_args(SFTConfig, tmp_path),
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    losses = _steps(trainer)
    print(f"SFT losses: {losses}")
    assert len(losses) == 3 and all(math.isfinite(loss) and loss > 0 for loss in losses)


def test_dpo_trainer_steps_on_preference_exports(exports, tokenizer, tmp_path: Path):
    from trl import DPOConfig, DPOTrainer

    rows = [{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in exports["dpo"] + exports["hh"]]
    model = _model(tokenizer)
    trainer = DPOTrainer(
        model=model,
        ref_model=copy.deepcopy(model),  # TRL would otherwise load the reference by name from the Hub
        args=_args(DPOConfig, tmp_path),
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    losses = _steps(trainer)
    print(f"DPO losses: {losses}")
    # DPO starts at log(2) (policy == reference) and the steps must run end to end
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)
    assert abs(losses[0] - math.log(2)) < 1e-3
