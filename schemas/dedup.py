"""The `dedup:` config section: exact and MinHash near-duplicate removal."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from schemas.quality import QUALITY_SIGNALS
from schemas.section import ConfigSection

KeepPolicy = Literal["first", "longest", "quality"]
DedupMode = Literal["streaming", "sharded"]

# Languages written without spaces between words: shingles are character n-grams for them.
NO_SPACE_LANGUAGES = ("zh", "ja", "th", "lo", "km", "my", "bo")


class DedupConfig(ConfigSection):
    enabled: bool = Field(
        default=False,
        description="Exact and MinHash near-duplicate removal after the quality stage. Dropped documents go to "
        "rejected/dedup-*.parquet with reason `exact` or `near` and `duplicate_of` (the kept document's id).",
    )
    exact: bool = Field(default=True, description="Drop documents whose normalized text is identical.")
    near: bool = Field(default=True, description="Drop MinHash LSH near-duplicates.")
    n_grams: int = Field(
        default=5, ge=1, le=64, description="Shingle size: words, or characters for text without spaces."
    )
    char_n_grams: int = Field(
        default=5,
        ge=1,
        le=64,
        description="Shingle size in characters for languages without word spaces (see `char_languages`) and for "
        "text with almost no spaces.",
    )
    char_languages: list[str] = Field(
        default_factory=lambda: list(NO_SPACE_LANGUAGES),
        description="Languages (ISO 639 codes from the language stage) shingled by characters.",
    )
    num_bands: int = Field(default=14, ge=1, le=255, description="LSH bands (FineWeb: 14).")
    rows_per_band: int = Field(default=8, ge=1, le=64, description="MinHash values per band (FineWeb: 8).")
    seed: int = Field(
        default=1,
        ge=0,
        lt=2**32,
        description="Seed of the permutations; signatures equal datasketch's MinHash(num_bands*rows_per_band, seed).",
    )
    min_similarity: float | None = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="A band collision merges two documents only if their signatures agree on at least this "
        "fraction of hashes (estimated Jaccard); it stops the ~5% of pairs at Jaccard 0.5 that share a band from "
        "merging. null merges on any band collision, as FineWeb does.",
    )
    keep: KeepPolicy = Field(
        default="first",
        description="Which document of a cluster survives: `first` in input order (source path, then position), "
        "`longest` text, or highest `quality_signal`; ties go to the first.",
    )
    quality_signal: str = Field(
        default="fineweb_line_punct_ratio",
        description="Signal that `keep: quality` maximises: a quality rule value or `language_score`.",
    )
    reference_index: str | None = Field(
        default=None,
        description="Index of already published documents (`refinery dedup-index`): new documents that duplicate "
        "one of them are dropped with `duplicate_of` = its id; the published ones are never dropped.",
    )
    mode: DedupMode = Field(
        default="streaming",
        description="streaming: one step that sees every document (executor.tasks must be 1), index in memory. "
        "sharded: signatures -> per-band buckets -> clusters -> filter as successive executors, any task count.",
    )

    @property
    def num_perm(self) -> int:
        return self.num_bands * self.rows_per_band

    @field_validator("quality_signal")
    @classmethod
    def _known_signal(cls, value: str) -> str:
        if value != "language_score" and value not in QUALITY_SIGNALS:
            raise ValueError(f"unknown signal {value!r}; use language_score or one of {', '.join(QUALITY_SIGNALS)}")
        return value
