"""The curate chain end to end on real crawl data: accounting, output schemas, reruns, bad input."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.run import run_curate
from schemas.config import load_config
from schemas.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA


def curate(inputs: list[Path], output: Path, *sets: str) -> dict:
    config = load_config(None, [f"input.paths={json.dumps([str(p) for p in inputs])}", f"output.dir={output}", *sets])
    return run_curate(config)


def read_dir(folder: Path) -> pa.Table | None:
    files = sorted(folder.glob("*.parquet"))
    return pa.concat_tables(pq.read_table(f) for f in files) if files else None


def count_error_records(output: Path) -> int:
    return sum(
        json.loads(line)["records"] for f in (output / "errors").glob("*.jsonl") for line in f.read_text().splitlines()
    )


@pytest.fixture(scope="module")
def warc_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    output = tmp_path_factory.mktemp("warc-run")
    return output, curate([shared_data / "warc"], output)


def test_every_record_is_accounted_for(warc_run):
    output, manifest = warc_run
    kept = read_dir(output / "data")
    rejected = read_dir(output / "rejected")
    errors = count_error_records(output)
    # counted independently from the files on disk, not from the manifest
    assert manifest["input_records"] == kept.num_rows + rejected.num_rows + errors
    assert manifest["accounted"] is True
    assert manifest["kept_records"] == kept.num_rows
    assert manifest["rejected_records"] == rejected.num_rows
    # 16 + 29 + 23 + 3 + 3 + 1 + 1 + 1 documents in the archives named in test_ingest, plus dolma, pywb, ukwa...
    assert manifest["input_records"] == 176
    assert manifest["non_document_records"]["request"] > 0
    assert manifest["unrecognised_input_files"] == 2  # a WAT file and a LICENSE: reported, not read
    assert manifest["kept_tokens"] == sum(kept["token_count"].to_pylist()) > 0
    assert set(manifest["stage_seconds"]) == {"ingest", "extract", "language", "quality", "tokens", "write"}


def test_outputs_have_the_declared_schemas(warc_run):
    output, _ = warc_run
    for path in (output / "data").glob("*.parquet"):
        assert pq.read_schema(path).equals(DOCUMENT_SCHEMA, check_metadata=False)
    for path in (output / "rejected").glob("*.parquet"):
        assert pq.read_schema(path).equals(REJECTED_SCHEMA, check_metadata=False)
    kept = read_dir(output / "data").to_pylist()
    for row in kept:
        assert row["text"].strip() and "<html" not in row["text"].lower()
        assert row["language"] and 0.65 < row["language_score"] <= 1.0
        assert row["token_count"] > 0
        assert row["quality"]["gopher_word_count"] > 0
        assert json.loads(row["metadata"])["content_type"] == "text/plain"
    assert not [f for f in output.rglob("*") if f.name.endswith(".tmp")], "no temporary file may survive a run"


def test_rejections_carry_stage_and_reason(warc_run):
    output, manifest = warc_run
    rejected = read_dir(output / "rejected").to_pylist()
    stages = {row["stage"] for row in rejected}
    assert {"ingest", "language", "quality"} <= stages
    assert manifest["rejected"]["ingest"]["unsupported_content_type"] == 33
    for row in rejected:
        assert row["reason"] and row["reason"] != "unspecified"
        if row["stage"] in ("language", "quality"):
            assert row["language"] is not None


# Rules whose English form fails any text without spaces or English function words.
SPACE_OR_STOPWORD_RULES = {"gopher_enough_stop_words", "gopher_below_avg_threshold", "gopher_above_avg_threshold"}


def test_cjk_web_pages_are_not_rejected_for_lacking_spaces(warc_run):
    """The CJK pages of the real crawl are shop listings and SEO spam; they may fail, but never for being CJK."""
    output, _ = warc_run
    rejected = read_dir(output / "rejected").to_pylist()
    cjk = [row for row in rejected if row["language"] in ("zh", "ja")]
    assert len(cjk) >= 30
    assert not [row["reason"] for row in cjk if row["reason"] in SPACE_OR_STOPWORD_RULES]


def _joined(lines: list[str], size: int) -> list[str]:
    return ["".join(lines[i : i + size]) for i in range(0, len(lines) - size + 1, size)]


def test_real_chinese_text_passes_like_english(shared_data: Path, tmp_path: Path):
    sentences = shared_data / "langid/lingua/language-testdata/sentences"
    zh = _joined(sentences.joinpath("zh.txt").read_text(encoding="utf-8").splitlines(), 15)[:40]
    en = [
        " ".join(doc)
        for doc in (
            s.split("\n")
            for s in _joined(
                [line + "\n" for line in sentences.joinpath("en.txt").read_text(encoding="utf-8").splitlines()], 15
            )
        )
    ][:40]
    outputs = [r["output"] for r in json.loads((shared_data / "sft/llama-factory/alpaca_zh_demo.json").read_text())]
    alpaca_zh = ["\n".join(outputs[i : i + 3]) for i in range(0, 240, 3)]
    rows = (
        [{"id": f"zh-{i}", "text": t} for i, t in enumerate(zh)]
        + [{"id": f"en-{i}", "text": t} for i, t in enumerate(en)]
        + [{"id": f"alpaca-{i}", "text": t} for i, t in enumerate(alpaca_zh)]
    )
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    manifest = curate([source], tmp_path / "out")
    kept = set(read_dir(tmp_path / "out" / "data")["id"].to_pylist())
    rate = {p: sum(k.startswith(p) for k in kept) / sum(r["id"].startswith(p) for r in rows) for p in ("zh", "en")}
    assert rate["zh"] >= 0.9 and rate["zh"] >= rate["en"] - 0.05, rate
    rejected = read_dir(tmp_path / "out" / "rejected").to_pylist()
    assert not [r for r in rejected if r["language"] == "zh" and r["reason"] in SPACE_OR_STOPWORD_RULES]
    assert manifest["kept_languages"]["zh"] >= 36 + 40  # the alpaca outputs are real zh prose too


def test_rerun_skips_completed_tasks(shared_data: Path, tmp_path: Path):
    inputs = [shared_data / "warc/resiliparse/warcfile.warc.gz"]
    first = curate(inputs, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "data").glob("*.parquet")}
    second = curate(inputs, tmp_path)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "data").glob("*.parquet")} == stamps
    for key in ("input_records", "kept_records", "rejected", "error_records", "kept_tokens"):
        assert second[key] == first[key]


def test_tasks_and_workers_do_not_change_the_result(shared_data: Path, tmp_path: Path):
    inputs = [shared_data / "warc/resiliparse", shared_data / "warc/dolma"]
    one = curate(inputs, tmp_path / "one")
    many = curate(inputs, tmp_path / "many", "executor.tasks=3", "executor.workers=2")
    assert many["accounted"] and one["input_records"] == many["input_records"]
    ids = [sorted(read_dir(out / "data")["id"].to_pylist()) for out in (tmp_path / "one", tmp_path / "many")]
    assert ids[0] == ids[1]


@pytest.fixture
def bad_inputs(shared_data: Path, tmp_path: Path) -> Path:
    """Every kind of broken input the issue names, built from real files."""
    folder = tmp_path / "bad"
    folder.mkdir()
    real_warc = (shared_data / "warc/resiliparse/warcfile.warc.gz").read_bytes()
    (folder / "cut.warc.gz").write_bytes(real_warc[: len(real_warc) // 2])
    for name in ("ukwa-webarchive-discovery", "chatnoir-copycat"):
        for path in (shared_data / "warc" / name).glob("*.warc.gz"):
            shutil.copy(path, folder / path.name)
    shutil.copy(shared_data / "warc/resiliparse/clueweb-quirk.warc.gz", folder / "clueweb-quirk.warc.gz")
    c4 = (shared_data / "quality/llama-factory/c4_demo.jsonl").read_bytes().splitlines()
    (folder / "mixed.jsonl").write_bytes(
        b"\n".join([*c4[:10], b"{not json", b'{"text": "\xff\xfe broken"}', *c4[10:20]])
    )
    (folder / "corrupt.jsonl.gz").write_bytes(gzip.compress(b"\n".join(c4))[:3000])
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "huge.jsonl").write_text(json.dumps({"id": "huge", "text": "lorem " * 9_000_000}) + "\n")
    pq.write_table(pa.table({"content": ["a", "b"]}), folder / "no_text.parquet")
    return folder


def test_bad_input_never_crashes_and_never_vanishes(bad_inputs: Path, tmp_path: Path):
    output = tmp_path / "out"
    manifest = curate([bad_inputs], output)
    assert manifest["accounted"] is True
    errors = [json.loads(line) for f in (output / "errors").glob("*.jsonl") for line in f.read_text().splitlines()]
    by_file = {(Path(e["file"]).name, e["message"].split(" ")[0]) for e in errors}
    assert ("mixed.jsonl", "invalid") in by_file
    assert ("mixed.jsonl", "line") in by_file  # non-UTF-8
    assert any(name == "corrupt.jsonl.gz" for name, _ in by_file)
    assert any(name == "cut.warc.gz" for name, _ in by_file)
    no_text = next(e for e in errors if e["file"].endswith("no_text.parquet"))
    assert "no `text` column" in no_text["message"] and no_text["records"] == 2
    assert all(e["record"] is not None for e in errors if e["file"].endswith("mixed.jsonl"))
    assert manifest["rejected"]["ingest"]["too_large"] == 1
    assert manifest["kept_records"] > 0


def test_cli_curate_prints_summary_and_writes_manifest(shared_data: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app,
        [
            "curate",
            "--input",
            str(shared_data / "warc/resiliparse/warcfile.warc.gz"),
            "--output",
            str(tmp_path),
            "--set",
            "language.languages=[en]",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "language_not_allowed" in manifest["rejected"]["language"]
    assert set(manifest["kept_languages"]) == {"en"}
    assert "manifest.json" in result.output and "kept" in result.output
    assert "every record accounted for: **yes**" in (tmp_path / "summary.md").read_text()


def test_cli_reports_missing_input(tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    result = CliRunner().invoke(app, ["curate", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "input path does not exist" in result.output
    # One line, before anything starts: no task traceback on the terminal, no output folder.
    assert "Traceback" not in capfd.readouterr().err and not (tmp_path / "o").exists()


def test_cli_errors_print_brackets_as_they_are(tmp_path: Path):
    """A path like `a[/b]` in an error message is text, not rich markup (it used to crash the error report)."""
    missing = tmp_path / "crawl[/2024]"
    result = CliRunner().invoke(app, ["curate", "--input", str(missing), "--output", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "input path does not exist" in result.output and "crawl[/2024]" in "".join(result.output.split())


def test_bundled_sample_keeps_articles_and_drops_spam(tmp_path: Path):
    import sys

    examples = Path(__file__).resolve().parents[1] / "examples"
    sys.path.insert(0, str(examples))
    try:
        from sample_pages import PAGES
    finally:
        sys.path.remove(str(examples))
    manifest = curate([examples / "sample" / "crawl.warc.gz"], tmp_path)
    assert manifest["accounted"] and manifest["input_records"] == len(PAGES) + 2  # + robots.txt and a PNG
    kept_urls = set(read_dir(tmp_path / "data")["url"].to_pylist())
    by_kind = {page.url: page.kind for page in PAGES}
    assert {by_kind[url] for url in kept_urls} <= {"article", "duplicate", "near_duplicate"}
    assert {url for url, kind in by_kind.items() if kind == "article"} <= kept_urls  # every article, 7 languages
    assert not [url for url, kind in by_kind.items() if kind in ("spam", "boilerplate") and url in kept_urls]
