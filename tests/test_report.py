"""The HTML report and plots, rendered from a real run's files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.report import write_report
from pipelines.run import run_curate
from schemas.config import load_config

REPO = Path(__file__).resolve().parents[1]


def test_report_renders_every_plot_and_the_rule_table(tmp_path: Path):
    config = load_config(REPO / "configs" / "sample.yaml", [f"output.dir={tmp_path}"])
    manifest = run_curate(config)
    path = write_report(tmp_path)
    page = path.read_text(encoding="utf-8")
    for plot in ("waterfall", "languages", "token_lengths", "quality_rules"):
        png = tmp_path / "plots" / f"{plot}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'alt="{plot}" src="data:image/png;base64,' in page  # self-contained: images inlined
    assert "<td>gopher_word_count</td>" in page
    assert f"<td>{manifest['input_records']}</td>" in page and f"<td>{manifest['kept_records']}</td>" in page
    for stage, reasons in manifest["rejected"].items():
        for reason in reasons:
            assert f"<td>{stage}</td><td>{reason}</td>" in page
    assert json.loads((tmp_path / "manifest.json").read_text())["accounted"]


def test_manifest_shows_each_rules_value_distribution(tmp_path: Path):
    config = load_config(REPO / "configs" / "sample.yaml", [f"output.dir={tmp_path}", "dedup.enabled=false"])
    manifest = run_curate(config)
    signals = manifest["quality_signals"]
    assert set(signals) >= {"gopher_word_count", "repetition_top_2gram_char_frac", "fineweb_line_punct_ratio"}
    words = signals["gopher_word_count"]
    assert words["p5"] <= words["p50"] <= words["p95"] and words["documents"] >= 28
    assert (tmp_path / "report.html").is_file()  # every run writes its report


def test_report_command_rebuilds_from_the_output_folder(tmp_path: Path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    config = load_config(REPO / "configs" / "sample.yaml", [f"output.dir={tmp_path}"])
    first = run_curate(config)
    (tmp_path / "manifest.json").unlink()
    (tmp_path / "report.html").unlink()
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rebuilt = json.loads((tmp_path / "manifest.json").read_text())
    for key in ("input_records", "kept_records", "rejected", "kept_tokens", "quality_signals"):
        assert rebuilt[key] == first[key]
    assert rebuilt["rejected"]["dedup"] == {"exact": 3, "near": 3}  # the sample's six planted duplicates
    assert (tmp_path / "report.html").is_file()
    assert CliRunner().invoke(app, ["report", str(tmp_path / "nothing")]).exit_code == 2


def test_quality_classifier_runs_inside_curate(shared_data: Path, tmp_path: Path):
    import subprocess
    import sys

    rows = [json.loads(line) for line in (shared_data / "quality/dclm/majority_data.jsonl").open()]
    for name, label in (("good", 1), ("bad", 0)):
        with (tmp_path / f"{name}.jsonl").open("w") as handle:
            handle.writelines(json.dumps({"text": r["text"]}) + "\n" for r in rows if r["label"] == label)
    # Trained through the CLI in its own process, as users do: fastText's SGD hit NaN here in-process after
    # other tests had loaded native libraries into the same interpreter.
    train = [sys.executable, "-m", "pipelines.cli", "quality", "train", "--positive", str(tmp_path / "good.jsonl")]
    train += ["--negative", str(tmp_path / "bad.jsonl"), "--output", str(tmp_path / "q.bin"), "--epoch", "5"]
    subprocess.run(train, check=True, capture_output=True)
    config = load_config(
        REPO / "configs" / "sample.yaml",
        [
            f"output.dir={tmp_path / 'out'}",
            f"quality.classifier={tmp_path / 'q.bin'}",
            "quality.classifier_threshold=0.0",
        ],
    )
    manifest = run_curate(config)
    assert manifest["accounted"] and "quality_classifier" in manifest["stage_seconds"]
    kept = pq.read_table(tmp_path / "out" / "data").to_pylist()
    scores = [json.loads(row["metadata"])["quality_classifier_score"] for row in kept]
    assert len(scores) == manifest["kept_records"] and all(0.0 <= s <= 1.0 for s in scores)
