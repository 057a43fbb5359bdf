"""Docs that match the code: the README's config reference is the generated one, and the Quickstart is two commands."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.config_docs import config_reference

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_config_reference_is_current():
    assert config_reference() in README, "run `python -m pipelines.config_docs --write` and commit README.md"


def test_quickstart_has_exactly_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quickstart, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
