"""Quality rules: datatrove's FineWeb decisions on English, recorded signals, CJK first-class."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.quality import (
    DATATROVE_C4_ELLIPSIS,
    DATATROVE_C4_END_PUNCTUATION,
    DATATROVE_C4_POLICY_SUBSTRINGS,
    DATATROVE_STOP_WORDS,
    QUALITY_SIGNALS,
    QualityConfig,
)
from stages.quality import QualityVerdict, score_document

GROUP_PREFIXES = ("repetition_", "gopher_", "c4_", "fineweb_")
SENTENCES = "langid/lingua/language-testdata/sentences"


def _jsonl_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def _chunks(items: list[str], size: int, sep: str) -> list[str]:
    return [sep.join(items[i : i + size]) for i in range(0, len(items) - size + 1, size)]


def _sentence_docs(shared_data: Path, lang: str) -> list[str]:
    lines = (shared_data / SENTENCES / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return _chunks([line.strip() for line in lines if line.strip()], 18, "\n")


def _alpaca_docs(shared_data: Path, lang: str) -> list[str]:
    records = json.loads((shared_data / f"sft/llama-factory/alpaca_{lang}_demo.json").read_text(encoding="utf-8"))
    outputs = [r["output"] for r in records if len(r["output"]) > 200]
    return _chunks(outputs, 3, "\n\n")


def _pass_rate(docs: list[str], lang: str) -> tuple[float, Counter[str | None]]:
    verdicts = [score_document(doc, lang, QualityConfig()) for doc in docs]
    reasons = Counter(v.failed_rule for v in verdicts if not v.kept)
    return sum(v.kept for v in verdicts) / len(verdicts), reasons


def _datatrove_verdict(text: str) -> tuple[str | None, str]:
    """FineWeb's filter order and settings; returns (first failing reason, text after the filters)."""
    from datatrove.data import Document
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.filters.base_filter import get_filter_result

    global _DATATROVE_FILTERS
    if _DATATROVE_FILTERS is None:
        _DATATROVE_FILTERS = [
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False),
            FineWebQualityFilter(),
        ]
    doc = Document(text=text, id="doc")
    for step in _DATATROVE_FILTERS:
        kept, reason = get_filter_result(step.filter(doc))
        if not kept:
            return reason, doc.text
    return None, doc.text


_DATATROVE_FILTERS = None


@pytest.fixture(scope="module")
def english_web_docs(shared_data: Path) -> list[str]:
    quality = shared_data / "quality"
    docs = _jsonl_texts(quality / "llama-factory/c4_demo.jsonl")
    docs += _jsonl_texts(quality / "dclm/majority_data.jsonl")
    for path in sorted((quality / "dolma").glob("*.jsonl")):
        docs += _jsonl_texts(path)
    assert len(docs) > 800
    return docs


def test_agrees_with_datatrove_on_english_web_text(english_web_docs: list[str]) -> None:
    config = QualityConfig()
    disagreements, reason_mismatches, text_mismatches = [], [], 0
    reasons: Counter[str | None] = Counter()
    for i, text in enumerate(english_web_docs):
        expected_reason, expected_text = _datatrove_verdict(text)
        verdict = score_document(text, "en", config)
        reasons[expected_reason] += 1
        if (expected_reason is None) != verdict.kept:
            disagreements.append((i, expected_reason, verdict.failed_rule))
        elif expected_reason != verdict.failed_rule:
            reason_mismatches.append((i, expected_reason, verdict.failed_rule))
        text_mismatches += expected_text != verdict.text

    n = len(english_web_docs)
    print(
        f"\nagreement: {n - len(disagreements)}/{n} keep/drop decisions identical "
        f"({len(disagreements)} disagreements, {len(reason_mismatches)} reason mismatches, "
        f"{text_mismatches} C4 text mismatches); datatrove reasons: {dict(reasons)}"
    )
    assert (n - len(disagreements)) / n >= 0.995, disagreements[:10]
    assert reason_mismatches == []
    assert text_mismatches == 0
    # The corpus must exercise both outcomes, else agreement would be trivial.
    assert 0.2 < reasons[None] / n < 0.9


def test_agrees_with_datatrove_on_benchmark_corpus(shared_data: Path) -> None:
    """The benchmark's other English sources (Wikipedia, Shakespeare, dialogues, math, instructions)."""
    import fasttext

    from bench.quality_bench import build_corpus
    from stages.language import resolve_model_path

    web = {"web (c4, dclm, dolma, data-juicer)"}
    candidates = [(src, text) for src, text in build_corpus(shared_data) if src not in web]
    model = fasttext.load_model(resolve_model_path("lid176-ftz"))
    labels, _ = model.predict([text.replace("\n", " ") for _, text in candidates], k=1)
    english = [item for item, label in zip(candidates, labels, strict=True) if label[0] == "__label__en"]
    sample = english[:: max(1, len(english) // 400)]
    config = QualityConfig()
    decisions = reasons = texts = 0
    outcomes: Counter[str | None] = Counter()
    for _, text in sample:
        expected_reason, expected_text = _datatrove_verdict(text)
        verdict = score_document(text, "en", config)
        outcomes[expected_reason] += 1
        decisions += (expected_reason is None) == verdict.kept
        reasons += expected_reason == verdict.failed_rule
        texts += expected_text == verdict.text
    n = len(sample)
    print(f"\nbenchmark sample: {decisions}/{n} same decisions, {reasons}/{n} same reasons; {dict(outcomes)}")
    assert n >= 350 and {src for src, _ in sample} >= {"wikipedia", "gsm8k", "MATH", "hh-rlhf dialogues"}
    assert decisions / n >= 0.995 and reasons == decisions == texts
    assert outcomes[None] >= 20 and len(outcomes) >= 5


def test_copied_datatrove_constants_match() -> None:
    from datatrove.pipeline.filters import c4_filters, gopher_quality_filter

    assert list(DATATROVE_STOP_WORDS) == gopher_quality_filter.STOP_WORDS
    assert DATATROVE_C4_END_PUNCTUATION == c4_filters.END_PUNCTUATION
    assert DATATROVE_C4_ELLIPSIS == (c4_filters.ELLIPSIS,)
    assert list(DATATROVE_C4_POLICY_SUBSTRINGS) == c4_filters.POLICY_SUBSTRINGS


def test_signal_names_are_unique_and_prefixed() -> None:
    assert len(set(QUALITY_SIGNALS)) == len(QUALITY_SIGNALS)
    assert all(name.startswith(GROUP_PREFIXES) for name in QUALITY_SIGNALS)


def test_kept_documents_record_every_signal(english_web_docs: list[str]) -> None:
    config = QualityConfig()
    kept = [v for v in (score_document(t, "en", config) for t in english_web_docs[:40]) if v.kept]
    assert kept
    for verdict in kept:
        assert list(verdict.signals) == list(QUALITY_SIGNALS)  # every group ran, in schema order
        assert all(math.isfinite(value) for value in verdict.signals.values())


SHORT_EN = (
    "Our small volunteer team wrote this short note about cold weather in the northern mountains "
    "during early spring, when rivers swell and farmers plant barley."
)


def test_rejection_keeps_signals_of_groups_that_ran() -> None:
    verdict = score_document(SHORT_EN, "en", QualityConfig())
    assert verdict.failed_rule == "gopher_short_doc"
    assert {name.split("_")[0] for name in verdict.signals} == {"repetition", "gopher"}
    assert verdict.text == SHORT_EN


def test_disabled_groups_leave_no_signals() -> None:
    config = QualityConfig.model_validate({"gopher_repetition": {"enabled": False}, "c4": {"enabled": False}})
    verdict = score_document(SHORT_EN, "en", config)
    assert verdict.failed_rule == "gopher_short_doc"
    assert not any(name.startswith(("repetition_", "c4_")) for name in verdict.signals)
    assert score_document("anything", "en", QualityConfig(enabled=False)) == QualityVerdict({}, None, "anything")


CRAFTED = (
    "The cat sat on the mat.\n"  # 23 chars
    "The cat sat on the mat.\n"
    "\n"
    "# Notes about the dog...\n"  # 24 chars
    "- and then it ran away with the ball"  # 36 chars
)


def test_signal_values_on_crafted_text() -> None:
    # Thresholds relaxed so that every group runs on a text small enough to count by hand.
    config = QualityConfig.model_validate(
        {
            "gopher_repetition": {"dup_line_char_frac": None, "top_n_grams": [], "dup_n_grams": []},
            "gopher_quality": {"min_doc_words": None},
            "c4": {"min_num_sentences": -1},
            "fineweb": {"short_line_thr": 1.0, "char_duplicates_ratio": 1.0},
        }
    )
    verdict = score_document(CRAFTED, "en", config)
    assert verdict.kept, verdict.failed_rule
    s = verdict.signals
    n_chars = 110
    assert len(CRAFTED) == n_chars
    # Tokens: "The cat sat on the mat ." x2, "# Notes about the dog ...",
    # "- and then it ran away with the ball"; 5 are punctuation only.
    n_tokens, n_content = 29, 24
    expected = {
        "repetition_dup_para_frac": 0.0,
        "repetition_dup_line_frac": 1 / 4,
        "repetition_dup_line_char_frac": 23 / n_chars,
        "repetition_top_2gram_char_frac": len("The cat") * 2 / n_chars,
        "repetition_top_3gram_char_frac": len("The cat sat") * 2 / n_chars,
        "repetition_dup_5gram_char_frac": len("Thecatsatonthe") / n_chars,
        "repetition_dup_7gram_char_frac": len("Thecatsatonthemat.") / n_chars,
        "repetition_dup_8gram_char_frac": 0.0,
        "gopher_word_count": n_content,
        "gopher_mean_word_length": (17 * 2 + 16 + 27) / n_content,
        "gopher_hash_word_ratio": 1 / n_tokens,
        "gopher_ellipsis_word_ratio": 1 / n_tokens,
        "gopher_bullet_lines_ratio": 1 / 5,
        "gopher_end_ellipsis_lines_ratio": 1 / 5,
        "gopher_alpha_words_ratio": n_content / n_tokens,
        "gopher_stop_word_count": 3,  # the, and, with ("The" is case-sensitive)
        "c4_line_count": 5,
        "c4_kept_line_count": 4,
        "c4_too_few_words_lines": 1,  # the blank line
        "c4_curly_bracket_lines": 0,
        "c4_removed_char_frac": 1 / n_chars,  # the blank line's newline
        "fineweb_line_punct_ratio": 3 / 4,  # "..." ends with "."
        "fineweb_short_line_ratio": 3 / 4,
        "fineweb_char_dup_ratio": 23 / (n_chars - 1 - 3),
        "fineweb_list_ratio": 3 / n_tokens,
    }
    assert {k: s[k] for k in expected} == pytest.approx(expected)
    assert verdict.text == CRAFTED.replace("\n\n", "\n")


def test_by_language_off_scores_every_language_as_datatrove(shared_data: Path) -> None:
    """`quality.by_language: false`: datatrove's verdict on non-English documents too (English words, defaults)."""
    from bench.quality_bench import build_corpus

    others = [text for src, text in build_corpus(shared_data) if src.startswith(("lingua", "alpaca zh"))]
    sample = others[:: max(1, len(others) // 150)]
    flat, by_language = QualityConfig(by_language=False), QualityConfig()
    same = differs = 0
    for text in sample:
        reason, edited = _datatrove_verdict(text)
        verdict = score_document(text, "zh", flat)  # the document's language no longer matters
        same += (reason, edited) == (verdict.failed_rule, verdict.text)
        differs += score_document(text, "zh", by_language).failed_rule != reason
    assert len(sample) >= 150 and same == len(sample)
    assert differs >= 20  # with its language's words and thresholds, Chinese scoring is another thing


def test_chinese_text_mostly_passes_like_english(shared_data: Path) -> None:
    zh_rate, zh_reasons = _pass_rate(_sentence_docs(shared_data, "zh"), "zh")
    en_rate, en_reasons = _pass_rate(_sentence_docs(shared_data, "en"), "en")
    zh_sft_rate, zh_sft_reasons = _pass_rate(_alpaca_docs(shared_data, "zh"), "zh")
    en_sft_rate, en_sft_reasons = _pass_rate(_alpaca_docs(shared_data, "en"), "en")
    print(
        f"\nsentence docs: zh {zh_rate:.1%} {dict(zh_reasons)} vs en {en_rate:.1%} {dict(en_reasons)}"
        f"\nalpaca outputs: zh {zh_sft_rate:.1%} {dict(zh_sft_reasons)}"
        f" vs en {en_sft_rate:.1%} {dict(en_sft_reasons)}"
    )
    assert zh_rate >= 0.9
    assert zh_rate >= en_rate - 0.05
    # Instruction outputs are list- and number-heavy in both languages (the alphabetic-word rule).
    assert zh_sft_rate >= 0.6
    assert zh_sft_rate >= en_sft_rate - 0.05


def test_chinese_is_rejected_by_datatrove_defaults_without_the_override(shared_data: Path) -> None:
    docs = _sentence_docs(shared_data, "zh")[:10]
    config = QualityConfig(builtin_language_overrides=False)
    assert all(not score_document(doc, "zh", config).kept for doc in docs)


def test_japanese_and_korean_text_passes(shared_data: Path) -> None:
    for lang in ("ja", "ko"):
        rate, reasons = _pass_rate(_sentence_docs(shared_data, lang), lang)
        print(f"\n{lang}: {rate:.1%} {dict(reasons)}")
        assert rate >= 0.9


ZH_REPEATED_LINE = "\n".join(["欢迎光临本店，全场商品一律五折优惠，数量有限，先到先得！"] * 20)
_ZH_KEYWORDS = [
    "北京搬家公司",
    "北京搬家公司电话",
    "北京搬家公司价格",
    "北京搬家公司哪家好",
    "北京搬家公司排名",
]
ZH_KEYWORD_STUFFING = "。".join(" ".join(_ZH_KEYWORDS[(i + j) % 5] for j in range(4)) for i in range(30)) + "。"
EN_REPEATED_LINE = "\n".join(["Buy cheap watches online now, best prices guaranteed, free shipping today!"] * 20)
_EN_KEYWORDS = ["cheap flights", "cheap flights london", "cheap flights paris", "cheap flights deals"]
EN_KEYWORD_STUFFING = ". ".join(" ".join(_EN_KEYWORDS[(i + j) % 4] for j in range(4)) for i in range(30)) + "."


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        (ZH_REPEATED_LINE, "zh", "dup_line_frac"),
        (ZH_KEYWORD_STUFFING, "zh", "top_2_gram"),
        (EN_REPEATED_LINE, "en", "dup_line_frac"),
        (EN_KEYWORD_STUFFING, "en", "top_2_gram"),
    ],
)
def test_spam_is_rejected(text: str, lang: str, reason: str) -> None:
    assert score_document(text, lang, QualityConfig()).failed_rule == reason
    if lang == "en":
        assert _datatrove_verdict(text)[0] == reason


ZH_NAV_BOILERPLATE = "\n".join(
    ["首页", "新闻中心", "产品展示", "关于我们", "联系我们", "在线留言", "网站地图", "版权所有 © 2020 某某公司"] * 3
    + ["欢迎访问我们的网站，我们为您提供优质的服务。"]
)
EN_NAV_BOILERPLATE = "\n".join(
    ["Home", "News", "Products", "About us", "Contact", "Sitemap", "Copyright © 2020 Example Inc."] * 3
    + ["Welcome to our website, we are happy to serve you with the best products."]
)


@pytest.mark.parametrize(("text", "lang"), [(ZH_NAV_BOILERPLATE, "zh"), (EN_NAV_BOILERPLATE, "en")])
def test_navigation_boilerplate_is_rejected(text: str, lang: str) -> None:
    verdict = score_document(text, lang, QualityConfig())
    assert not verdict.kept
    if lang == "en":
        assert _datatrove_verdict(text)[0] == verdict.failed_rule


def test_chinese_spam_pages_from_a_real_crawl_are_rejected(shared_data: Path) -> None:
    """The CJK pages of resiliparse's sample WARC: gambling, adult, keyword and navigation pages."""
    import re

    from fastwarc.warc import ArchiveIterator, WarcRecordType
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    from stages.html_text import extract_resiliparse

    pages = []
    with (shared_data / "warc/resiliparse/warcfile.warc.gz").open("rb") as f:
        for record in ArchiveIterator(f, record_types=WarcRecordType.response):
            body = record.reader.read()
            text = extract_resiliparse(bytes_to_str(body, detect_encoding(body)))
            if len(re.findall(r"[\u4e00-\u9fff]", text)) > 50:
                pages.append(text)
    verdicts = [score_document(text, "zh", QualityConfig()) for text in pages]
    print(f"\nzh crawl pages: {Counter(v.failed_rule for v in verdicts)}")
    assert len(pages) >= 8
    assert not any(v.kept for v in verdicts)


def test_chinese_without_function_words_fails_stop_word_rule() -> None:
    # A product listing: no repeated n-grams to speak of, but none of 的/了/是/在….
    brands = ["华为", "小米", "苹果", "三星", "联想", "戴尔"]
    products = ["手机", "平板", "耳机", "手表", "电脑", "音箱", "相机", "路由器"]
    text = "\n".join(" ".join(brand + product for product in products) + "。" for brand in brands)
    assert score_document(text, "zh", QualityConfig()).failed_rule == "gopher_enough_stop_words"


def test_language_override_changes_only_that_language(shared_data: Path) -> None:
    config = QualityConfig.model_validate({"languages": {"en": {"gopher_quality": {"min_doc_words": 10000}}}})
    en_doc = _sentence_docs(shared_data, "en")[0]
    zh_doc = _sentence_docs(shared_data, "zh")[0]
    assert score_document(en_doc, "en", QualityConfig()).kept
    assert score_document(en_doc, "en", config).failed_rule == "gopher_short_doc"
    assert score_document(zh_doc, "zh", config).kept
    # Only the given field changes; the built-in zh override survives a user override of another language.
    assert config.for_language("en").gopher_quality.max_doc_words == 100000
    assert config.for_language("zh") == QualityConfig().for_language("zh")
    assert (
        config.for_language("zh-Hans").gopher_quality.stop_words == config.for_language("zh").gopher_quality.stop_words
    )


def test_override_merges_over_builtin_and_round_trips() -> None:
    config = QualityConfig.model_validate({"languages": {"zh": {"gopher_quality": {"min_doc_words": 20}}}})
    zh = config.for_language("zh").gopher_quality
    assert zh.min_doc_words == 20
    assert zh.stop_words == QualityConfig().for_language("zh").gopher_quality.stop_words
    reloaded = QualityConfig.model_validate(config.model_dump())
    for lang in ("en", "zh", "ja", "ko"):
        assert reloaded.for_language(lang) == config.for_language(lang)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"languages": {"en": {"gopher_quality": {"min_doc_wordz": 10}}}}, "min_doc_wordz"),
        ({"c4": {"min_sentences": 3}}, "min_sentences"),
        ({"gopher_repetition": {"top_n_grams": [[7, 0.1]]}}, "top_n_grams"),
        ({"languages": {"zh": {"fineweb": {"short_line_length": "short"}}}}, "short_line_length"),
    ],
)
def test_bad_config_names_the_field(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        QualityConfig.model_validate(data)
    assert field in str(excinfo.value)
