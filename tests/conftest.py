"""Test-wide setup: offline mode, an isolated Prefect home, and the one fixture that finds ../shared/data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before anything imports huggingface_hub or prefect: both read these at import time.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="refinery-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    return Path(os.environ.get("REFINERY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real public files (see SOURCES.tsv there). Override the location with REFINERY_SHARED_DATA."""
    path = _shared_data_dir()
    if not (path / "SOURCES.tsv").is_file():
        pytest.fail(f"shared test data not found at {path}; set REFINERY_SHARED_DATA to the folder with SOURCES.tsv")
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (about 9 s to start); flows under test talk to it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
