"""`refinery train` on CPU with a tiny Qwen2 built from a config (random weights) and a BPE tokenizer trained on the
test data, so nothing is downloaded. The data is real: LLaMA-Factory's alpaca and DPO demo sets, read as refinery
writes them (a ShareGPT conversion, canonical Parquet records, the raw preference file).

Figures printed with -s: SFT loss first/last, DPO reward margin first/last, runtimes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import math
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("trl")
pytest.importorskip("peft")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from tiny_models import save_model, tiny_qwen2, train_tokenizer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from schemas.config import ConfigError, dump_config, load_config  # noqa: E402
from schemas.conversation import CONVERSATION_SCHEMA, ConversationRecord, Message, to_arrow_row  # noqa: E402
from schemas.train import TrainConfig  # noqa: E402
from stages.sft.convert import convert  # noqa: E402
from stages.train import preflight  # noqa: E402
from stages.train.data import DataError, build_sft, read_records  # noqa: E402
from stages.train.trainer import run_training  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LF = "sft/llama-factory"
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CPU = preflight.Machine(cuda=False, cuda_bf16=False, cpu_bf16=False, bitsandbytes=False)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The tiny model's ops are too small to split: on 2 shared cores, 2 threads per op ran 16 steps in 20 s
    against 2.4 s with one. Restored afterwards, so other test modules keep their setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def alpaca_sharegpt(shared_data: Path, tmp_path_factory) -> Path:
    """alpaca_en_demo as `refinery convert --to sharegpt` writes it: what the trainer must read without glue."""
    result = convert(str(shared_data / LF / "alpaca_en_demo.json"), "sharegpt", tmp_path_factory.mktemp("sharegpt"))
    assert result.failed == 0 and result.converted == 999
    return result.output_file


@pytest.fixture(scope="module")
def model_dir(shared_data: Path, alpaca_sharegpt: Path, tmp_path_factory) -> Path:
    """A 2-layer Qwen2 (hidden 64) and a 1000-token BPE trained on the alpaca and DPO demo texts, saved like a hub
    model, so `model.path` points at it as it would at Qwen/Qwen2.5-0.5B-Instruct."""
    texts = [t["value"] for r in json.loads(alpaca_sharegpt.read_text()) for t in r["conversations"]]
    for row in json.loads((shared_data / LF / "dpo_en_demo.json").read_text()):
        texts += [t["value"] for t in row["conversations"]] + [row["chosen"]["value"], row["rejected"]["value"]]
    tokenizer = train_tokenizer(
        texts,
        SPECIAL,
        TEMPLATE,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        vocab_size=1000,
        full_byte_alphabet=True,
    )
    model = tiny_qwen2(tokenizer, hidden_size=64, heads=4, kv_heads=2)
    return save_model(model, tokenizer, tmp_path_factory.mktemp("tiny-qwen2"))


def _config(model_dir: Path, out: Path, paths: list[str], **sections) -> TrainConfig:
    tree = {
        "model": {"path": str(model_dir)},
        "adapter": {"type": "full"},
        "data": {"paths": paths, "eval_fraction": 0.0},
        "training": {
            "precision": "fp32",
            "gradient_checkpointing": False,
            "batch_size": 4,
            "grad_accum": 1,
            "max_seq_length": 256,
            "logging_steps": 1,
            "save_steps": 1000,
            "lr_scheduler": "constant",
            "warmup_ratio": 0.0,
        },
        "samples": {"max_new_tokens": 8, "from_eval": 1},
        "output": {"dir": str(out)},
    }
    for section, values in sections.items():
        tree[section] = {**tree.get(section, {}), **values} if isinstance(values, dict) else values
    return TrainConfig.model_validate(tree)


# --- invalid configs fail before anything loads -------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("data.eval_fraction=0.7", "data.eval_fraction"),
        ("data.eval_fraction=-0.1", "data.eval_fraction"),
        ("adapter.typ=lora", "adapter.typ"),
        ("training.precision=int8", "training.precision"),
        ("adapter.rank=0", "adapter.rank"),
    ],
)
def test_config_errors_name_the_field(override: str, field: str):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(REPO / "configs/train_sft.yaml", [override], model=TrainConfig)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["method=dpo", "training.packing=true"], "training.packing: packing is for method sft"),
        (["adapter.type=full", "output.merge=true"], "output.merge: there is no adapter"),
        (["adapter.type=qlora", "output.merge=true"], "output.merge: merging a QLoRA adapter"),
        (["adapter.type=qlora", "training.precision=fp32"], "training.precision: qlora computes in bf16"),
    ],
)
def test_invalid_combinations_are_config_errors(overrides: list[str], message: str):
    with pytest.raises(ConfigError, match=message):
        load_config(REPO / "configs/train_sft.yaml", overrides, model=TrainConfig)


def test_shipped_configs_load():
    sft = load_config(REPO / "configs/train_sft.yaml", model=TrainConfig)
    dpo = load_config(REPO / "configs/train_dpo.yaml", model=TrainConfig)
    assert (sft.method, sft.training.packing, dpo.method, dpo.dpo.beta) == ("sft", True, "dpo", 0.1)
    assert sft.model.path == dpo.model.path == "Qwen/Qwen2.5-0.5B-Instruct"


@pytest.mark.parametrize(
    ("machine", "overrides", "message"),
    [
        (CPU, {"adapter": {"type": "qlora"}, "training": {"precision": "bf16"}}, "adapter.type: qlora needs a CUDA"),
        (
            preflight.Machine(cuda=True, cuda_bf16=True, cpu_bf16=False, bitsandbytes=False),
            {"adapter": {"type": "qlora"}, "training": {"precision": "bf16"}},
            "adapter.type: qlora needs bitsandbytes",
        ),
        (CPU, {"training": {"precision": "fp16"}}, "training.precision: fp16 mixed precision needs a CUDA"),
        (CPU, {"training": {"precision": "bf16"}}, "training.precision: bf16 on this CPU would be emulated"),
        (
            preflight.Machine(cuda=True, cuda_bf16=False, cpu_bf16=True, bitsandbytes=True),
            {"training": {"precision": "bf16"}},
            "training.precision: this GPU has no bf16",
        ),
        (CPU, {"model": {"path": "/no/such/model"}}, "model.path: /no/such/model is neither"),
        (CPU, {"model": {"attn_implementation": "flash_attention_2"}}, "model.attn_implementation"),
    ],
)
def test_preflight_rejects_what_this_machine_cannot_do(
    model_dir, alpaca_sharegpt, tmp_path, machine, overrides, message
):
    config = _config(model_dir, tmp_path, [str(alpaca_sharegpt)], **overrides)
    with pytest.raises(preflight.PreflightError, match=message):
        preflight.check(config, machine)


def test_preflight_accepts_bf16_on_a_cpu_with_native_bf16(model_dir, alpaca_sharegpt, tmp_path):
    config = _config(model_dir, tmp_path, [str(alpaca_sharegpt)], training={"precision": "bf16"})
    machine = preflight.Machine(cuda=False, cuda_bf16=False, cpu_bf16=True, bitsandbytes=False)
    assert preflight.check(config, machine).device == "cpu"


def test_dpo_on_sft_data_fails_before_the_model_loads(model_dir, alpaca_sharegpt, tmp_path, monkeypatch):
    import stages.train.trainer as trainer_module

    def no_model(*args, **kwargs):
        raise AssertionError("the model must not load for data that cannot train")

    monkeypatch.setattr(trainer_module, "load_model", no_model)
    config = _config(model_dir, tmp_path, [str(alpaca_sharegpt)], method="dpo")
    with pytest.raises(DataError, match="method: dpo needs preference pairs .* 999 records without a rejected reply"):
        run_training(config, machine=CPU, progress=False)
    # the same through the CLI: exit 2 and the message, no traceback
    cfg = tmp_path / "dpo.yaml"
    cfg.write_text(dump_config(config))
    result = CliRunner().invoke(_app(), ["train", str(cfg)])
    assert result.exit_code == 2 and "method: dpo needs preference pairs" in result.output


def _app():
    from pipelines.cli import app

    return app


# --- data -------------------------------------------------------------------------------------------------------


def test_too_long_examples_are_truncated_or_dropped_and_counted(model_dir, alpaca_sharegpt):
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    config = _config(model_dir, Path("unused"), [str(alpaca_sharegpt)], data={"eval_fraction": 0.1})
    records = read_records(config.data).records
    assert len(records) == 999
    lengths = []
    for too_long in ("truncate", "drop"):
        section = config.data.model_copy(update={"too_long": too_long})
        examples = build_sft(records, tokenizer, section, 128, seed=0)
        total = len(examples.train) + len(examples.eval) + len(examples.rejected)
        assert total == 999, too_long  # every record is an example or rejected with a reason
        assert all(len(e["input_ids"]) <= 128 for e in examples.train + examples.eval)
        lengths.append(examples.counts)
        # the loss covers the reply and its end-of-turn token, never the prompt
        first = examples.train[0]
        masked = [t for t, label in zip(first["input_ids"], first["labels"], strict=True) if label == -100]
        trained = [t for t in first["labels"] if t != -100]
        im_start, im_end = tokenizer.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"])
        assert im_start in masked and im_start not in trained
        if len(first["input_ids"]) < 128:
            assert im_end in trained
    truncate, drop = lengths
    no_reply = truncate["rejected_no_reply_within_max_seq_length"]
    assert truncate["truncated"] > 100 and truncate["fits"] == drop["fits"]
    assert drop["rejected_too_long"] == truncate["truncated"] + no_reply
    assert drop["truncated"] == 0


# Qwen2.5's template, shortened (tools header cut): a default system prompt, tool calls inside the assistant turn,
# consecutive tool results merged into one user turn. The span logic must hold for templates like this one.
QWEN_LIKE_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' or (message.role == 'system' and not loop.first)"
    " or (message.role == 'assistant' and not message.tool_calls) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}{{- '<|im_start|>assistant' }}"
    "{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}"
    "{%- for tool_call in message.tool_calls %}{%- set tool_call = tool_call.function %}"
    '{{- \'\\n<tool_call>\\n{"name": "\' + tool_call.name + \'", "arguments": \' }}'
    "{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}{%- endfor %}{{- '<|im_end|>\\n' }}"
    "{%- elif message.role == 'tool' %}"
    "{%- if loop.index0 == 0 or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}"
    "{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}"
    "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def test_loss_covers_every_assistant_turn_of_tool_conversations(model_dir, shared_data):
    """glaive_toolcall_en_demo, multi-turn with tool calls and tool results, through a Qwen-style template: every
    assistant turn (tool calls included) is labelled, nothing else is."""
    from stages.train.data import assistant_spans, sft_messages, tokenize_sft

    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = QWEN_LIKE_TEMPLATE
    section = _config(model_dir, Path("unused"), [str(shared_data / LF / "glaive_toolcall_en_demo.json")]).data
    records = read_records(section).records
    with_calls = [r for r in records if any(m.tool_calls for m in r.messages)][:20]
    assert len(with_calls) == 20
    for record in with_calls:
        messages, _ = sft_messages(record, keep_reasoning=True)
        text, spans = assistant_spans(tokenizer, messages, None)
        assert len(spans) == sum(m["role"] == "assistant" for m in messages)
        example = tokenize_sft(tokenizer, messages, None)
        labelled = tokenizer.decode([t for t in example["labels"] if t != -100])
        assert labelled == "".join(text[start:end] for start, end in spans)
        assert "<tool_call>" in labelled and "<tool_response>" not in labelled and "user\n" not in labelled
    examples = build_sft(records, tokenizer, section, 4096, seed=0)
    assert len(examples.train) + len(examples.rejected) == 300 and len(examples.train) >= 295


# --- training ---------------------------------------------------------------------------------------------------


def test_sft_loss_falls_and_every_output_is_written(model_dir, alpaca_sharegpt, tmp_path):
    out = tmp_path / "sft"
    config = _config(
        model_dir,
        out,
        [str(alpaca_sharegpt.parent)],  # the convert output folder, as it is
        data={"eval_fraction": 0.1, "max_records": 120},
        training={"max_steps": 16, "batch_size": 8, "learning_rate": 3e-3, "max_seq_length": 128},
        samples={"prompts": ["Give three tips for staying healthy."], "max_new_tokens": 8},
    )
    started = time.perf_counter()
    summary = run_training(config, config_path="sft.yaml", machine=CPU, progress=False)
    loss = summary["metrics"]["loss"]
    print(
        f"\nSFT (full, 16 steps x 8): loss first-3 {loss['first']:.3f} -> last-3 {loss['last']:.3f}; eval loss "
        f"{summary['eval']['loss_before']:.3f} -> {summary['eval']['loss']:.3f}, perplexity "
        f"{summary['eval']['perplexity_before']:.1f} -> {summary['eval']['perplexity']:.1f}; "
        f"train {summary['train_seconds']:.1f} s, run {time.perf_counter() - started:.1f} s"
    )
    assert len(loss["values"]) == 16 and loss["last"] < loss["first"] - 0.5
    assert summary["eval"]["loss"] < summary["eval"]["loss_before"] - 0.3
    assert summary["eval"]["perplexity"] == pytest.approx(math.exp(summary["eval"]["loss"]))
    data = summary["data"]
    assert data["records_read"] == 120 and data["accounted"] and data["eval_examples"] == 12
    assert data["train_examples"] + data["eval_examples"] + sum(data["rejected"].values()) == 120
    assert data["truncated"] > 0
    for name in ("config.yaml", "metrics.json", "loss.png", "samples.json", "README.md", "summary.json"):
        assert (out / name).is_file(), name
    assert (out / "model" / "model.safetensors").is_file() and (out / "model" / "tokenizer.json").is_file()
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert load_config(out / "config.yaml", model=TrainConfig) == config
    assert json.loads((out / "summary.json").read_text())["metrics"]["loss"]["values"] == loss["values"]
    card = (out / "README.md").read_text()
    assert "base_model: " + str(model_dir) in card and "## Samples before and after" in card
    assert "accelerate launch --num_processes 1" in card
    sample = summary["samples"][0]
    assert sample["prompt"] == "Give three tips for staying healthy." and sample["before"] != sample["after"]
    reloaded = transformers.AutoModelForCausalLM.from_pretrained(out / "model")
    assert reloaded.config.num_hidden_layers == 2


def test_memorizes_answers_from_canonical_parquet(model_dir, alpaca_sharegpt, tmp_path):
    """Canonical records in Parquet (what the distill stage writes), one with reasoning: after a few dozen steps
    on three examples the model answers each prompt with its exact reply, <think> block included."""
    rows = json.loads(alpaca_sharegpt.read_text())
    short = [r for r in rows if len(r["conversations"][-1]["value"]) < 50][:3]
    records = [
        ConversationRecord(
            id=f"mem-{i}",
            source="alpaca_en_demo",
            messages=[
                Message(role="user", content=r["conversations"][0]["value"]),
                Message(
                    role="assistant",
                    content=r["conversations"][1]["value"],
                    reasoning="A short sentence." if i == 0 else None,
                ),
            ],
        )
        for i, r in enumerate(short)
    ]
    data = tmp_path / "distill" / "data"
    data.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist([to_arrow_row(r) for r in records], schema=CONVERSATION_SCHEMA), data / "part-0.parquet"
    )
    out = tmp_path / "mem"
    config = _config(
        model_dir,
        out,
        [str(tmp_path / "distill")],
        training={"max_steps": 40, "batch_size": 3, "learning_rate": 3e-3},
        samples={"from_eval": 3, "max_new_tokens": 40},
    )
    started = time.perf_counter()
    summary = run_training(config, machine=CPU, progress=False)
    print(
        f"\nmemorize: loss {summary['metrics']['loss']['first']:.3f} -> {summary['metrics']['loss']['last']:.3f}, "
        f"{time.perf_counter() - started:.1f} s"
    )
    samples = summary["samples"]
    assert len(samples) == 3
    assert (
        samples[0]["reference"] == f"<think>\nA short sentence.\n</think>\n\n{short[0]['conversations'][1]['value']}"
    )
    for sample in samples:
        assert sample["before"] != sample["reference"]
        assert sample["after"] == sample["reference"], sample


class _Interrupt(Exception):
    pass


def _interrupt_at(step: int):
    from transformers import TrainerCallback

    class Stop(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == step:
                raise _Interrupt(f"interrupted at step {step}")

    return Stop()


def test_lora_resumes_from_checkpoint_saves_adapter_and_merges(model_dir, alpaca_sharegpt, tmp_path):
    from peft import PeftModel

    out = tmp_path / "lora"
    config = _config(
        model_dir,
        out,
        [str(alpaca_sharegpt)],
        adapter={"type": "lora", "rank": 8, "alpha": 16, "dropout": 0.0},
        data={"max_records": 48},
        # packed rows and activation checkpointing: the GPU defaults of configs/train_sft.yaml
        training={
            "max_steps": 6,
            "save_steps": 2,
            "learning_rate": 1e-2,
            "max_seq_length": 96,
            "packing": True,
            "gradient_checkpointing": True,
        },
    )
    with pytest.raises(_Interrupt):
        run_training(config, machine=CPU, progress=False, callbacks=[_interrupt_at(3)])
    assert sorted(p.name for p in (out / "checkpoints").glob("checkpoint-*")) == ["checkpoint-2"]
    assert not (out / "summary.json").exists()
    saved = json.loads((out / "checkpoints/checkpoint-2/trainer_state.json").read_text())["log_history"]
    before_interrupt = [e["loss"] for e in saved if "loss" in e]

    # rerun through the CLI with --resume --merge: continues at step 3, not 1
    cfg = tmp_path / "lora.yaml"
    cfg.write_text(dump_config(config))
    result = CliRunner().invoke(_app(), ["train", str(cfg), "--resume", "--merge"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed_from_step"] == 2 and summary["global_step"] == 6
    # steps 1-2 are the checkpoint's own log (restored, not retrained); 3-6 ran now
    assert summary["metrics"]["loss"]["steps"] == [1, 2, 3, 4, 5, 6]
    assert summary["metrics"]["loss"]["values"][:2] == before_interrupt

    tokenizer = transformers.AutoTokenizer.from_pretrained(out / "adapter")
    batch = tokenizer(["Give three tips for staying healthy."], return_tensors="pt")
    base = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    with torch.no_grad():
        base_logits = base(**batch).logits
        adapted = PeftModel.from_pretrained(base, out / "adapter")
        adapter_logits = adapted(**batch).logits
        merged_logits = transformers.AutoModelForCausalLM.from_pretrained(out / "merged")(**batch).logits
    assert (adapter_logits - base_logits).abs().max() > 1e-3  # the adapter learned something
    assert torch.allclose(merged_logits, adapter_logits, atol=1e-4)  # and the merge holds exactly that


def test_dpo_flow_raises_the_reward_margin(prefect_harness, shared_data, model_dir, tmp_path):
    """DPO with LoRA on the raw dpo_en_demo.json (LLaMA-Factory preference layout, auto-detected), run as the
    Prefect `train` flow; the reference is the base model with the adapter off."""
    from flows.train import train

    out = tmp_path / "dpo"
    config = _config(
        model_dir,
        out,
        [str(shared_data / LF / "dpo_en_demo.json")],
        method="dpo",
        adapter={"type": "lora", "rank": 8, "alpha": 16, "dropout": 0.0},
        data={"max_records": 36, "eval_fraction": 0.12},
        training={"max_steps": 16, "learning_rate": 5e-3, "max_seq_length": 256},
        dpo={"beta": 0.1},
    )
    cfg = tmp_path / "dpo.yaml"
    cfg.write_text(dump_config(config))
    started = time.perf_counter()
    state = train(str(cfg), overrides=["samples.max_new_tokens=4"], return_state=True)
    assert state.is_completed()
    summary = state.result()
    margin = summary["metrics"]["rewards/margins"]
    print(
        f"\nDPO (lora, 16 steps x 4 pairs): reward margin first-3 {margin['first']:.3f} -> last-3 "
        f"{margin['last']:.3f}; loss {summary['metrics']['loss']['first']:.3f} -> "
        f"{summary['metrics']['loss']['last']:.3f}; eval margin {summary['eval']['rewards/margins']:.3f}; "
        f"train {summary['train_seconds']:.1f} s, flow {time.perf_counter() - started:.1f} s"
    )
    assert abs(margin["values"][0]) < 1e-2  # policy == reference at step 1
    assert margin["last"] > margin["first"] + 0.5
    assert summary["metrics"]["loss"]["first"] == pytest.approx(math.log(2), abs=0.05)
    # held-out pairs: reported (a tiny random model need not generalise), perplexity only makes sense for SFT
    assert math.isfinite(summary["eval"]["rewards/margins"]) and summary["eval"]["perplexity"] is None
    data = summary["data"]
    print(f"DPO data: {data}")
    assert data["accounted"] and data["records_read"] == 36
    assert data["eval_examples"] == round(0.12 * (data["train_examples"] + data["eval_examples"])) > 0
    assert (out / "adapter" / "adapter_model.safetensors").is_file()

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["train-summary"]))
            )

    found = asyncio.run(artifacts())
    assert found and "reward margin first -> last" in found[-1].data


# --- CLI and the GPU check ---------------------------------------------------------------------------------------


def test_cli_prints_the_accelerate_launch_command():
    result = CliRunner().invoke(
        _app(), ["train", str(REPO / "configs/train_sft.yaml"), "--set", "distributed.num_processes=4"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "accelerate launch --num_processes 4 --num_machines 1 --multi_gpu --mixed_precision bf16 -m pipelines.cli "
        "train " + str(REPO / "configs/train_sft.yaml") + " --set distributed.num_processes=4"
    ) in result.output


def _gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_train_check", REPO / "bench/gpu_train_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_train_check_runs_its_code_path_on_cpu(tmp_path):
    check = _gpu_check()
    assert check.peak_tflops("NVIDIA H200") == check.peak_tflops("NVIDIA H100 80GB HBM3") == 989.0
    assert check.peak_tflops("NVIDIA H100 PCIe") == 756.0 and check.peak_tflops("Some GPU") is None
    report = tmp_path / "gpu.json"
    code = check.main(["--device", "cpu", "--tiny", "--steps", "2", "--workdir", str(tmp_path), "--json", str(report)])
    assert code == 0
    padded, packed = json.loads(report.read_text())["results"]
    assert (padded["case"], packed["case"]) == ("padded", "packed")
    for result in (padded, packed):
        assert result["timed_steps"] == 2 and result["tokens_per_s"] > 0 and math.isfinite(result["loss_last"])
        assert result["mfu"] is None and result["peak_memory_gib"] is None  # no GPU: not made up
    assert padded["padding_share"] > 0.1 and packed["padding_share"] == 0.0
    if not torch.cuda.is_available():
        assert check.main([]) == 2
