"""Helpers every benchmark script shares: where the real data lives and what machine measured it."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$REFINERY_SHARED_DATA`` or ``../shared/data`` beside the repo (the same rule as tests/conftest.py)."""
    return Path(os.environ.get("REFINERY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data")).resolve()


def cpu_model(default: str = "unknown") -> str:
    """The CPU's model name from /proc/cpuinfo, for the machine line of bench/RESULTS.md."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default
