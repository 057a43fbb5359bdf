"""The config of `refinery publish`: which refinery output folder goes to which Hub dataset repo, and how.

Validated before any work starts, so a bad repo id or shard size fails with the field's name, not halfway through
an upload.
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationError, field_validator

from schemas.section import ConfigSection

# The Hub's rule for repo names: letters, digits, `-`, `_`, `.`; no `--` or `..`; not starting or ending with `-`
# or `.`; at most 96 characters (huggingface_hub.utils.validate_repo_id). We also require the namespace: a
# dataset published without one lands under whoever owns the token, which is rarely what a pipeline means.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
REPO_ID = re.compile(rf"^{_NAME}/{_NAME}$")
CONFIG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class PublishConfig(ConfigSection):
    output_dir: str = Field(
        description="A refinery output folder: `refinery curate` (manifest.json + data/*.parquet), `refinery "
        "sft-curate` (manifest.json + data/NAME.*), `refinery convert` (NAME.* + dataset_info.json) or any output "
        "with manifest.json and Parquet under data/ (distill)."
    )
    repo_id: str = Field(description="Dataset repo on the Hub, ORG/NAME (the namespace is required).")
    private: bool = Field(default=False, description="Create the repo as private (only when it does not exist yet).")
    config_name: str | None = Field(
        default=None,
        description="Name of the config that holds the kept records; default `default` for curate output and the "
        "dataset's name for SFT output. Only valid when the output holds one dataset.",
    )
    local_dir: str | None = Field(
        default=None,
        description="Write the repo layout (Parquet shards, README.md card, assets/) here and upload nothing.",
    )
    license: str = Field(
        default="other",
        description="License id for the card (e.g. apache-2.0, cc-by-4.0, odc-by); `other` when not stated.",
    )
    pretty_name: str | None = Field(default=None, description="Human-readable name on the card; default: NAME.")
    languages: list[str] | None = Field(
        default=None,
        description="Language codes for the card; default: the manifest's language mix (curate output) or the "
        "language check's languages (sft-curate output).",
    )
    tags: list[str] = Field(default_factory=list, description="Extra tags for the card, after refinery's own.")
    include_rejected: bool = Field(
        default=False,
        description="Also publish the rejected records as a `rejected` config (with their stage and reason).",
    )
    max_shard_bytes: int = Field(
        default=500_000_000,
        ge=1_000,
        description="Rough upper bound of one Parquet shard, measured on the in-memory Arrow data; the Hub's "
        "dataset viewer and `datasets` work best with shards of a few hundred MB.",
    )
    commit_message: str | None = Field(
        default=None, description="Commit message of the upload; default names the output folder and counts."
    )

    @field_validator("repo_id")
    @classmethod
    def _repo_id(cls, value: str) -> str:
        if not REPO_ID.match(value) or "--" in value or ".." in value:
            raise ValueError(
                f"{value!r} is not a Hub repo id: expected ORG/NAME, each part letters, digits, '-', '_' or '.', "
                "not starting or ending with '-' or '.', no '--' or '..', at most 96 characters"
            )
        return value

    @field_validator("config_name")
    @classmethod
    def _config_name(cls, value: str | None) -> str | None:
        if value is not None and (not CONFIG_NAME.match(value) or value == "rejected"):
            raise ValueError(
                f"{value!r} is not a usable config name: letters, digits, '_', '.', '-', at most 64 characters, "
                "not `rejected` (reserved for the rejected records)"
            )
        return value


class PublishConfigError(ValueError):
    """A bad publish setting, with the field's name in the message."""


def make_publish_config(**values: object) -> PublishConfig:
    """Build a PublishConfig; errors name the field: `repo_id: 'x' is not a Hub repo id ...`."""
    try:
        return PublishConfig(**values)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "config"
        message = first["msg"].removeprefix("Value error, ")
        raise PublishConfigError(f"invalid publish setting: {field}: {message}") from None
