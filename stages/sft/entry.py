"""LLaMA-Factory `dataset_info.json` entries: how a dataset's columns and role tags map onto its format.

Readers take an entry to read custom layouts (`--mapping dataset_info.json:NAME`); writers take one to choose the
layout they write, and return the entry that loads it, so `dataset_info.json` always matches the written file.
Defaults are LLaMA-Factory's own (data/README.md there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Columns(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str | None = None
    query: str | None = None
    response: str | None = None
    history: str | None = None
    messages: str | None = None
    system: str | None = None
    tools: str | None = None
    images: str | None = None
    videos: str | None = None
    audios: str | None = None
    chosen: str | None = None
    rejected: str | None = None
    kto_tag: str | None = None


class Tags(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role_tag: str = "from"
    content_tag: str = "value"
    user_tag: str = "human"
    assistant_tag: str = "gpt"
    observation_tag: str = "observation"
    function_tag: str = "function_call"
    system_tag: str = "system"


MEDIA = ("images", "videos", "audios")


class DatasetEntry(BaseModel):
    """One dataset_info.json entry. Hub-only keys are kept so an entry can be listed, but only files are read."""

    model_config = ConfigDict(extra="allow")

    file_name: str | None = None
    hf_hub_url: str | None = None
    formatting: Literal["alpaca", "sharegpt"] = "alpaca"
    ranking: bool = False
    subset: str | None = None
    split: str = "train"
    columns: Columns = Field(default_factory=Columns)
    tags: Tags = Field(default_factory=Tags)

    def column(self, name: str) -> str | None:
        """The mapped column, with LLaMA-Factory's defaults for the ones that have one."""
        value = getattr(self.columns, name)
        if value is not None:
            return value
        defaults = {"alpaca": {"prompt": "instruction", "query": "input", "response": "output"}}
        defaults["sharegpt"] = {"messages": "conversations"}
        return defaults[self.formatting].get(name)

    @property
    def kind(self) -> str:
        if self.ranking:
            return "preference"
        return "kto" if self.columns.kto_tag else "sft"

    def to_json(self) -> dict:
        """The entry as LLaMA-Factory writes it: defaults left out."""
        data = self.model_dump(exclude_defaults=True, exclude_none=True)
        for key in ("columns", "tags"):
            if not data.get(key):
                data.pop(key, None)
        return data


def load_entries(path: Path) -> dict[str, DatasetEntry]:
    return {name: DatasetEntry.model_validate(raw) for name, raw in json.loads(path.read_text("utf-8")).items()}


def parse_mapping(mapping: str) -> tuple[Path, str]:
    """`path/dataset_info.json:NAME` -> (path, NAME)."""
    path, sep, name = mapping.rpartition(":")
    if not sep or not path or not name:
        raise ValueError(f"--mapping must look like dataset_info.json:NAME, got {mapping!r}")
    return Path(path), name
