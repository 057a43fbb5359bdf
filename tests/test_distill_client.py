"""The teacher client against a real local HTTP server (tests/fault_server.py) that injects faults on request:
retries and Retry-After, errors that must not be retried, rate limits, the budget, the request cache, a run killed
with SIGKILL and resumed, and the API key kept out of everything written. Prompts are real GSM8K problems."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from schemas.teacher import ModelPrice, SamplingParams, TeacherConfig
from stages.distill.client import TeacherClient, TeacherRequest, TeacherResponse, make_teacher
from stages.distill.rate_limit import TokenBucket
from stages.distill.request_cache import RequestCache
from stages.distill.retry import backoff_s, parse_retry_after

sys.path.insert(0, str(Path(__file__).parent))
from fault_server import FaultServer  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLING = SamplingParams(max_tokens=64, temperature=0.6)


@pytest.fixture(scope="module")
def questions(shared_data: Path) -> list[str]:
    rows = (shared_data / "eval" / "gsm8k" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:200]
    return [json.loads(row)["question"] for row in rows]


@pytest.fixture
def server():
    with FaultServer(hang_s=5.0) as srv:
        yield srv


def _config(server: FaultServer, **overrides) -> TeacherConfig:
    """Small timeouts and backoffs so that faults cost tenths of a second, not minutes."""
    values = dict(
        base_url=server.base_url,
        model="teacher-test",
        api_key_env="REFINERY_TEST_TEACHER_KEY",
        concurrency=8,
        timeout_s=0.5,
        max_retries=3,
        backoff_base_s=0.02,
        backoff_max_s=0.1,
        sampling=SAMPLING,
    )
    values.update(overrides)
    return TeacherConfig(**values)


def _request(text: str, tag: str = "", sample_index: int = 0) -> TeacherRequest:
    return TeacherRequest(
        messages=[{"role": "user", "content": text}], sampling=SAMPLING, sample_index=sample_index, tag=tag
    )


def _run(client: TeacherClient, requests: list[TeacherRequest]) -> dict[str, TeacherResponse]:
    out = {r.request.tag: r for r in client.generate(requests, progress=False)}
    return out


def test_cache_key_is_model_messages_sampling_and_sample_index():
    base = _request("What is 2 + 3?", tag="a")
    assert base.cache_key("m") == _request("What is 2 + 3?", tag="other tag").cache_key("m")
    others = {
        _request("What is 2 + 4?").cache_key("m"),
        _request("What is 2 + 3?", sample_index=1).cache_key("m"),
        base.cache_key("m2"),
        TeacherRequest(messages=base.messages, sampling=SamplingParams(max_tokens=65)).cache_key("m"),
        TeacherRequest(messages=base.messages, sampling=SamplingParams(max_tokens=64, seed=1)).cache_key("m"),
    }
    assert base.cache_key("m") not in others and len(others) == 5


def test_retry_after_and_backoff_rules():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    from email.utils import formatdate

    date_wait = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert date_wait is not None and 28 <= date_wait <= 30
    waits = [backoff_s(attempt, 1.0, 8.0) for attempt in range(10) for _ in range(50)]
    assert all(0 <= w <= 8.0 for w in waits)
    assert max(backoff_s(0, 1.0, 8.0) for _ in range(200)) <= 1.0  # first retry: uniform in [0, base]
    assert max(waits) > 4.0  # later retries: the cap, not the base, bounds the jitter


def test_answers_are_parsed_cached_and_served_from_cache(server: FaultServer, questions, tmp_path: Path):
    prices = {"teacher-test": ModelPrice(input_per_mtok=0.55, output_per_mtok=2.19)}
    config = _config(server, prices=prices)
    texts = questions[:24] + [questions[24] + " @fault:reasoning", questions[25] + " @fault:reasoning-field"]
    requests = [_request(text, tag=str(i)) for i, text in enumerate(texts)]
    cache = tmp_path / "cache" / "requests.sqlite"
    with TeacherClient(config, cache) as client:
        first = _run(client, requests)
    assert len(first) == len(requests) and all(r.error is None and not r.cached for r in first.values())
    for i, text in enumerate(texts):
        response = first[str(i)]
        assert response.content and response.content.startswith("answer ")
        assert response.prompt_tokens == max(1, len(text) // 4) and response.completion_tokens == 16
        assert response.cost_usd == pytest.approx((response.prompt_tokens * 0.55 + 16 * 2.19) / 1e6)
    assert first["24"].reasoning_content and first["25"].reasoning_content  # both field names are read
    assert first["24"].reasoning_tokens == 8 and first["0"].reasoning_content is None
    assert client.stats.sent == 26 and client.stats.cached == 0
    assert client.stats.cost_usd == pytest.approx(sum(r.cost_usd for r in first.values()))
    assert len(RequestCache(cache)) == 26
    sent_before = len(server.arrivals)

    with TeacherClient(config, cache) as again:
        second = _run(again, requests)
    assert len(server.arrivals) == sent_before  # nothing sent: everything came from the cache
    assert again.stats.cached == 26 and again.stats.sent == 0 and again.stats.cost_usd == 0
    for tag, response in second.items():
        assert response.cached and response.content == first[tag].content
        assert response.reasoning_content == first[tag].reasoning_content
        assert response.request.tag == tag


def test_transient_faults_are_retried_until_answered(server: FaultServer, questions):
    faults = ["@fault:500*2", "@fault:502", "@fault:503", "@fault:504", "@fault:reset", "@fault:hang", "@fault:429*3"]
    texts = [f"{questions[30 + i]} {fault}" for i, fault in enumerate(faults)]
    client = TeacherClient(_config(server), None)
    responses = _run(client, [_request(text, tag=fault) for text, fault in zip(texts, faults, strict=True)])
    expected_attempts = {"@fault:500*2": 3, "@fault:429*3": 4}
    for text, fault in zip(texts, faults, strict=True):
        response = responses[fault]
        assert response.error is None and response.content, (fault, response.error)
        assert response.attempts == expected_attempts.get(fault, 2)
        assert server.per_prompt[text] == response.attempts  # the server saw every attempt
    assert client.stats.retried == sum(r.attempts - 1 for r in responses.values()) == 10
    assert responses["@fault:hang"].latency_s >= 0.5  # it waited for the timeout before retrying


def test_retry_after_is_honoured(server: FaultServer, questions):
    texts = {
        "seconds": f"{questions[40]} @fault:429 @retry-after:1",
        "date": f"{questions[41]} @fault:503 @retry-after:date+2",
    }
    # Backoff alone would retry within 0.1 s.
    client = TeacherClient(_config(server, concurrency=1), None)
    responses = _run(client, [_request(text, tag=name) for name, text in texts.items()])
    assert all(r.error is None and r.attempts == 2 for r in responses.values())
    for name, text in texts.items():
        times = [t for t, _, prompt in server.arrivals if prompt == text]
        assert len(times) == 2
        gap = times[1] - times[0]
        # An HTTP date has 1 s resolution: "2 s from now" is between 1 and 2 s away.
        assert 0.95 <= gap < 3.0, (name, gap)


def test_errors_are_recorded_not_retried_and_not_cached(server: FaultServer, questions, tmp_path: Path):
    kinds = ["400", "401", "404", "malformed", "nochoices", "length"]
    texts = {kind: f"{questions[50 + i]} @fault:{kind}" for i, kind in enumerate(kinds)}
    texts["exhausted"] = f"{questions[60]} @fault:503*9"
    cache = tmp_path / "requests.sqlite"
    client = TeacherClient(_config(server, max_retries=2), cache)
    responses = _run(client, [_request(text, tag=kind) for kind, text in texts.items()])
    assert len(responses) == len(texts)  # every request got its one response, none crashed the run
    for kind in ["400", "401", "404"]:
        assert responses[kind].error.startswith(f"HTTP {kind}") and responses[kind].status == int(kind)
    assert "malformed JSON" in responses["malformed"].error
    assert "no choices" in responses["nochoices"].error
    for kind in ["400", "401", "404", "malformed", "nochoices"]:
        assert responses[kind].attempts == 1 and server.per_prompt[texts[kind]] == 1, kind
    truncated = responses["length"]
    assert truncated.error is None and truncated.finish_reason == "length" and truncated.content
    assert responses["exhausted"].error.startswith("gave up after 3 attempts: HTTP 503")
    assert server.per_prompt[texts["exhausted"]] == 3
    assert client.stats.failed == 6 and client.stats.truncated == 1 and client.stats.sent == 7
    assert len(RequestCache(cache)) == 1  # only the truncated answer, which is an answer

    # A rerun serves the truncated answer from the cache and tries the failed ones again.
    rerun = TeacherClient(_config(server, max_retries=0), cache)
    again = _run(rerun, [_request(text, tag=kind) for kind, text in texts.items()])
    assert again["length"].cached and rerun.stats.cached == 1 and rerun.stats.sent == 6
    assert server.per_prompt[texts["length"]] == 1 and server.per_prompt[texts["400"]] == 2


def test_requests_per_minute_limit_holds_at_the_server(server: FaultServer, questions):
    rpm, n = 300, 15  # 5 requests/s with a 1 s burst of 5
    texts = [f"{q} rpm" for q in questions[70 : 70 + n]]
    client = TeacherClient(_config(server, concurrency=n, requests_per_minute=rpm), None)
    started = time.monotonic()
    responses = list(client.generate([_request(t, tag=t) for t in texts], progress=False))
    assert len(responses) == n and all(r.error is None for r in responses)
    times = sorted(t for t, _, prompt in server.arrivals if prompt in set(texts))
    assert len(times) == n
    rate, burst = rpm / 60, 5
    for i in range(n):
        for j in range(i, n):  # any window holds at most the burst plus what refilled during it
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6 + 0.5, (i, j)
    assert times[-1] - started >= (n - burst) / rate - 0.1


def test_token_bucket_keeps_the_long_run_rate_with_oversized_requests():
    import asyncio

    async def take() -> float:
        bucket = TokenBucket.per_minute(6000)  # 100 tokens/s, capacity 100
        start = time.monotonic()
        for _ in range(3):
            await bucket.acquire(150)  # larger than the capacity: waits for a full bucket, then goes into debt
        bucket.refund(100)  # the usage was lower than reserved
        await bucket.acquire(100)
        return time.monotonic() - start

    elapsed = asyncio.run(take())
    # 550 tokens taken, 100 refunded, 100 in the bucket at the start: 350 refilled at 100/s.
    assert 3.2 <= elapsed <= 4.5


def test_token_budget_stops_sending_cleanly(server: FaultServer, questions):
    texts = [f"{q} budget" for q in questions[80:100]]
    per_request = [max(1, len(t) // 4) + 16 for t in texts]
    budget = sum(per_request[:5]) - 1  # reached by the 5th answer
    client = TeacherClient(_config(server, concurrency=1, max_total_tokens=budget), None)
    responses = list(client.generate([_request(t, tag=t) for t in texts], progress=False))
    assert [r.request.tag for r in responses] == texts[:5]
    assert client.stats.budget_exhausted and client.stats.sent == 5 and client.stats.not_sent == 15
    assert sum(server.per_prompt[t] for t in texts) == 5


def test_cost_budget_lets_in_flight_requests_finish(server: FaultServer, questions):
    texts = [f"{q} @sleep:0.2 cost" for q in questions[100:140]]
    prices = {"teacher-test": ModelPrice(input_per_mtok=1000.0, output_per_mtok=1000.0)}  # ~0.03 USD a request
    client = TeacherClient(_config(server, concurrency=4, max_cost_usd=0.2, prices=prices), None)
    responses = list(client.generate([_request(t, tag=t) for t in texts], progress=False))
    stats = client.stats
    assert stats.budget_exhausted and stats.cost_usd >= 0.2
    assert stats.sent == len(responses) == sum(server.per_prompt[t] for t in texts)
    assert stats.sent + stats.not_sent == len(texts) and stats.failed == 0
    # Sending stopped at the first free slot after the budget was reached: at most the 4 in flight ran past it.
    costs = [r.cost_usd for r in responses]
    reached_at = next(i for i in range(len(costs)) if sum(costs[: i + 1]) >= 0.2)
    assert len(responses) - (reached_at + 1) <= 3


def test_api_key_is_sent_but_never_written(server: FaultServer, questions, tmp_path: Path, monkeypatch):
    secret = "sk-test-0123456789abcdef-SECRET"
    monkeypatch.setenv("REFINERY_TEST_TEACHER_KEY", secret)
    cache = tmp_path / "requests.sqlite"
    texts = [questions[150], f"{questions[151]} @fault:401", f"{questions[152]} @fault:503*9"]
    client = make_teacher(_config(server, max_retries=1), cache)
    responses = list(client.generate([_request(t, tag=t) for t in texts], progress=False))
    client.close()
    assert server.authorizations[f"Bearer {secret}"] == len(server.arrivals) == 4
    written = [
        repr(client),
        repr(client.config),
        client.config.model_dump_json(),
        json.dumps(client.stats.as_dict()),
        *(str(r) for r in responses),
    ]
    assert all(secret not in text for text in written)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_closing_the_iterator_early_stops_the_run(server: FaultServer, questions):
    texts = [f"{q} @sleep:0.3 early" for q in questions[160:200]]
    client = TeacherClient(_config(server, concurrency=4), None)
    started = time.monotonic()
    stream = client.generate([_request(t, tag=t) for t in texts], progress=False)
    first = next(stream)
    stream.close()
    assert first.error is None and time.monotonic() - started < 2.0
    time.sleep(0.4)
    assert sum(server.per_prompt[t] for t in texts) <= 8  # no request started after the close


_CHILD = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from schemas.teacher import TeacherConfig
    from stages.distill.client import TeacherClient, TeacherRequest
    config = TeacherConfig.model_validate_json({config!r})
    texts = json.loads({texts!r})
    requests = [TeacherRequest(messages=[{{"role": "user", "content": t}}], sampling=config.sampling, tag=str(i))
                for i, t in enumerate(texts)]
    for response in TeacherClient(config, {cache!r}).generate(requests, progress=False):
        print(response.request.tag, flush=True)
    """
)


def test_killed_run_resumes_without_sending_a_completed_request_twice(server: FaultServer, questions, tmp_path):
    n, kill_after = 40, 12
    # Staggered latencies, so that some requests are in flight whenever the kill comes.
    texts = [f"{q} @sleep:{0.05 * (1 + i % 4):.2f} resume" for i, q in enumerate(questions[:n])]
    config = _config(server, concurrency=4)
    cache = str(tmp_path / "cache" / "requests.sqlite")
    script = _CHILD.format(root=str(REPO_ROOT), config=config.model_dump_json(), texts=json.dumps(texts), cache=cache)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    seen = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line.strip())
        if len(seen) == kill_after:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(30)
    assert child.returncode == -signal.SIGKILL
    time.sleep(0.3)  # let the server read what the child had already written to its sockets
    completed = _cache_keys(cache)
    assert len(completed) >= kill_after and len(completed) < n  # killed midway, every yielded answer committed
    first_run = {t: server.per_prompt[t] for t in texts}
    sent_in_first_run = sum(first_run.values())
    keys = [_request(t).cache_key(config.model) for t in texts]
    was_completed = {t: key in completed for t, key in zip(texts, keys, strict=True)}

    resumed = TeacherClient(config, Path(cache))
    responses = list(resumed.generate([_request(t, tag=str(i)) for i, t in enumerate(texts)], progress=False))
    tags = sorted(int(r.request.tag) for r in responses)
    assert tags == list(range(n))  # every request has exactly one response: none lost, none duplicated
    assert all(r.error is None for r in responses)
    assert resumed.stats.cached == len(completed) and resumed.stats.sent == n - len(completed)
    for text in texts:
        # A completed request was sent once in all; one cut off by the kill (or never sent) is sent once more.
        assert server.per_prompt[text] == (1 if was_completed[text] else first_run[text] + 1)
    in_flight_at_kill = sent_in_first_run - len(completed)
    assert sum(server.per_prompt[t] for t in texts) == n + in_flight_at_kill
    print(
        f"resume: {n} requests, killed after {kill_after} yielded, {len(completed)} cached, "
        f"{in_flight_at_kill} in flight at the kill; server saw {sum(server.per_prompt[t] for t in texts)} requests"
    )


def _cache_keys(path: str) -> set[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT key FROM responses")}


def test_vllm_backend_says_what_is_missing(server: FaultServer):
    from stages.distill.vllm_backend import vllm_unavailable_reason

    reason = vllm_unavailable_reason()
    if reason is None:
        pytest.skip("vllm and a CUDA GPU are available here")
    with pytest.raises(RuntimeError, match="backend 'vllm' cannot run here") as error:
        make_teacher(_config(server, backend="vllm"), None)
    assert reason in str(error.value)


def test_vllm_client_groups_samples_of_a_prompt_into_one_conversation(questions, tmp_path: Path, monkeypatch):
    """Wiring only, with a stand-in for the `vllm` module (not installed here, no GPU): the N samples of a prompt go
    to `LLM.chat` as one conversation with n=N, the outputs come back in sample order, and are cached. The real
    vLLM code path is not exercised by this test."""
    import types as pytypes

    from stages.distill import vllm_backend

    calls: list[tuple[list, list]] = []

    class FakeSamplingParams:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    class FakeLLM:
        def __init__(self, model: str, **kwargs):
            self.model = model

        def chat(self, conversations, sampling_params, use_tqdm):
            calls.append((conversations, sampling_params))
            outputs = []
            for conversation, params in zip(conversations, sampling_params, strict=True):
                text = conversation[-1]["content"]
                samples = [
                    pytypes.SimpleNamespace(text=f"{text[:20]} #{i}", token_ids=[1] * (5 + i), finish_reason="stop")
                    for i in range(params.n)
                ]
                outputs.append(pytypes.SimpleNamespace(prompt_token_ids=[1] * len(text.split()), outputs=samples))
            return outputs

    monkeypatch.setitem(sys.modules, "vllm", pytypes.SimpleNamespace(LLM=FakeLLM, SamplingParams=FakeSamplingParams))
    monkeypatch.setattr(vllm_backend, "vllm_unavailable_reason", lambda: None)
    config = TeacherConfig(model="local/teacher", backend="vllm", sampling=SamplingParams(max_tokens=64, seed=7))
    requests = [
        TeacherRequest(
            messages=[{"role": "user", "content": q}], sampling=config.sampling, sample_index=i, tag=f"{p}/{i}"
        )
        for p, q in enumerate(questions[:3])
        for i in (3, 1, 0, 2)
    ]
    cache = tmp_path / "requests.sqlite"
    client = make_teacher(config, cache)
    responses = {r.request.tag: r for r in client.generate(requests, progress=False)}
    assert len(calls) == 1 and len(calls[0][0]) == 3
    assert [p.n for p in calls[0][1]] == [4, 4, 4] and {p.seed for p in calls[0][1]} == {7}
    for p in range(3):
        for i in range(4):
            response = responses[f"{p}/{i}"]
            assert response.content.endswith(f"#{i}") and response.completion_tokens == 5 + i
            assert response.prompt_tokens == len(questions[p].split()) and response.reasoning_content is None
    again = make_teacher(config, cache)
    assert all(r.cached for r in again.generate(requests, progress=False)) and len(calls) == 1


def test_config_errors_name_the_field():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="prices"):
        TeacherConfig(model="deepseek-reasoner", max_cost_usd=5.0)
    with pytest.raises(ValidationError, match="concurency"):
        TeacherConfig(model="deepseek-reasoner", concurency=8)
    with pytest.raises(ValidationError, match="backend"):
        TeacherConfig(model="deepseek-reasoner", backend="sglang")


def test_hosted_teacher_without_its_key_fails_before_any_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("REFINERY_TEST_TEACHER_KEY", raising=False)
    hosted = TeacherConfig(
        base_url="https://api.deepseek.com/v1", model="deepseek-reasoner", api_key_env="REFINERY_TEST_TEACHER_KEY"
    )
    with pytest.raises(ValueError, match="REFINERY_TEST_TEACHER_KEY is not set"):
        TeacherClient(hosted, tmp_path / "cache.sqlite")
    local = hosted.model_copy(update={"base_url": "http://127.0.0.1:8000/v1"})
    assert TeacherClient(local).stats.sent == 0  # plain-http servers (vLLM, transformers serve) need no key
