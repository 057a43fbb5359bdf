"""Language labels to one canonical code, so gold labels and every model's output compare equal.

Gold TSV labels may be ISO 639-1 (`en`) or 639-3 (`eng`); lid.176 answers mostly 639-1 (`en`) and 639-3 where no
two-letter code exists (`ceb`); GlotLID answers 639-3 plus script (`eng_Latn`) and often the *individual* language
of a macro-language (`cmn` for Chinese, `arb` for Arabic). The canonical form is the 639-1 code where one exists,
else the lower-case 639-3 code. The table is static (no lingua import) so label handling costs nothing; a test
checks it against lingua's own 639-1/639-3 pairs.
"""

from __future__ import annotations

# ISO 639-3 (and 639-2/T) -> 639-1: lingua's 75 languages plus the other lid.176 languages that have a 639-1 code.
_ISO3_TO_ISO1: dict[str, str] = {
    "afr": "af", "amh": "am", "ara": "ar", "arg": "an", "asm": "as", "ava": "av", "aze": "az", "bak": "ba",
    "bel": "be", "ben": "bn", "bod": "bo", "bos": "bs", "bre": "br", "bul": "bg", "cat": "ca", "ces": "cs",
    "che": "ce", "chv": "cv", "cor": "kw", "cos": "co", "cym": "cy", "dan": "da", "deu": "de", "div": "dv",
    "ell": "el", "eng": "en", "epo": "eo", "est": "et", "eus": "eu", "fas": "fa", "fin": "fi", "fra": "fr",
    "fry": "fy", "gla": "gd", "gle": "ga", "glg": "gl", "glv": "gv", "grn": "gn", "guj": "gu", "hat": "ht",
    "hbs": "sh", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ido": "io", "ile": "ie",
    "ina": "ia", "ind": "id", "isl": "is", "ita": "it", "jav": "jv", "jpn": "ja", "kan": "kn", "kat": "ka",
    "kaz": "kk", "khm": "km", "kir": "ky", "kom": "kv", "kor": "ko", "kur": "ku", "lao": "lo", "lat": "la",
    "lav": "lv", "lim": "li", "lit": "lt", "ltz": "lb", "lug": "lg", "mal": "ml", "mar": "mr", "mkd": "mk",
    "mlg": "mg", "mlt": "mt", "mon": "mn", "mri": "mi", "msa": "ms", "mya": "my", "nep": "ne", "nld": "nl",
    "nno": "nn", "nob": "nb", "nor": "no", "oci": "oc", "ori": "or", "oss": "os", "pan": "pa", "pol": "pl",
    "por": "pt", "pus": "ps", "que": "qu", "roh": "rm", "ron": "ro", "rus": "ru", "san": "sa", "sin": "si",
    "slk": "sk", "slv": "sl", "sna": "sn", "snd": "sd", "som": "so", "sot": "st", "spa": "es", "sqi": "sq",
    "srd": "sc", "srp": "sr", "sun": "su", "swa": "sw", "swe": "sv", "tam": "ta", "tat": "tt", "tel": "te",
    "tgk": "tg", "tgl": "tl", "tha": "th", "tsn": "tn", "tso": "ts", "tuk": "tk", "tur": "tr", "uig": "ug",
    "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi", "vol": "vo", "wln": "wa", "xho": "xh", "yid": "yi",
    "yor": "yo", "zho": "zh", "zul": "zu",
    # ISO 639-2/B (bibliographic) spellings that still turn up in datasets.
    "alb": "sq", "arm": "hy", "baq": "eu", "bur": "my", "chi": "zh", "cze": "cs", "dut": "nl", "fre": "fr",
    "geo": "ka", "ger": "de", "gre": "el", "ice": "is", "mac": "mk", "may": "ms", "per": "fa", "rum": "ro",
    "slo": "sk", "tib": "bo", "wel": "cy",
}  # fmt: skip

# Individual languages -> their macro-language, for ISO-style labels (GlotLID, gold TSVs). Not applied to lid.176's
# Wikipedia-style codes, where `als` means Alemannic, not Tosk Albanian.
_INDIVIDUAL_TO_MACRO: dict[str, str] = {
    "cmn": "zh", "arb": "ar", "pes": "fa", "prs": "fa", "zsm": "ms", "swh": "sw", "ekk": "et", "lvs": "lv",
    "azj": "az", "khk": "mn", "als": "sq", "uzn": "uz", "npi": "ne", "pbt": "ps", "plt": "mg", "ydd": "yi",
    "ory": "or", "quy": "qu", "gug": "gn", "kmr": "ku", "mly": "ms",
}  # fmt: skip

# Norwegian: lid.176 only knows the macro-language `no`; written Norwegian is mostly Bokmål, so `no` counts as
# `nb` (Nynorsk `nn` stays separate, as every model here labels it separately).
_EQUIVALENT: dict[str, str] = {"no": "nb"}

ISO1_TO_ISO3: dict[str, str] = {}
for _iso3, _iso1 in _ISO3_TO_ISO1.items():
    ISO1_TO_ISO3.setdefault(_iso1, _iso3)  # first spelling wins: 639-3/T comes before the 639-2/B block


def canonical_language(label: str, iso_style: bool = True) -> str:
    """`eng`, `EN`, `en-US`, `eng_Latn`, `__label__en` -> `en`; unknown codes come back lower-cased.

    Args:
        label: a gold label or a model's output label.
        iso_style: apply ISO individual-language -> macro-language mapping (False for lid.176's Wikipedia codes).
    """
    code = label.strip().removeprefix("__label__").replace("-", "_").split("_", 1)[0].lower()
    if len(code) == 3:
        if iso_style and code in _INDIVIDUAL_TO_MACRO:
            code = _INDIVIDUAL_TO_MACRO[code]
        code = _ISO3_TO_ISO1.get(code, code)
    return _EQUIVALENT.get(code, code)
