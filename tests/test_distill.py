"""`refinery distill` end to end: the Prefect flow and the CLI against a real `transformers serve` on 127.0.0.1
(a tiny random-weight Qwen2 model and a tokenizer trained here on GSM8K text: no download), and the task logic
(pass-rate band, preference pairs, judge, failed and unsent requests) against a scripted teacher."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
import yaml
from tiny_models import save_model, tiny_qwen2, train_tokenizer
from typer.testing import CliRunner

from schemas.conversation import CONVERSATION_SCHEMA, PREFERENCE_SCHEMA
from stages.distill.types import ClientStats, TeacherResponse

GSM8K = "eval/gsm8k/train.jsonl"
SPECIAL = ["<pad>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build_model(shared_data: Path, folder: Path) -> None:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    rows = [json.loads(line) for line in (shared_data / GSM8K).read_text().splitlines()[:300]]
    texts = (r["question"] + " " + r["answer"] for r in rows)
    tok = train_tokenizer(
        texts, SPECIAL, CHAT_TEMPLATE, eos_token="<|end|>", pad_token="<pad>", unk_token="<unk>", vocab_size=500
    )
    model = tiny_qwen2(tok, max_positions=2048)
    # Random weights never stop on their own; a bias towards the end token makes some replies end before
    # max_tokens, so both truncated and complete (garbage) answers reach verification.
    model.generation_config = transformers.GenerationConfig(
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        do_sample=True,
        sequence_bias=[[[tok.eos_token_id], 2.5]],
    )
    save_model(model, tok, folder)


@pytest.fixture(scope="module")
def serve_process(shared_data: Path, tmp_path_factory):
    """`transformers serve` starting on a free 127.0.0.1 port (not waited for: it loads while Prefect starts)."""
    folder = tmp_path_factory.mktemp("tiny-teacher")
    _build_model(shared_data, folder / "model")
    port = _free_port()
    log = folder / "serve.log"
    serve = Path(sys.executable).with_name("transformers")
    args = [str(serve), "serve", str(folder / "model"), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        proc = subprocess.Popen([*args, "--device", "cpu", "--log-level", "info"], stdout=sink, stderr=sink)
    try:
        yield proc, {"base_url": f"http://127.0.0.1:{port}/v1", "model": str(folder / "model"), "log": log}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def teacher_server(serve_process):
    """The server once it answers /health; its access log counts the requests that reached it."""
    proc, server = serve_process
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(server["base_url"].removesuffix("/v1") + "/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"transformers serve did not start:\n{server['log'].read_text()[-3000:]}")
        time.sleep(0.5)


def _served(log: Path) -> int:
    return log.read_text(errors="replace").count('"POST /v1/chat/completions HTTP/1.1" 200')


def _config(tmp_path: Path, shared_data: Path, server: dict, **extra) -> Path:
    tree = {
        "teacher": {
            "base_url": server["base_url"],
            "model": server["model"],
            "api_key_env": "REFINERY_TEST_NO_KEY",
            "concurrency": 4,
            "timeout_s": 60,
            "max_retries": 1,
            "sampling": {"temperature": 1.0, "top_p": 1.0, "max_tokens": 24, "seed": 7},
            "prices": {server["model"]: {"input_per_mtok": 1.0, "output_per_mtok": 2.0}},
        },
        "task": "reasoning",
        "input": {"path": str(shared_data / GSM8K)},
        "limit": 6,
        "samples_per_prompt": 3,
        "verify": {"method": "gsm8k"},
        "output": {"name": "gsm8k_tiny", "exports": ["sharegpt", "alpaca", "openai"]},
        "progress": False,
        **extra,
    }
    path = tmp_path / "distill.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


async def _artifacts(keys: list[str]) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    return {artifact.key: artifact for artifact in found}


def _flags(sets: list[str]) -> list[str]:
    return [arg for item in sets for arg in ("--set", item)]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def _check_accounting(manifest: dict, out: Path) -> None:
    samples = manifest["samples"]
    rejected = _jsonl(out / "rejected/samples.jsonl")
    errors = _jsonl(out / "errors/requests.jsonl")
    assert samples["accounted"]
    assert samples["planned"] == samples["kept"] + samples["rejected_total"] + samples["errors"] + samples["not_sent"]
    assert len(rejected) == samples["rejected_total"] and len(errors) == samples["errors"]
    assert Counter(r["reason"] for r in rejected) == Counter(samples["rejected"])
    assert all(r["reason"] and r["prompt_id"] for r in rejected)
    assert json.loads((out / "manifest.json").read_text())["samples"] == samples


def test_distill_flow_and_cli_against_transformers_serve(
    serve_process, prefect_harness, teacher_server, shared_data, tmp_path
):
    from flows.distill import distill
    from pipelines.cli import app
    from stages.sft.convert import convert

    config = _config(tmp_path, shared_data, teacher_server)
    out = tmp_path / "out"
    before = _served(teacher_server["log"])
    state = distill(config_path=str(config), output_dir=str(out), return_state=True)
    assert state.is_completed(), state
    first = state.result()
    sent = _served(teacher_server["log"]) - before
    assert first["requests"] == {"planned": 18, "sent": 18, "cached": 0, "failed": 0, "not_sent": 0, "retried": 0}
    assert sent == 18  # counted at the server
    assert first["tokens"]["completion"] > 0 and first["cost_usd"] > 0
    _check_accounting(first, out)
    # Garbage from random weights: samples are cut at max_tokens or checked (a lucky number may even pass).
    assert set(first["samples"]["rejected"]) <= {"truncated", "wrong_answer", "no_answer_found", "empty_answer"}
    assert all(r["answer"] or r["reason"] != "wrong_answer" for r in _jsonl(out / "rejected/samples.jsonl"))
    assert pq.read_schema(out / "data/conversations.parquet").equals(CONVERSATION_SCHEMA)
    assert "REFINERY_TEST_NO_KEY" in (out / "manifest.json").read_text()  # the variable's name, never a key
    artifacts = asyncio.run(_artifacts(["distill-manifest", "distill-summary"]))
    assert "accounted: True" in artifacts["distill-summary"].data
    table = artifacts["distill-manifest"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {"what": "requests", "detail": "sent", "count": "18"} in rows

    # Rerun: everything comes from the request cache, nothing reaches the server, the same output is written.
    runner = CliRunner()
    result = runner.invoke(app, ["distill", str(config), "--output", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    second = json.loads((out / "manifest.json").read_text())
    assert _served(teacher_server["log"]) - before == 18
    assert second["requests"]["sent"] == 0 and second["requests"]["cached"] == 18
    assert second["samples"] == first["samples"] and second["cost_usd"] == 0
    assert second["tokens_all_responses"] == first["tokens_all_responses"]

    # Another check of the same samples (every complete answer kept, unverified) costs no request either, and
    # its records come back through the SFT readers with their reasoning slot intact.
    result = runner.invoke(
        app, ["distill", str(config), "-o", str(out), "--no-progress", "--set", "verify.method=none"]
    )
    assert result.exit_code == 0, result.output
    third = json.loads((out / "manifest.json").read_text())
    assert _served(teacher_server["log"]) - before == 18
    _check_accounting(third, out)
    kept = third["samples"]["kept"]
    assert kept > 0 and kept == 18 - third["samples"]["rejected_total"]
    table = pq.read_table(out / "data/conversations.parquet")
    assert table.num_rows == kept and len(set(table.column("id").to_pylist())) == kept
    info = out / "exports/dataset_info.json"
    for fmt in ("sharegpt", "alpaca", "openai"):
        assert third["records"]["exports"][fmt]["rows"] == kept
        back = convert(str(out / "exports"), None, tmp_path / f"back-{fmt}", mapping=f"{info}:gsm8k_tiny_{fmt}")
        assert (back.converted, back.failed) == (kept, 0)

    # Questions from documents through the same server: garbage is no JSON, so every reply is rejected with why.
    questions = tmp_path / "questions"
    sets = [
        "task=questions",
        "limit=2",
        "input.kind=documents",
        "chunking.chunk_tokens=128",
        "chunking.overlap_tokens=16",
    ]
    sets.append(f"input.path={shared_data / 'quality/llama-factory/c4_demo.jsonl'}")
    result = runner.invoke(app, ["distill", str(config), "-o", str(questions), "--no-progress", *_flags(sets)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((questions / "manifest.json").read_text())
    _check_accounting(manifest, questions)
    assert manifest["input"]["documents"] == 2 and manifest["prompts"]["planned"] >= 2
    assert manifest["samples"]["planned"] == 3 * manifest["prompts"]["planned"] == manifest["requests"]["sent"]
    assert set(manifest["samples"]["rejected"]) <= {"truncated", "malformed_json", "no_complete_pair", "empty_answer"}


def _cached_rows(path: Path) -> int:
    import sqlite3

    if not path.is_file():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        except sqlite3.OperationalError:  # the table does not exist yet
            return 0


def test_killed_run_resumes_without_resending_or_duplicating(teacher_server, shared_data, tmp_path):
    """SIGKILL the CLI once some answers are cached: no output is left behind, and the rerun sends only the
    requests the first run did not complete (counted at the server), writing each sample exactly once."""
    planned = 40
    config = _config(tmp_path, shared_data, teacher_server, limit=40, samples_per_prompt=1)
    out = tmp_path / "out"
    cache = out / "cache" / "requests.sqlite"
    command = [sys.executable, "-m", "pipelines.cli", "distill", str(config), "-o", str(out), "--no-progress"]
    repo = Path(__file__).resolve().parents[1]
    before = _served(teacher_server["log"])
    first = subprocess.Popen([*command, "--set", "teacher.concurrency=1"], cwd=repo, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _cached_rows(cache) < 5 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.kill()
    first.wait()
    done = _cached_rows(cache)
    assert first.returncode == -9 and 5 <= done < planned, (done, first.stderr.read().decode()[-2000:])
    assert not (out / "manifest.json").exists() and not (out / "data").exists()  # nothing half-written
    killed_served = _served(teacher_server["log"]) - before
    assert done <= killed_served <= done + 1  # at most the one request in flight was answered but not cached

    rerun = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["requests"]["cached"] == done and manifest["requests"]["sent"] == planned - done
    assert _served(teacher_server["log"]) - before == killed_served + planned - done
    assert _cached_rows(cache) == planned
    _check_accounting(manifest, out)
    rejected = _jsonl(out / "rejected/samples.jsonl")
    seen = [(r["prompt_id"], r["sample_index"]) for r in rejected]
    assert manifest["samples"]["planned"] == planned and len(seen) + manifest["samples"]["kept"] == planned
    assert len(set(seen)) == len(seen)


class ScriptedTeacher:
    """A teacher whose replies are written by `reply(request) -> dict` (content, reasoning_content, finish_reason
    or error); `budget` requests are answered, the rest count as not sent. For the task logic, not the client."""

    def __init__(self, reply, budget: int | None = None):
        self.reply, self.budget, self.stats = reply, budget, ClientStats()

    def generate(self, requests, progress=True):
        for request in requests:
            if self.budget is not None and self.stats.sent >= self.budget:
                self.stats.not_sent += 1
                self.stats.budget_exhausted = True
                continue
            spec = {"content": None, "reasoning_content": None, "finish_reason": "stop", "error": None}
            spec.update(self.reply(request))
            self.stats.sent += 1
            self.stats.failed += spec["error"] is not None
            yield TeacherResponse(request, prompt_tokens=10, completion_tokens=20, reasoning_tokens=5, cached=False,
                                  attempts=1, latency_s=0.0, **spec)  # fmt: skip

    def close(self):
        pass


def _gsm8k(shared_data: Path, n: int) -> dict[str, str]:
    rows = [json.loads(line) for line in (shared_data / GSM8K).read_text().splitlines()[:n]]
    return {r["question"]: r["answer"].rsplit("####", 1)[1].strip() for r in rows}


def _run(monkeypatch, tmp_path, shared_data, teachers, **config):
    import stages.distill.client as client_module
    from schemas.distill import DistillConfig
    from stages.distill.runner import run_distill

    made = iter(teachers)
    monkeypatch.setattr(client_module, "make_teacher", lambda cfg, cache: next(made))
    tree = {
        "teacher": {"model": "scripted"},
        "input": {"path": str(shared_data / GSM8K)},
        "limit": 8,
        "samples_per_prompt": 4,
        "output": {"dir": str(tmp_path / "out"), "name": "t"},
        "progress": False,
        **config,
    }
    out = tmp_path / "out"
    return run_distill(DistillConfig.model_validate(tree)), out


def _question_of(request) -> str:
    return request.messages[-1]["content"].split("\n\nPlease reason")[0]


def test_reasoning_task_keeps_correct_samples_within_the_pass_rate_band(monkeypatch, tmp_path, shared_data):
    finals = _gsm8k(shared_data, 8)
    order = list(finals)

    def reply(request):
        question = _question_of(request)
        k = order.index(question) % 5  # prompt p has k = 0..4 correct samples of 4: pass rates 0, .25, ... 1
        right = request.sample_index < k
        number = finals[question] if right else f"{int(finals[question].replace(',', '')) + 1}"
        if request.sample_index == 3 and k == 2:
            return {"content": "<think>\nlet me see", "finish_reason": "length"}  # cut off while reasoning
        return {"content": f"Step by step.\n</think>\n\nSo the answer is \\boxed{{{number}}}."}

    manifest, out = _run(monkeypatch, tmp_path, shared_data, [ScriptedTeacher(reply)], pass_rate={"max": 0.75})
    _check_accounting(manifest, out)
    samples = manifest["samples"]
    # prompts 0..7 have k = 0,1,2,3,4,0,1,2 correct samples; k=4 (pass rate 1.0) is above the band.
    # Prompts 0..7 have k = 0,1,2,3,4,0,1,2 correct samples of 4; the one with all 4 right (pass rate 1.0) is
    # above the band. The truncated samples are among the wrong ones of the k=2 prompts.
    assert samples["kept"] == 0 + 1 + 2 + 3 + 0 + 1 + 2
    assert samples["rejected"]["wrong_answer"] == 4 + 3 + 1 + 1 + 4 + 3 + 1
    records = pq.read_table(out / "data/conversations.parquet").to_pylist()
    assert all(r["messages"][-1]["reasoning"] == "Step by step." for r in records)
    assert samples["rejected"]["pass_rate_above_band"] == 4
    assert samples["rejected"]["truncated"] == 2
    assert manifest["reasoning_from"]["missing_open_tag"] == 30


def test_math_verification_survives_answers_sympy_cannot_finish(monkeypatch, tmp_path, shared_data):
    """MATH-500 problems checked with math-verify, run in a thread as Prefect runs tasks: a power tower (which
    sympy tries to evaluate) is rejected as a wrong answer and the run finishes."""
    rows = [json.loads(line) for line in (shared_data / "eval/math500/test.jsonl").read_text().splitlines()[:2]]
    answers = {r["problem"]: r["answer"] for r in rows}
    replies = ["\\boxed{{{}}}", "\\boxed{{9^{{9^{{9^{{9}}}}}}}}", "\\boxed{{42}}", "So it is \\boxed{{{}}}."]

    def reply(request):
        return {"content": f"</think>\n\n{replies[request.sample_index].format(answers[_question_of(request)])}"}

    results: list = []
    run = threading.Thread(
        target=lambda: results.append(
            _run(
                monkeypatch,
                tmp_path,
                shared_data,
                [ScriptedTeacher(reply)],
                input={"path": str(shared_data / "eval/math500/test.jsonl"), "question_field": "problem"},
                limit=2,
                verify={"method": "math"},
            )
        ),
        daemon=True,
    )
    run.start()
    run.join(timeout=240)
    assert not run.is_alive(), "the distill run hung in math verification"
    manifest, out = results[0]
    _check_accounting(manifest, out)
    assert manifest["samples"]["kept"] == 4  # samples 0 and 3 of both problems
    assert manifest["samples"]["rejected"] == {"wrong_answer": 4}  # the towers and the 42s


@pytest.mark.parametrize("task", ["reasoning", "preference"])
def test_batches_of_prompts_write_what_one_batch_writes(monkeypatch, tmp_path, shared_data, task):
    """8 prompts in batches of 3 (the teacher is asked for 12, 12 and 8 samples, so memory holds one batch) give
    the same records, rejections, errors, exports and counts as one batch, the budget running across batches."""
    finals = _gsm8k(shared_data, 8)
    order = list(finals)
    asked: list[int] = []

    class CountingTeacher(ScriptedTeacher):
        def generate(self, requests, progress=True):
            requests = list(requests)
            asked.append(len(requests))
            yield from super().generate(requests, progress)

    def reply(request):
        p = order.index(_question_of(request))
        if p == 5 and request.sample_index == 1:
            return {"error": "HTTP 500 after 2 attempts"}
        number = finals[_question_of(request)] if request.sample_index < p % 4 else "-1"
        return {"reasoning_content": f"thinking about {p}", "content": f"The answer is \\boxed{{{number}}}."}

    def run(batch_prompts: int) -> tuple[dict, Path, list[int]]:
        asked.clear()
        teacher = CountingTeacher(reply, budget=30)
        manifest, out = _run(
            monkeypatch, tmp_path / str(batch_prompts), shared_data, [teacher], task=task, batch_prompts=batch_prompts
        )
        return manifest, out, list(asked)

    def output_files(out: Path) -> list[Path]:
        return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and "cache" not in p.parts)

    (one, one_out, one_asked), (many, many_out, many_asked) = run(1000), run(3)
    assert one_asked == [32] and many_asked == [12, 12, 8]
    _check_accounting(many, many_out)
    compared = ("samples", "records", "requests", "prompts", "tokens_all_responses", "reasoning_from")
    assert {key: many[key] for key in compared} == {key: one[key] for key in compared}
    assert many["samples"]["not_sent"] == 2 and many["samples"]["errors"] == 1 and many["samples"]["kept"] > 0
    assert output_files(many_out) == output_files(one_out)
    for name in output_files(one_out):
        if name.suffix == ".parquet":
            assert pq.read_table(many_out / name).equals(pq.read_table(one_out / name)), name
        elif name.name != "manifest.json":
            assert (many_out / name).read_bytes() == (one_out / name).read_bytes(), name


def test_preference_pairs_judge_errors_and_budget(monkeypatch, tmp_path, shared_data):
    finals = _gsm8k(shared_data, 8)
    order = list(finals)

    def reply(request):
        question = _question_of(request)
        p = order.index(question)
        if p == 7 and request.sample_index == 0:
            return {"error": "HTTP 500 after 2 attempts"}
        right = request.sample_index < p % 4  # p % 4 correct samples of 4
        number = finals[question] if right else "-1"
        return {"reasoning_content": f"thinking about {p}", "content": f"The answer is \\boxed{{{number}}}."}

    # 8 prompts x 4 samples, the budget stops after 30: the last prompt's samples 2 and 3 are not sent.
    manifest, out = _run(monkeypatch, tmp_path, shared_data, [ScriptedTeacher(reply, budget=30)], task="preference")
    _check_accounting(manifest, out)
    samples = manifest["samples"]
    assert manifest["budget_exhausted"] and samples["not_sent"] == 2 and samples["errors"] == 1
    pairs = pq.read_table(out / "data/preferences.parquet")
    assert pairs.schema.equals(PREFERENCE_SCHEMA)
    rows = pairs.to_pylist()
    # p % 4 = 0,1,2,3,0,1,2,3 correct: pairs min(c, 4 - c) = 0,1,2,1,0,1,2 and prompt 7 (1 answered: 0 pairs).
    assert len(rows) == 7 and samples["kept"] == 14
    for row in rows:
        assert row["chosen"][0]["content"] != row["rejected"][0]["content"]
        assert row["rejected"][0]["content"].endswith("\\boxed{-1}.") and row["chosen"][0]["reasoning"]
    # Prompts 0 and 4 have no right answer; prompt 7's one answered sample is right but has no wrong partner.
    assert samples["rejected"] == {"no_contrast_all_wrong": 8, "unpaired": 2 + 2 + 2, "no_contrast_all_correct": 1}
    assert (out / "errors/not_sent.jsonl").is_file() and len(_jsonl(out / "errors/requests.jsonl")) == 1
    exports = manifest["records"]["exports"]
    assert {fmt: e["rows"] for fmt, e in exports.items()} == {"sharegpt": 7, "alpaca": 7, "preference": 7}
    from stages.sft.convert import convert

    back = convert(
        str(out / "exports"), "trl", tmp_path / "back", mapping=f"{out}/exports/dataset_info.json:t_preference"
    )
    assert (back.converted, back.failed) == (7, 0)

    # Without references the judge scores every answer; best vs worst per prompt becomes the pair.
    def judged(request):
        text = request.messages[-1]["content"]
        if text.startswith("You are grading"):
            return {"content": f"SCORE: {len(text) % 11}"}
        return {"content": f"Answer {request.sample_index} " * (request.sample_index + 1)}

    manifest, out = _run(
        monkeypatch,
        tmp_path / "judge",
        shared_data,
        [ScriptedTeacher(judged), ScriptedTeacher(judged)],
        task="preference",
        input={"path": str(shared_data / GSM8K), "answer_field": None},
        limit=3,
    )
    _check_accounting(manifest, out)
    assert manifest["verify_methods"] == {"judge": 12} and manifest["judge_stats"]["sent"] == 12
    for row in pq.read_table(out / "data/preferences.parquet").to_pylist():
        assert row["chosen_score"] > row["rejected_score"]
