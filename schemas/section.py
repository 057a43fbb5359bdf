"""The base of every config model that commands read from YAML."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigSection(BaseModel):
    """Unknown keys are errors, so a typo never silently falls back to a default; assignments are validated like
    loading, so a config changed in code stays valid."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
