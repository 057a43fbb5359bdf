"""The teacher (or judge) of one distillation run: its client, asked once, then closed for its stats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stages.distill.types import TeacherRequest, TeacherResponse


class Teacher:
    """One client per run and model, closed when done; its stats go to the manifest."""

    def __init__(self, config, cache_path: Path, progress: bool):
        # Looked up at call time: the client loads only when a run starts (tests swap `client.make_teacher`).
        from stages.distill.client import make_teacher

        self.client = make_teacher(config, cache_path)
        self.progress = progress

    def ask(self, requests: list[TeacherRequest]) -> dict[str, TeacherResponse]:
        return {response.request.tag: response for response in self.client.generate(requests, progress=self.progress)}

    def close(self) -> dict[str, Any]:
        stats = self.client.stats.as_dict()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()
        return stats
