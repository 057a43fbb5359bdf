"""Bytes of a web page -> str, trying what the page says about itself before guessing."""

from __future__ import annotations

import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _try(payload: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return payload.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(payload: bytes, declared: str | None = None) -> str | None:
    """Declared charset (HTTP header), then UTF-8, then the page's <meta charset>, then cchardet's guess.

    UTF-8 goes before <meta>: pages that claim latin-1 while serving UTF-8 are common, and a strict UTF-8
    decode of non-UTF-8 text almost always fails, so trying it first costs little and is rarely wrong.
    Returns None when nothing decodes.
    """
    for encoding in (declared, "utf-8"):
        if (text := _try(payload, encoding)) is not None:
            return text
    match = _META_CHARSET.search(payload[:4096])
    if match and (text := _try(payload, match.group(1).decode("ascii", "ignore"))) is not None:
        return text
    import cchardet

    return _try(payload, cchardet.detect(payload).get("encoding"))
