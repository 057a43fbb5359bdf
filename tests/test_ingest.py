"""Ingest on real files: every format reads, and broken input is an error with a position, never a crash."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas.config import InputConfig
from stages.ingest.base import BadRecord, IngestReader, NonDocument, RawRecord, Skipped


def parsed(path: Path | str, **config) -> list:
    reader = IngestReader(InputConfig(paths=[str(path)], **config), "/nonexistent-not-written")
    return [item for _, item in reader.iter_parsed(0, 1)]


def tally(items: list) -> Counter:
    return Counter(type(item).__name__ + (f":{item.reason}" if isinstance(item, Skipped) else "") for item in items)


@pytest.mark.parametrize(
    ("name", "documents"),
    [
        ("warc/resiliparse/warcfile.warc.gz", 16),  # Common Crawl responses, some CJK
        ("warc/resiliparse/clueweb-quirk.warc.gz", 29),  # WARC/0.18 with malformed dates
        ("warc/chatnoir-copycat/clueweb-09-sample_en0000_00.warc.gz", 23),  # one gzip stream, bad lengths
        ("warc/chatnoir-copycat/0000tw-00.warc.gz", 3),  # ClueWeb12, one gzip stream
        ("warc/cc_net/sample.warc.txt", 3),  # uncompressed WET with a wrong Content-Length
        ("warc/whirlwind-python/whirlwind.warc.wet.gz", 1),
        ("warc/warcio/example.arc.gz", 1),  # legacy ARC
        ("warc/warcio/example-iana.org-chunked.warc", 1),  # HTTP chunked transfer-encoding
    ],
)
def test_archives_read_every_document(shared_data: Path, name: str, documents: int):
    items = parsed(shared_data / name)
    records = [item for item in items if isinstance(item, RawRecord)]
    assert len(records) == documents
    assert not [item for item in items if isinstance(item, BadRecord)]
    assert all(record.text.strip() for record in records)
    # cc_net's hand-assembled sample reuses one WARC-Record-ID; every real crawl has unique ids
    assert len({record.id for record in records}) == (2 if "cc_net" in name else documents)


def test_warc_keeps_metadata_and_skips_non_documents(shared_data: Path):
    items = parsed(shared_data / "warc/resiliparse/warcfile.warc.gz")
    bookkeeping = Counter(item.record_type for item in items if isinstance(item, NonDocument))
    assert bookkeeping == {"warcinfo": 1, "request": 17, "metadata": 16}
    first = next(item for item in items if isinstance(item, RawRecord))
    assert first.content_type == "text/html"
    assert first.url.startswith("http")
    assert first.id.startswith("<urn:uuid:")
    assert first.metadata["http_status"] == "200"


def test_clueweb09_recovered_records_are_real_pages(shared_data: Path):
    items = parsed(shared_data / "warc/chatnoir-copycat/clueweb-09-sample_en0000_00.warc.gz")
    urls = [item.url for item in items if isinstance(item, RawRecord)]
    assert urls[0] == "http://00000-nrt-realestate.homepagestartup.com/"
    assert all(url.startswith("http") for url in urls)


def test_images_redirects_and_scripts_are_rejected_not_dropped(shared_data: Path):
    counts = tally(parsed(shared_data / "warc/pywb/iana.warc.gz"))
    assert counts["Skipped:unsupported_content_type"] == 28
    assert counts["Skipped:http_status"] == 4
    assert counts["RawRecord"] == 16


def test_truncated_warc_keeps_what_it_read(shared_data: Path, tmp_path: Path):
    real = (shared_data / "warc/resiliparse/warcfile.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(real[: len(real) // 2])
    items = parsed(cut)
    errors = [item for item in items if isinstance(item, BadRecord)]
    assert len(errors) == 1 and "corrupt or truncated" in errors[0].message
    assert 3 <= tally(items)["RawRecord"] < 16


def test_ukwa_truncated_archive_reads(shared_data: Path):
    items = parsed(next((shared_data / "warc/ukwa-webarchive-discovery").glob("IAH-*-truncated.warc.gz")))
    counts = tally(items)
    assert counts["RawRecord"] == 3 and counts["Skipped:unsupported_content_type"] == 5


def _jsonl_with_bad_lines(shared_data: Path, folder: Path) -> Path:
    good = (shared_data / "quality/llama-factory/c4_demo.jsonl").read_bytes().splitlines()[:20]
    lines = [
        *good[:5],
        b'{"text": "unterminated',  # invalid JSON at line 5
        b"",  # blank line: layout, not a record
        b'{"text": "caf\xe9 latin-1 bytes"}',  # non-UTF-8 at line 7
        b'{"body": "no text field"}',  # line 8
        b'{"text": 42}',  # line 9
        b"[1, 2]",  # line 10
        b'{"text": ""}',  # line 11: empty, a rejection not an error
        *good[5:],
    ]
    path = folder / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_jsonl_bad_lines_are_errors_with_line_numbers(shared_data: Path, tmp_path: Path):
    items = parsed(_jsonl_with_bad_lines(shared_data, tmp_path))
    errors = {item.record: item.message for item in items if isinstance(item, BadRecord)}
    assert set(errors) == {5, 7, 8, 9, 10}
    assert errors[5].startswith("invalid JSON")
    assert "not valid UTF-8" in errors[7] and "e9" in errors[7]
    assert "no `text` field (fields: body)" in errors[8]
    assert "is a int, expected a string" in errors[9]
    assert "JSON list, expected an object" in errors[10]
    assert tally(items)["RawRecord"] == 21  # 20 real documents + the empty one, rejected later as `empty`


def test_corrupt_gzip_jsonl_is_one_error_after_the_good_lines(shared_data: Path, tmp_path: Path):
    data = gzip.compress((shared_data / "quality/llama-factory/c4_demo.jsonl").read_bytes())
    path = tmp_path / "c4.jsonl.gz"
    path.write_bytes(data[: len(data) // 3])
    items = parsed(path)
    errors = [item for item in items if isinstance(item, BadRecord)]
    assert len(errors) == 1 and "corrupt or truncated" in errors[0].message
    assert 50 < tally(items)["RawRecord"] < 300


def test_json_array_files_read_as_records(shared_data: Path):
    items = parsed(shared_data / "sft/llama-factory/alpaca_zh_demo.json", text_key="output")
    assert tally(items)["RawRecord"] == 1000
    assert "instruction" in items[0].metadata


def test_empty_file_reads_nothing(tmp_path: Path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    assert [i for i in parsed(tmp_path) if not isinstance(i, NonDocument)] == []


def test_parquet_without_text_column_names_column_and_file(tmp_path: Path):
    path = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"content": ["a", "b", "c"], "id": ["1", "2", "3"]}), path)
    (error,) = parsed(path)
    assert isinstance(error, BadRecord)
    assert "no `text` column" in error.message and str(path) in error.message and "content" in error.message
    assert error.records == 3


def test_parquet_reads_rows(shared_data: Path, tmp_path: Path):
    rows = [json.loads(line) for line in (shared_data / "quality/llama-factory/c4_demo.jsonl").open()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c4.parquet")
    items = parsed(tmp_path / "c4.parquet")
    assert [item.text for item in items] == [row["text"] for row in rows]


def test_hf_dataset_local_folder_and_saved_dataset(shared_data: Path, tmp_path: Path):
    from datasets import Dataset

    rows = [json.loads(line) for line in (shared_data / "quality/llama-factory/c4_demo.jsonl").open()][:40]
    dataset = Dataset.from_list(rows)
    dataset.save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "hub_layout" / "data").mkdir(parents=True)
    dataset.to_parquet(str(tmp_path / "hub_layout" / "data" / "train-00000-of-00001.parquet"))
    for location in ("saved", "hub_layout"):
        items = parsed(tmp_path / location, format="hf")
        assert [item.text for item in items] == [row["text"] for row in rows], location
        assert items[3].id == f"{tmp_path / location}/3"


def test_loose_html_files_are_one_document_each(shared_data: Path, tmp_path: Path):
    for name in ("apache.html", "utf8.html", "webpage.html.gz"):
        shutil.copy(shared_data / "html/trafilatura/resources" / name, tmp_path / name)
    items = parsed(tmp_path)
    assert tally(items)["RawRecord"] == 3
    assert {Path(item.id).name for item in items} == {"apache.html", "utf8.html", "webpage.html.gz"}
    assert all(item.content_type == "text/html" for item in items)


def test_reader_rejects_empty_and_enormous_documents(tmp_path: Path):
    big = "word " * 10_000_000  # 50 MB of text in one record
    (tmp_path / "in.jsonl").write_text(
        json.dumps({"id": "big", "text": big}) + "\n" + json.dumps({"id": "blank", "text": "  \n "}) + "\n"
    )
    out = tmp_path / "out"
    reader = IngestReader(InputConfig(paths=[str(tmp_path / "in.jsonl")]), str(out))
    assert list(reader.run()) == []
    rejected = pq.read_table(out / "rejected" / "ingest-00000.parquet").to_pylist()
    assert {(row["id"], row["reason"]) for row in rejected} == {("big", "too_large"), ("blank", "empty")}
    assert reader.stats["input_records"].total == 2

    roomy = IngestReader(InputConfig(paths=[str(tmp_path / "in.jsonl")], max_document_bytes=60_000_000), str(out))
    (doc,) = list(roomy.run())
    assert doc.id == "big" and len(doc.text) == len(big)
