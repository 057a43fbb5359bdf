"""Publish one refinery output folder: check the settings and token, write the repo layout and card, upload.

Every check that can fail fast (repo id, token, offline mode, the output folder's manifest) runs before the first
shard is written, so a bad invocation costs nothing.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schemas.publish import PublishConfig
from stages.publish.card import render_card
from stages.publish.layout import RepoLayout, build_layout
from stages.publish.source import OutputError, RefineryOutput, read_output
from stages.publish.upload import UploadResult, check_online, resolve_token, upload_layout

logger = logging.getLogger(__name__)


@dataclass
class PublishResult:
    repo_id: str
    kind: str
    local_dir: str | None  # where the layout is (None once a temporary upload folder is gone)
    configs: dict[str, dict[str, Any]]  # name -> rows, shards, columns, bytes
    files: list[str]
    upload: UploadResult | None = None
    card_path: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_folders(config: PublishConfig) -> None:
    if config.local_dir is None:
        return
    source, target = Path(config.output_dir).resolve(), Path(config.local_dir).resolve()
    if target == source or source in target.parents or target in source.parents:
        raise OutputError(
            f"local_dir {config.local_dir} overlaps the output folder {config.output_dir}: the layout replaces "
            "data/ in its folder, so it must be written elsewhere"
        )


def prepare_layout(
    config: PublishConfig, root: Path, progress: bool = True, publish_command: str | None = None
) -> tuple[RefineryOutput, RepoLayout]:
    """Read the output folder and write shards, assets, provenance files and README.md under `root`."""
    output = read_output(config.output_dir)
    if config.config_name is not None:
        if len(output.datasets) != 1:
            names = ", ".join(d.config for d in output.datasets)
            raise OutputError(
                f"config_name: the output holds {len(output.datasets)} datasets ({names}); "
                "it can only rename a single one"
            )
        output.datasets[0].config = config.config_name
    layout = build_layout(output, root, config.repo_id, config.max_shard_bytes, config.include_rejected, progress)
    card = render_card(
        output,
        layout,
        config.repo_id,
        config.license,
        config.pretty_name,
        config.languages,
        config.tags,
        publish_command,
    )
    (root / "README.md").write_text(card, encoding="utf-8")
    return output, layout


def publish_output(
    config: PublishConfig,
    token: str | None = None,
    endpoint: str | None = None,
    progress: bool = True,
    publish_command: str | None = None,
) -> PublishResult:
    """Write the layout to `config.local_dir` (nothing uploaded), or to a temporary folder that is uploaded.

    `token`: the Hub token (default `HF_TOKEN`); only needed to upload. `endpoint`: a Hub other than
    huggingface.co (default `HF_ENDPOINT`).
    """
    upload = config.local_dir is None
    _check_folders(config)
    if upload:
        token = resolve_token(token)
        check_online()
    read_output(config.output_dir)  # fail on a missing manifest or an empty output before writing anything

    with tempfile.TemporaryDirectory(prefix="refinery-publish-") as scratch:
        root = Path(config.local_dir) if config.local_dir else Path(scratch)
        output, layout = prepare_layout(config, root, progress, publish_command)
        result = PublishResult(
            repo_id=config.repo_id,
            kind=output.kind,
            local_dir=config.local_dir,
            configs={
                c.name: {"rows": c.rows, "shards": len(c.files), "columns": c.columns, "bytes": c.bytes}
                for c in layout.configs
            },
            files=layout.files(),
            card_path=str(root / "README.md") if config.local_dir else None,
        )
        if output.manifest.get("accounted") is False:
            result.warnings.append("the run's manifest says its records are not all accounted for")
        if upload:
            assert token is not None  # resolve_token raised otherwise
            logger.info("uploading %d files to %s", len(result.files), config.repo_id)
            result.upload = upload_layout(root, config.repo_id, token, config.private, config.commit_message, endpoint)
    return result
