"""The persistent request cache: every completed teacher response, keyed by `TeacherRequest.cache_key`.

SQLite in WAL mode, committed after each response, so a run killed at any moment (SIGKILL included) keeps every
response it had received, and a rerun serves them from here instead of sending (and paying for) them again. Only
successful responses are stored: a failed request is retried by the next run.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


class RequestCache:
    """Key -> response fields (a JSON object). One connection, used by one thread at a time."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: the client opens the cache in the caller's thread and uses it from its engine
        # thread; never from two threads at once.
        self._db = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a process kill
        self._db.execute(_SCHEMA)

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The stored responses among `keys` (at most a few hundred: one query, one bound variable each)."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(f"SELECT key, response FROM responses WHERE key IN ({marks})", keys).fetchall()
        return {key: json.loads(response) for key, response in rows}

    def put(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Store one response and commit it (autocommit mode: each statement is its own transaction)."""
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, model, response, created_at) VALUES (?, ?, ?, ?)",
            (key, model, json.dumps(response, ensure_ascii=False), time.time()),
        )

    def put_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Store (key, model, response) items in one transaction (a group commit)."""
        now = time.time()
        rows = [(key, model, json.dumps(response, ensure_ascii=False), now) for key, model, response in items]
        with self._db:  # BEGIN ... COMMIT
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO responses (key, model, response, created_at) VALUES (?, ?, ?, ?)", rows
            )

    def __contains__(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM responses WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()
