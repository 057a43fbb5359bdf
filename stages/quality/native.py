"""The quality rules' hot loops compiled from ``_native.c``, or None where the extension did not build.

Each compiled function mirrors a Python function that stays the reference and the fallback:

- ``repetition``: ``ngrams.NGrams.top_chars`` / ``duplicated_chars`` (Gopher's n-gram measures).
- ``split_affixes``: ``spacy_chunks.ChunkTokenizer.split_affixes_py`` (spaCy's affix loop, same regexes).
- ``concat_chunks``: ``spacy_chunks.concat_chunks_py`` (cached chunk entries -> a document's words).

``tests/test_quality_native.py`` checks each pair agrees on real text, and that the extension was built.
``REFINERY_NATIVE=0`` in the environment runs the Python references instead.
"""

from __future__ import annotations

import importlib
import logging
import os
from types import ModuleType

logger = logging.getLogger(__name__)


def _load() -> ModuleType | None:
    if os.environ.get("REFINERY_NATIVE") == "0":  # run the Python references (debugging, comparisons)
        return None
    try:
        return importlib.import_module(f"{__package__}._native")
    except ImportError as error:  # built without a C compiler: the Python references run
        logger.warning(
            "compiled quality loops unavailable (%s: was the package installed without a C compiler?); "
            "using the Python implementation, about 2x slower",
            error,
        )
        return None


native: ModuleType | None = _load()
