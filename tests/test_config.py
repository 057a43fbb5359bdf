"""Config loading: defaults, --set overrides typed as YAML, and errors that name the field before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.config import ConfigError, PipelineConfig, dump_config, load_config, parse_override
from schemas.distill import DistillConfig
from schemas.end_to_end import EndToEndConfig
from schemas.sft_curate import SftCurateConfig
from schemas.train import TrainConfig

REPO = Path(__file__).resolve().parents[1]


# Which command reads a shipped config, by file name prefix; the rest are `refinery curate` configs.
CONFIG_MODELS = {"sft_": SftCurateConfig, "distill_": DistillConfig, "train_": TrainConfig, "pipeline": EndToEndConfig}


def test_shipped_configs_validate():
    for path in sorted((REPO / "configs").glob("*.yaml")):
        prefix = next((p for p in CONFIG_MODELS if path.name.startswith(p)), None)
        model = CONFIG_MODELS.get(prefix, PipelineConfig)
        config = load_config(path, model=model)
        assert isinstance(config, model), path
    sample = load_config(REPO / "configs" / "sample.yaml")
    assert sample.input.paths == ["examples/sample/crawl.warc.gz"]
    assert sample.extract.extractor == "resiliparse"


def test_overrides_are_yaml_typed():
    config = load_config(
        None,
        [
            "language.languages=[en, zh]",
            "language.enabled=false",
            "executor.workers=4",
            "language.threshold=0.3",
        ],
    )
    assert config.language.languages == ["en", "zh"]
    assert config.language.enabled is False
    assert config.executor.workers == 4
    assert config.language.threshold == pytest.approx(0.3)
    assert parse_override("output.dir=out dir") == ("output.dir", "out dir")


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "language:\n  treshold: 0.5\n",
            "language.treshold: Extra inputs are not permitted; did you mean `threshold`?",
        ),
        ("qualty:\n  enabled: false\n", "qualty: Extra inputs are not permitted; did you mean `quality`?"),
        ("dedup:\n  num_band: 3\n", "dedup.num_band: Extra inputs are not permitted; did you mean `num_bands`?"),
        ("executor:\n  workers: many\n", "executor.workers: Input should be a valid integer"),
        ("language:\n  threshold: 2\n", "language.threshold: Input should be less than or equal to 1"),
        (
            "extract:\n  extractor: lynx\n",
            "extract.extractor: Input should be 'resiliparse' or 'trafilatura'",
        ),
        ("dedup:\n  keep: newest\n", "dedup.keep: Input should be 'first', 'longest' or 'quality'"),
        (
            "dedup:\n  enabled: true\nexecutor:\n  tasks: 2\n",
            "dedup.mode=streaming needs executor.tasks=1 (got 2)",
        ),
        ("- just\n- a list\n", "expected a mapping of sections"),
        ("input: [unclosed\n", "is not valid YAML"),
    ],
)
def test_bad_config_names_the_field(tmp_path: Path, yaml_text: str, expected: str):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value)


def test_an_unknown_key_with_nothing_close_gets_no_guess():
    with pytest.raises(ConfigError) as info:
        load_config(None, ["colour=blue"])
    assert str(info.value).endswith("colour: Extra inputs are not permitted")


def test_bad_set_value_is_an_error():
    with pytest.raises(ConfigError, match="--set expects dotted.key=value"):
        load_config(None, ["language.enabled"])
    with pytest.raises(ConfigError, match="`input` is a value, not a section"):
        load_config(None, ["input=3", "input.paths.x=1"])


def test_dump_round_trips():
    config = load_config(REPO / "configs" / "sample.yaml", ["language.languages=[zh]"])
    again = PipelineConfig.model_validate(yaml.safe_load(dump_config(config)))
    assert again == config


def test_cli_rejects_bad_config_before_any_work(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("quality:\n  gopher_quality:\n    min_doc_words: -x\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["curate", str(bad), "--output", str(out)])
    assert result.exit_code == 2
    assert "quality.gopher_quality.min_doc_words" in result.output
    assert not out.exists()


def test_cli_config_show_applies_sets():
    result = CliRunner().invoke(
        app, ["config", "show", str(REPO / "configs" / "sample.yaml"), "--set", "tokens.enabled=false"]
    )
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert shown["tokens"]["enabled"] is False
    assert shown["input"]["paths"] == ["examples/sample/crawl.warc.gz"]


def test_help_explains_every_option():
    runner = CliRunner()
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "curate" in top.output and "config" in top.output
    curate_help = runner.invoke(app, ["curate", "--help"], terminal_width=200)
    for option in ("--input", "--output", "--workers", "--tasks", "--set", "--progress"):
        assert option in curate_help.output
    assert "manifest.json" in curate_help.output
    # Help text is shown as written: no markup eats a [list] example or the * of a glob.
    assert "language.languages=[en,zh]" in curate_help.output and "OUTPUT/rejected/*.parquet" in curate_help.output
