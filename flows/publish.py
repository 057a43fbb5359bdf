"""Prefect flow `publish`: a refinery output folder -> a Hub dataset repo (or a local repo layout), as thin tasks.

The token is resolved here, in the flow, from a Prefect Secret block (`token_secret`) or HF_TOKEN, and checked
before any work. It is never a task parameter (Prefect records task inputs) and never logged: the upload task
resolves it again from the block's name.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from schemas.publish import PublishConfig, make_publish_config
from stages.publish.run import PublishResult, publish_output
from stages.publish.upload import UploadError, resolve_token


def hub_token(token_secret: str | None) -> str:
    """The Hub token: the Secret block's value when a name is given, HF_TOKEN otherwise."""
    if token_secret:
        from prefect.blocks.system import Secret

        try:
            value = Secret.load(token_secret).get()
        except ValueError as err:  # Prefect raises ValueError for a block name it does not know
            raise ValueError(f"token_secret: no Prefect Secret block named {token_secret!r}: {err}") from None
        return resolve_token(str(value))
    return resolve_token(None)


@task(name="check-publish-settings")
def check_settings_task(config: PublishConfig, token_secret: str | None) -> None:
    """Fail before any work: bad settings raise in make_publish_config, a missing token here."""
    if config.local_dir is None:
        hub_token(token_secret)


def _is_transient(task, task_run, state) -> bool:
    """Retry the Hub's hiccups (unreachable, 429, 5xx), not refusals or bad input, which fail the same way again."""
    try:
        state.result()
    except UploadError as err:
        return err.transient
    except Exception:
        return False
    return False


# `upload_folder` resumes, so a retry re-sends only what did not arrive.
@task(name="publish-to-hub", retries=2, retry_delay_seconds=30, retry_condition_fn=_is_transient)
def publish_task(config: PublishConfig, token_secret: str | None) -> PublishResult:
    token = hub_token(token_secret) if config.local_dir is None else None
    return publish_output(config, token=token, progress=False, publish_command="prefect flow publish")


@task(name="publish-artifact")
def artifact_task(result: PublishResult) -> str:
    where = result.upload.repo_url if result.upload else f"`{result.local_dir}` (local layout, nothing uploaded)"
    lines = [f"# publish: {result.repo_id}", "", f"- {result.kind} output -> {where}"]
    if result.upload:
        lines.append(f"- commit: {result.upload.commit_url} ({result.upload.files} files)")
    lines += ["", "| config | rows | shards | MB |", "|---|---|---|---|"]
    for name, info in result.configs.items():
        lines.append(f"| {name} | {info['rows']:,} | {info['shards']} | {info['bytes'] / 1e6:.2f} |")
    lines += [f"- warning: {w}" for w in result.warnings]
    markdown = "\n".join(lines) + "\n"
    create_markdown_artifact(key="publish-summary", markdown=markdown, description=f"publish {result.repo_id}")
    return markdown


@flow(name="publish", log_prints=True)
def publish(
    output_dir: str,
    repo_id: str,
    private: bool = False,
    local_dir: str | None = None,
    config_name: str | None = None,
    token_secret: str | None = None,
) -> dict[str, Any]:
    """Publish `output_dir` to the Hub dataset `repo_id` (ORG/NAME), or only write the layout to `local_dir`.

    `token_secret`: name of a Prefect Secret block holding a Hub write token; default HF_TOKEN.
    """
    config = make_publish_config(
        output_dir=output_dir, repo_id=repo_id, private=private, local_dir=local_dir, config_name=config_name
    )
    check_settings_task(config, token_secret)
    result = publish_task(config, token_secret)
    artifact_task(result)
    where = result.upload.repo_url if result.upload else result.local_dir
    rows = ", ".join(f"{name} {info['rows']:,}" for name, info in result.configs.items())
    get_run_logger().info(f"published {result.kind} output to {where}: {rows}")
    return result.to_dict()
