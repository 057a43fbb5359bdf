"""When a Prefect task should retry: after crashes and I/O hiccups, not after mistakes that fail the same way again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def retry_unless(*mistakes: type[Exception]) -> Callable[[Any, Any, Any], bool]:
    """A `retry_condition_fn` that retries any failure except the given exception types (bad values, missing files)."""

    def retry(task, task_run, state) -> bool:
        try:
            state.result()
        except mistakes:
            return False
        except Exception:
            return True
        return False

    return retry
