"""Settings of benchmark decontamination (`refinery decontaminate`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DecontamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=13, ge=3, description="Words per n-gram for ordinary benchmark questions.")
    short_n: int = Field(
        default=8, ge=3, description="Words per n-gram for short questions (math problems of a line or two)."
    )
    short_question_words: int = Field(
        default=30, ge=1, description="Questions with fewer words than this use `short_n`."
    )
    min_coverage: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="Share of a question's n-grams a record must contain to count as contaminated by it; a low "
        "share still catches copies with small edits, since numbers are compared as placeholders.",
    )
    fuzzy_n: int = Field(
        default=4, ge=2, description="Short questions: n-gram size that finds candidates for the in-order check."
    )
    fuzzy_min_share: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="Short questions: share of the question's words that must appear in order in the record (one "
        "word changed in a ten-word problem leaves no 8-gram, but 90% of the words in order).",
    )
    fuzzy_min_words: int = Field(
        default=6,
        ge=1,
        description="Short questions with fewer real words (not numbers or symbols) get no fuzzy check.",
    )
    min_matches: int = Field(
        default=2, ge=1, description="And at least this many shared n-grams, so one stock phrase never suffices."
    )
