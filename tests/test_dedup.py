"""Exact and near-duplicate removal: datasketch-identical signatures, accuracy on real text with seeded edits of
known Jaccard, identical results in streaming and sharded mode, verified intermediate files, the CLI, and the
bundled sample losing exactly its duplicates."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasketch import MinHash
from datatrove.data import Document
from datatrove.io import get_datafolder
from dedup_truth import CHAR_LANGS, Truth, base_documents, build_corpus
from typer.testing import CliRunner

from pipelines.cli import app
from schemas.config import ConfigError, load_config
from schemas.dedup import DedupConfig
from schemas.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA
from stages.dedup import minhash
from stages.dedup.index import Signer
from stages.dedup.minhash import MinHasher, sha1_hash32_array
from stages.dedup.shingles import normalize, shingle
from stages.dedup.steps import StreamingDedup
from stages.dedup.store import CorruptDedupFile, SpoolWriter, map_arrays, read_arrays, read_spool, write_arrays

REPO = Path(__file__).resolve().parents[1]


def read_dir(folder: Path) -> pa.Table | None:
    files = sorted(folder.glob("*.parquet"))
    return pa.concat_tables(pq.read_table(f) for f in files) if files else None


def as_docs(records: list[dict], source: str = "corpus.jsonl") -> list[Document]:
    return [
        Document(text=r["text"], id=r["id"], metadata={"source": source, "language": r.get("language")})
        for r in records
    ]


def run_streaming(records: list[dict], output: Path, **settings) -> tuple[list[Document], list[dict]]:
    step = StreamingDedup(str(output), DedupConfig(enabled=True, **settings))
    kept = list(step.run(iter(as_docs(records))))
    rejected = read_dir(output / "rejected")
    return kept, rejected.to_pylist() if rejected is not None else []


# -- signatures ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 42])
def test_signatures_equal_datasketch(shared_data: Path, seed: int):
    docs = base_documents(shared_data, per_source=20)
    shingle_sets = [shingle(text, lang, 5, 5, CHAR_LANGS)[0] for text, lang in docs]
    assert any(lang == "zh" for _, lang in docs) and all(shingle_sets)
    ours = MinHasher(112, seed).signatures(shingle_sets + [[]])
    for row, shingles in zip(ours, shingle_sets, strict=False):
        reference = MinHash(num_perm=112, seed=seed)
        reference.update_batch(shingles)
        assert np.array_equal(row, reference.hashvalues)
    assert np.array_equal(ours[-1], MinHash(num_perm=112, seed=seed).hashvalues)  # no shingles: never updated


def test_sha1_lanes_equal_hashlib():
    """The numpy SHA1 against hashlib at every length around the one-block limit (55 bytes) and beyond."""
    rng = np.random.default_rng(0)
    messages = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in [*range(0, 130), 1000, 5000]]
    expected = [int.from_bytes(hashlib.sha1(m).digest()[:4], "little") for m in messages]
    assert sha1_hash32_array(messages).tolist() == expected


@pytest.mark.parametrize("small_chunks", [False, True])
def test_batch_signer_equals_datasketch_on_each_shingle_list(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: bool
):
    """The signer's batch path (shingles as byte spans of one buffer, never listed) against datasketch fed the
    shingles that `shingle` lists for each document: English, Chinese, short, empty and non-ASCII texts, with
    the SHA1 lanes and permutation passes cut into many small chunks or not."""
    if small_chunks:
        monkeypatch.setattr(minhash, "_SHA1_LANES", 7)
        monkeypatch.setattr(minhash, "_CHUNK", 50)
    texts = base_documents(shared_data, per_source=15)
    texts += [
        (t, lang)
        for t in ("", "!!!", "one", "a b c d", "青石镇老码头", "Ünïcödé – “quoted” 12", "lone \udcff surrogate")
        for lang in ("en", "zh", None)
    ]
    docs = [Document(text=t, id=str(i), metadata={"language": lang}) for i, (t, lang) in enumerate(texts)]
    config = DedupConfig(enabled=True)
    batch = Signer(config).sign(docs)
    for row, has_shingles, (text, lang) in zip(batch.signatures, batch.has_shingles, texts, strict=True):
        shingles, _ = shingle(text, lang, 5, 5, frozenset(config.char_languages))
        reference = MinHash(num_perm=112, seed=1)
        reference.update_batch(shingles)
        assert np.array_equal(row, reference.hashvalues), text[:60]
        assert has_shingles == bool(shingles)


def test_normalization_and_shingles():
    assert normalize("Hello,   WORLD!\nIt’s ﬁne") == "hello world it s fine"  # NFKC folds the ligature
    words, _ = shingle("a b c d e f", n_grams=5)
    assert sorted(words) == [b"a b c d e", b"b c d e f"]
    assert shingle("one two", n_grams=5)[0] == [b"one two"]  # shorter than n: the whole text
    chars, _ = shingle("青石镇老码头", "zh", 5, 5, CHAR_LANGS)
    assert sorted(chars) == sorted(s.encode() for s in ("青石镇老码", "石镇老码头"))
    # no language label: the script decides, so punctuation (folded to spaces) cannot flip Chinese to words
    assert len(shingle("这是一段没有空格的中文文本内容用于测试分词" * 2)[0]) > 10
    assert shingle("青石镇，老码头。", None, 5, 5, CHAR_LANGS)[0] == shingle("青石镇老码头", None, 5, 5, CHAR_LANGS)[0]


# -- accuracy on real text -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> list[dict]:
    return build_corpus(shared_data)


@pytest.fixture(scope="module")
def streaming_run(corpus: list[dict], tmp_path_factory: pytest.TempPathFactory):
    return run_streaming(corpus, tmp_path_factory.mktemp("streaming"))


def clusters_of(kept: list[Document], rejected: list[dict]) -> dict[str, list[str]]:
    clusters: dict[str, list[str]] = {doc.id: [doc.id] for doc in kept}
    for row in rejected:
        clusters[row["duplicate_of"]].append(row["id"])
    return clusters


def test_precision_and_recall_on_seeded_edits(corpus: list[dict], streaming_run):
    kept, rejected = streaming_run
    assert len(kept) + len(rejected) == len(corpus)
    truth = Truth(corpus)
    cluster_of = {member: key for key, members in clusters_of(kept, rejected).items() for member in members}
    # Every pair derived from the same real document, plus every pair the dedup merged.
    by_base: dict[int, list[str]] = {}
    for r in corpus:
        by_base.setdefault(r["base"], []).append(r["id"])
    pairs = {tuple(sorted(p)) for ids in by_base.values() for p in itertools.combinations(ids, 2)}
    merged_pairs = {
        tuple(sorted(p))
        for members in clusters_of(kept, rejected).values()
        for p in itertools.combinations(members, 2)
    }
    similar = [p for p in pairs if truth.jaccard(*p) >= 0.8]
    found = [p for p in similar if cluster_of[p[0]] == cluster_of[p[1]]]
    recall = len(found) / len(similar)
    judged = [p for p in merged_pairs if not 0.5 <= truth.jaccard(*p) < 0.8]  # 0.5-0.8: LSH's grey zone
    precision = sum(truth.jaccard(*p) >= 0.8 for p in judged) / len(judged)
    dissimilar_merged = [(p, truth.jaccard(*p)) for p in merged_pairs if truth.jaccard(*p) < 0.5]
    print(
        f"pairs J>=0.8: {len(similar)}, recall {recall:.4f}; "
        f"merged pairs {len(merged_pairs)}, precision {precision:.4f}"
    )
    assert len(similar) >= 300 and len([p for p in pairs if truth.jaccard(*p) < 0.5]) >= 50
    assert recall >= 0.95
    assert precision >= 0.99
    assert not dissimilar_merged


def test_exact_and_near_reasons_and_cluster_columns(corpus: list[dict], streaming_run):
    kept, rejected = streaming_run
    truth = Truth(corpus)
    for row in rejected:
        assert row["stage"] == "dedup"
        same_text = truth.normalized[row["id"]] == truth.normalized[row["duplicate_of"]]
        assert row["reason"] == ("exact" if same_text else "near")
    assert {row["reason"] for row in rejected} == {"exact", "near"}
    sizes = {doc.id: doc.metadata["dedup_cluster_size"] for doc in kept}
    for key, members in clusters_of(kept, rejected).items():
        assert sizes[key] == len(members)
    assert all(isinstance(doc.metadata["dedup_cluster_id"], int) for doc in kept)


def test_keep_policies_are_deterministic(tmp_path: Path):
    text = " ".join(f"word{i}" for i in range(200))
    records = [
        {"id": "short", "text": text},
        {"id": "long", "text": text + " and a few more words at the end"},
        {"id": "other", "text": " ".join(f"other{i}" for i in range(200))},
    ]
    kept, _ = run_streaming(records, tmp_path / "first", keep="first")
    assert [d.id for d in kept] == ["short", "other"]
    kept, rejected = run_streaming(records, tmp_path / "longest", keep="longest")
    assert [d.id for d in kept] == ["long", "other"] and rejected[0]["duplicate_of"] == "long"
    docs = as_docs(records)
    for doc, score in zip(docs, (0.2, 0.1, 0.5), strict=True):
        doc.metadata["quality"] = {"fineweb_line_punct_ratio": score}
    step = StreamingDedup(str(tmp_path / "quality"), DedupConfig(enabled=True, keep="quality"))
    assert [d.id for d in step.run(iter(docs))] == ["short", "other"]


def test_empty_input_and_texts_without_words(tmp_path: Path):
    assert run_streaming([], tmp_path / "empty") == ([], [])
    texts = ["Hello world!", "hello,  WORLD", "...", "!!!", "another text here"]
    records = [{"id": str(i), "text": t} for i, t in enumerate(texts)]
    for settings in ({}, {"near": False}, {"exact": False}):
        kept, rejected = run_streaming(records, tmp_path / str(len(settings) and next(iter(settings))), **settings)
        assert [d.id for d in kept] == ["0", "2", "3", "4"]  # punctuation-only texts are not copies of each other
        assert [(r["id"], r["reason"], r["duplicate_of"]) for r in rejected] == [("1", "exact", "0")]


def test_cs336_fuzzy_duplicate_licenses(shared_data: Path, tmp_path: Path):
    """Two MIT licenses differing in names and years are near duplicates; the PyTorch license is not."""
    folder = shared_data / "dedup/cs336/documents_with_fuzzy_duplicates"
    records = [{"id": p.name, "text": p.read_text(encoding="utf-8")} for p in sorted(folder.glob("*.txt"))]
    kept, rejected = run_streaming(records, tmp_path)
    assert [d.id for d in kept] == ["pytorch_license.txt", "rails_mit_license.txt"]
    assert [(r["id"], r["reason"], r["duplicate_of"]) for r in rejected] == [
        ("react_mit_license.txt", "near", "rails_mit_license.txt")
    ]


def test_data_juicer_dedup_demo(shared_data: Path, tmp_path: Path):
    """Data-Juicer's dedup demo (14 en/zh/fr texts): an exact copy, two English articles each with a one-word
    change, a Chinese notice with an inserted label; the short sentences that merely look alike stay."""
    source = shared_data / "dedup/data-juicer/demo-dataset-deduplication.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    records = [{"id": str(i), "text": json.loads(line)["text"]} for i, line in enumerate(lines)]
    kept, rejected = run_streaming(records, tmp_path)
    assert {r["id"]: (r["reason"], r["duplicate_of"]) for r in rejected} == {
        "8": ("near", "7"),
        "10": ("near", "9"),
        "11": ("exact", "6"),
        "13": ("near", "12"),
    }
    assert [d.id for d in kept] == ["0", "1", "2", "3", "4", "5", "6", "7", "9", "12"]


def test_index_stays_under_200_bytes_per_document(corpus: list[dict], tmp_path: Path):
    step = StreamingDedup(str(tmp_path), DedupConfig(enabled=True))
    list(step.run(iter(as_docs(corpus))))
    per_doc = step.stats["index_bytes"].total / step.stats["documents"].total
    assert per_doc <= 200
    assert not list((tmp_path / "dedup").iterdir()), "the spool and signature files are removed after the run"


# -- streaming and sharded through the CLI ---------------------------------------------------------------------


def write_jsonl_shards(records: list[dict], folder: Path, shards: int) -> Path:
    folder.mkdir(parents=True)
    for number in range(shards):
        rows = records[number::shards]
        text = "".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in rows)
        (folder / f"part-{number}.jsonl").write_text(text, encoding="utf-8")
    return folder


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(app, ["dedup", *args, "--no-progress"])
    assert result.exit_code == 0, result.output


def test_streaming_and_sharded_modes_keep_identical_sets(corpus: list[dict], tmp_path: Path):
    inputs = write_jsonl_shards(corpus, tmp_path / "in", shards=3)
    run_cli(str(inputs), "--output", str(tmp_path / "streaming"))
    run_cli(str(inputs), "--output", str(tmp_path / "sharded"), "--tasks", "3", "--set", "dedup.mode=sharded")
    results = {}
    for mode in ("streaming", "sharded"):
        out = tmp_path / mode
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["accounted"] and manifest["input_records"] == len(corpus)
        kept, rejected = read_dir(out / "data"), read_dir(out / "rejected")
        for path in (out / "data").glob("*.parquet"):
            assert pq.read_schema(path).equals(DOCUMENT_SCHEMA, check_metadata=False)
        for path in (out / "rejected").glob("*.parquet"):
            assert pq.read_schema(path).equals(REJECTED_SCHEMA, check_metadata=False)
        results[mode] = (
            sorted(kept["id"].to_pylist()),
            sorted(zip(rejected["id"].to_pylist(), rejected["duplicate_of"].to_pylist(), strict=True)),
            sorted(zip(kept["id"].to_pylist(), kept["dedup_cluster_id"].to_pylist(), strict=True)),
        )
        assert set(manifest["rejected"]["dedup"]) == {"exact", "near"}
    assert len({len(list((tmp_path / "sharded" / "data").glob("*.parquet")))}) == 1
    assert results["streaming"] == results["sharded"]


def test_clusters_equal_datatroves_given_the_same_shingles_and_hash_functions(corpus: list[dict], tmp_path: Path):
    """datatrove's own MinhashDedupBuckets + MinhashDedupCluster, fed refinery's shingles hashed with datasketch's
    functions (the benchmark's control run), cluster every document exactly as refinery's index does: the kept-set
    differences to datatrove in bench/RESULTS.md come from the shingles and the hash draw, not LSH or clustering."""
    from bench import dedup_bench as bench

    docs = [{"id": r["id"], "text": r["text"], "language": r["language"]} for r in corpus]
    ids = [d["id"] for d in docs]
    _, ours = bench.run_refinery(docs, tmp_path / "refinery", None)
    _, theirs = bench.run_datatrove(docs, tmp_path / "datatrove", control="shingles")
    first_of = bench.clusters_of(ours, ids)  # document -> first document of its cluster
    assert first_of == bench.clusters_of(theirs, ids)
    assert sum(first != doc for doc, first in first_of.items()) >= 400  # many merges, in both languages
    assert {r["language"] for r in corpus if first_of[r["id"]] != r["id"]} == {"en", "zh"}


def test_streaming_mode_needs_one_task():
    with pytest.raises(ConfigError, match="dedup.mode=streaming needs executor.tasks=1"):
        load_config(None, ["dedup.enabled=true", "executor.tasks=4"])
    assert load_config(None, ["dedup.enabled=true", "executor.tasks=4", "dedup.mode=sharded"]).dedup.enabled


# -- verified intermediate files -------------------------------------------------------------------------------


def test_corrupt_or_truncated_intermediate_files_name_the_file(tmp_path: Path):
    folder = get_datafolder(str(tmp_path))
    write_arrays(folder, "buckets/000/00000.bin", {"hash": np.arange(100, dtype=np.uint64)}, {"k": 1})
    arrays, meta = read_arrays(folder, "buckets/000/00000.bin")
    assert arrays["hash"].tolist() == list(range(100)) and meta == {"k": 1}
    path = tmp_path / "buckets/000/00000.bin"
    data = path.read_bytes()
    assert map_arrays(folder, "buckets/000/00000.bin")[0]["hash"].tolist() == list(range(100))
    path.write_bytes(data[:-9])
    for read in (read_arrays, map_arrays):
        with pytest.raises(CorruptDedupFile, match=r"truncated .*buckets/000/00000\.bin"):
            read(folder, "buckets/000/00000.bin")
    path.write_bytes(data[:-9] + b"\x01" + data[-8:])
    for read in (read_arrays, map_arrays):
        with pytest.raises(CorruptDedupFile, match=r"corrupt .*buckets/000/00000\.bin: checksum"):
            read(folder, "buckets/000/00000.bin")
    with pytest.raises(CorruptDedupFile, match=r"missing: .*00001\.bin"):
        read_arrays(folder, "buckets/000/00001.bin")

    spool = SpoolWriter(folder, "spool.bin")
    for i in range(3):
        spool.add(Document(text=f"text {i}", id=str(i), metadata={"source": "x"}))
    spool.close()
    assert [d.id for d in read_spool(folder, "spool.bin")] == ["0", "1", "2"]
    whole = (tmp_path / "spool.bin").read_bytes()
    (tmp_path / "spool.bin").write_bytes(whole[:-20])
    with pytest.raises(CorruptDedupFile, match=r"truncated dedup spool .*spool\.bin"):
        list(read_spool(folder, "spool.bin"))


def test_sharded_run_stops_on_a_damaged_bucket_file(corpus: list[dict], tmp_path: Path):
    inputs = write_jsonl_shards(corpus[:200], tmp_path / "in", shards=2)
    output = tmp_path / "out"
    run_cli(str(inputs), "--output", str(output), "--tasks", "2", "--set", "dedup.mode=sharded")
    from stages.dedup.steps import DedupBuckets

    damaged = output / "dedup/buckets/003/00001.bin"
    damaged.write_bytes(damaged.read_bytes()[:-1])
    step = DedupBuckets(str(output), DedupConfig(enabled=True, mode="sharded"), signature_tasks=2)
    with pytest.raises(CorruptDedupFile, match="buckets/003/00001.bin"):
        list(step.run(None, rank=3, world_size=14))


# -- the bundled sample ----------------------------------------------------------------------------------------

SAMPLE_DUPLICATES = {
    # duplicate url -> url of the original it copies (examples/sample/README.md)
    "https://hearthandcrumb.example/recipes/rye-sourdough-starter?utm_source=newsletter&utm_medium=email": (
        "exact",
        "https://hearthandcrumb.example/recipes/rye-sourdough-starter",
    ),
    "https://caipudaquan.example/hot/fanqie-chaodan-zuofa.html": (
        "exact",
        "https://xiaozaobiji.example/caipu/fanqie-chaodan",
    ),
    "https://himmelsblick.example/einsteiger/winterhimmel/": (
        "exact",
        "https://himmelsblick.example/einsteiger/winterhimmel",
    ),
    "https://spokeandchain.example/guides/fix-a-flat-tire-2024": (
        "near",
        "https://spokeandchain.example/guides/fix-a-flat-tire",
    ),
    "https://marrowfieldgazette.example/community/history-corner-fulling-mill": (
        "near",
        "https://marrowfieldhistory.example/articles/the-old-fulling-mill",
    ),
    "https://xingkongrumen.example/rumen/liuxingyu-zhunbei-2024": (
        "near",
        "https://xingkongrumen.example/rumen/liuxingyu-zhunbei",
    ),
}


def test_sample_loses_exactly_its_duplicates(tmp_path: Path):
    output = tmp_path / "sample"
    result = CliRunner().invoke(
        app,
        [
            "curate",
            str(REPO / "configs/sample.yaml"),
            "--output",
            str(output),
            "--set",
            "dedup.enabled=true",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["accounted"] and manifest["rejected"]["dedup"] == {"exact": 3, "near": 3}
    kept = read_dir(output / "data").to_pylist()
    url_of = {row["id"]: row["url"] for row in kept}
    dropped = [row for row in read_dir(output / "rejected").to_pylist() if row["stage"] == "dedup"]
    assert {row["url"]: (row["reason"], url_of[row["duplicate_of"]]) for row in dropped} == SAMPLE_DUPLICATES
    originals = {url for _, url in SAMPLE_DUPLICATES.values()}
    assert all(row["dedup_cluster_size"] == (2 if row["url"] in originals else 1) for row in kept)
    assert list(manifest["stage_seconds"]) == ["ingest", "extract", "language", "quality", "dedup", "tokens", "write"]


def test_curate_with_dedup_on_the_real_crawl_in_both_modes(shared_data: Path, tmp_path: Path):
    """The curate command on every WARC/ARC/WET file of the shared crawl samples, dedup on: streaming (one task) and
    sharded (two tasks) keep the same documents, and each dropped page is a copy of a kept one."""
    crawl = json.dumps([str(shared_data / "warc")])
    runs = {}
    for mode, tasks in (("streaming", "1"), ("sharded", "2")):
        output = tmp_path / mode
        result = CliRunner().invoke(
            app,
            ["curate", "--set", f"input.paths={crawl}", "--output", str(output), "--tasks", tasks, "--no-progress"]
            + ["--set", "dedup.enabled=true", "--set", f"dedup.mode={mode}"],
        )
        assert result.exit_code == 0, result.output
        runs[mode] = (output, json.loads((output / "manifest.json").read_text()))
    (output, manifest), (sharded_output, sharded_manifest) = runs["streaming"], runs["sharded"]
    assert manifest["accounted"] and sharded_manifest["accounted"]
    assert manifest["input_records"] == 176 and manifest["rejected"]["dedup"] == {"exact": 2}
    kept = {row["id"]: row for row in read_dir(output / "data").to_pylist()}
    assert set(read_dir(sharded_output / "data")["id"].to_pylist()) == set(kept)
    dropped = [row for row in read_dir(output / "rejected").to_pylist() if row["stage"] == "dedup"]
    assert len(dropped) == 2
    copies = Counter(row["duplicate_of"] for row in dropped)
    for row in dropped:
        original = kept[row["duplicate_of"]]
        assert normalize(original["text"]) == normalize(row["text"])
        assert original["dedup_cluster_size"] == 1 + copies[original["id"]]


# -- incremental dedup against a reference index ----------------------------------------------------------------


def test_incremental_dedup_against_a_published_index(corpus: list[dict], tmp_path: Path):
    published = [r for r in corpus if r["id"].endswith("-orig")][:150]
    bases = {r["base"] for r in published}
    first = tmp_path / "first"
    run_cli(str(write_jsonl_shards(published, tmp_path / "in1", shards=1)), "--output", str(first))
    index = tmp_path / "index" / "published.idx"
    result = CliRunner().invoke(app, ["dedup-index", str(first), "--index", str(index)])
    assert result.exit_code == 0, result.output
    # The new crawl: copies and edits of published documents, plus documents never published.
    new = [r for r in corpus if not r["id"].endswith("-orig") and r["base"] in bases]
    new += [r for r in corpus if r["base"] not in bases][:100]
    second = tmp_path / "second"
    inputs = write_jsonl_shards(new, tmp_path / "in2", shards=1)
    run_cli(str(inputs), "--output", str(second), "--set", f"dedup.reference_index={json.dumps(str(index))}")
    kept_ids = set(read_dir(second / "data")["id"].to_pylist())
    rejected = read_dir(second / "rejected").to_pylist()
    published_ids = {r["id"] for r in published}
    truth = Truth(corpus)
    against_published = [r for r in rejected if r["duplicate_of"] in published_ids]
    assert len(against_published) >= 100
    assert all(truth.jaccard(r["id"], r["duplicate_of"]) >= 0.5 for r in rejected)
    # a light edit of a published document is dropped in favour of the published one, never kept
    light = [
        r["id"]
        for r in new
        if r["base"] in bases and r["id"].endswith("-light") and truth.jaccard(r["id"], f"doc{r['base']}-orig") >= 0.9
    ]
    assert light and not kept_ids & set(light)
    assert not kept_ids & published_ids  # nothing published is re-emitted
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["accounted"] and manifest["input_records"] == len(new)

    # sharded mode against the same index: the same verdicts
    sharded = tmp_path / "sharded"
    inputs3 = write_jsonl_shards(new, tmp_path / "in3", shards=3)
    reference = f"dedup.reference_index={json.dumps(str(index))}"
    run_cli(str(inputs3), "--output", str(sharded), "--tasks", "3", "--set", "dedup.mode=sharded", "--set", reference)
    assert set(read_dir(sharded / "data")["id"].to_pylist()) == kept_ids
    sharded_rejected = read_dir(sharded / "rejected").to_pylist()
    assert sorted((r["id"], r["duplicate_of"]) for r in sharded_rejected) == sorted(
        (r["id"], r["duplicate_of"]) for r in rejected
    )

    other = tmp_path / "other"
    result = CliRunner().invoke(
        app,
        [
            "dedup",
            str(inputs),
            "--output",
            str(other),
            "--no-progress",
            "--set",
            "dedup.seed=2",
            "--set",
            f"dedup.reference_index={index}",
        ],
    )
    assert result.exit_code == 2 and "other dedup settings" in " ".join(result.output.split())
