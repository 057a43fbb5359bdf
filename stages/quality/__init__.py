"""Heuristic quality rules (Gopher, C4, FineWeb) that record what they measure; see ``score_document``."""

from .scoring import QualityVerdict, score_document
from .text_units import TextUnits, text_units_for

__all__ = ["QualityVerdict", "TextUnits", "score_document", "text_units_for"]
