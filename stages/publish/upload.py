"""Push a written repo layout to the Hub: `create_repo` then one `upload_folder`, so one publish is one commit.

The Hub takes at most 128 commits per repo per hour, and a dataset whose shards arrive in many commits is briefly
inconsistent with its card; one `upload_folder` call carries the deletions of earlier shards (`delete_patterns`)
and every new file in a single commit (huggingface_hub only splits folders of thousands of files).

The token is passed in by the caller (CLI: `HF_TOKEN`; flow: a Prefect Secret block resolved in the flow). It is
never logged, and error messages are scrubbed of it before they are raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Remote files a publish replaces: a re-publish with fewer shards must not leave the old ones behind.
MANAGED_PATTERNS = ["data/**", "assets/**", "refinery/**"]


class UploadError(RuntimeError):
    """The Hub refused or could not be reached; the message never contains the token. `transient`: worth a retry
    (the Hub unreachable or answering 5xx/429), as opposed to a refusal that will repeat (401, 403, 404, 422)."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class UploadResult:
    repo_url: str
    commit_url: str
    commit_oid: str
    files: int


def resolve_token(explicit: str | None = None) -> str:
    """The token to upload with: `explicit` (e.g. from a Prefect Secret) or `HF_TOKEN`; a clear error otherwise."""
    token = explicit or os.environ.get("HF_TOKEN")
    if not token:
        raise UploadError(
            "no Hugging Face token: set HF_TOKEN (a write token from https://huggingface.co/settings/tokens), "
            "pass a Prefect Secret block name to the publish flow (token_secret), or use --local-dir to only "
            "write the repo layout"
        )
    return token


def check_online() -> None:
    """Fail before any work when huggingface_hub is in offline mode, which would refuse every request."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise UploadError("HF_HUB_OFFLINE is set: unset it to upload, or use --local-dir to only write the layout")


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def upload_layout(
    local_dir: Path,
    repo_id: str,
    token: str,
    private: bool = False,
    commit_message: str | None = None,
    endpoint: str | None = None,
) -> UploadResult:
    """Create the dataset repo if needed (private only applies then) and commit `local_dir` to it."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=endpoint, token=token)
    files = sum(1 for p in local_dir.rglob("*") if p.is_file())
    try:
        repo_url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=local_dir,
            commit_message=commit_message or f"Publish with refinery ({files} files)",
            delete_patterns=MANAGED_PATTERNS,
        )
    except HfHubHTTPError as err:
        status = err.response.status_code if err.response is not None else "?"
        hint = " (is the token valid, with write access to this namespace?)" if status in (401, 403) else ""
        message = f"the Hub refused the upload to {repo_id}: HTTP {status}{hint}: {_scrub(str(err), token)}"
        raise UploadError(message, transient=status == 429 or (isinstance(status, int) and status >= 500)) from None
    except Exception as err:  # connection refused, DNS, timeouts (httpx errors are not OSErrors)
        message = f"could not reach the Hub for {repo_id}: {type(err).__name__}: {_scrub(str(err), token)}"
        raise UploadError(message, transient=True) from None
    return UploadResult(str(repo_url), commit.commit_url, commit.oid, files)
