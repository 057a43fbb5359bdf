"""math-verify in a child process, with a deadline per answer.

sympy can spend unbounded time on an answer such as ``\\boxed{9^{9^{9^{9}}}}`` (comparing it means evaluating the
tower). math-verify bounds that with ``signal.alarm``, which only works on a main thread; Prefect runs tasks in
threads, where the timeouts are off, so one such reply froze the whole run (the evaluation holds the interpreter).
Here parsing and comparison run on the main thread of a child process (``python -m stages.distill.math_worker``,
one JSON line per answer), where math-verify's own timeouts work, and the parent kills the child when even that
does not answer in time (a long computation in C never returns to the signal handler), then starts a fresh child
for the next answer. A plain subprocess rather than ``multiprocessing``: it never re-imports the caller's
``__main__``, which an unguarded user script would not survive.
"""

from __future__ import annotations

import atexit
import json
import queue
import subprocess
import sys
import threading
from typing import IO

#: What one check returns: (reason, extracted answer, expected answer); reason is correct, wrong_answer,
#: no_answer_found, reference_unparsable, verifier_error or verifier_timeout.
MathResult = tuple[str, str | None, str | None]


def check_one(gold_text: str, answer: str, timeout: int) -> MathResult:
    """One check, in this process (the child's side)."""
    from math_verify import parse, verify

    try:
        gold = parse(gold_text, parsing_timeout=timeout)
        pred = parse(answer, parsing_timeout=timeout)
        if not gold:
            return ("reference_unparsable", None, gold_text)
        if not pred:
            return ("no_answer_found", None, str(gold[-1]))
        passed = verify(gold, pred, timeout_seconds=timeout)
        return ("correct" if passed else "wrong_answer", str(pred[-1]), str(gold[-1]))
    except Exception as err:  # sympy can fail on odd input; that is this answer's problem, not the run's
        return ("verifier_error", str(err)[:200], None)


def serve(timeout: int, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    """The child: answer {"gold", "answer"} lines with [reason, extracted, expected] lines until stdin closes."""
    import logging

    import math_verify  # noqa: F401  (imported before "ready", so the parent's startup deadline covers it)

    logging.getLogger("math_verify").setLevel(logging.ERROR)  # its per-timeout warnings would flood the log
    print(json.dumps("ready"), file=stdout, flush=True)
    for line in stdin:
        job = json.loads(line)
        print(json.dumps(check_one(job["gold"], job["answer"], timeout)), file=stdout, flush=True)


class MathVerifier:
    """One child process that checks answers one at a time; thread-safe.

    Args:
        timeout: whole seconds math-verify may spend parsing or comparing, enforced inside the child
            (``signal.alarm`` takes whole seconds; math-verify turns a float into an empty parse).
        deadline: seconds the parent waits for one answer before it kills the child (the answer is then
            ``verifier_timeout``); must exceed what ``timeout`` lets one check take (two parses and a comparison).
        startup_deadline: seconds a new child may take to import math-verify and sympy.
    """

    def __init__(self, timeout: int = 5, deadline: float = 30.0, startup_deadline: float = 120.0) -> None:
        self.timeout, self.deadline, self.startup_deadline = timeout, deadline, startup_deadline
        self._lock = threading.Lock()
        self._child: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()  # the child's stdout, line by line ("" at its end)
        #: Children killed for running past the deadline, over this object's life.
        self.killed = 0

    def check(self, gold_text: str, answer: str) -> MathResult:
        with self._lock:
            child = self._running_child()
            assert child.stdin is not None
            try:
                child.stdin.write(json.dumps({"gold": gold_text, "answer": answer}) + "\n")
                child.stdin.flush()
                reply = self._read_line(self.deadline)
            except (BrokenPipeError, OSError):
                reply = ""
            if reply is None:
                self._stop()
                self.killed += 1
                return ("verifier_timeout", None, None)
            if not reply:  # the child died (e.g. out of memory on a huge number)
                self._stop()
                return ("verifier_error", "math-verify's process exited while checking this answer", None)
            reason, extracted, expected = json.loads(reply)
            return (reason, extracted, expected)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _running_child(self) -> subprocess.Popen[str]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        self._stop()
        child = subprocess.Popen(
            [sys.executable, "-m", "stages.distill.math_worker", str(self.timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lines = queue.Queue()
        # A thread per child reads its replies, so waiting for one can time out on any platform (select() on a
        # pipe is POSIX-only); it ends when the child's stdout closes.
        reader = threading.Thread(target=_pump, args=(child.stdout, self._lines), daemon=True, name="math-verify-out")
        reader.start()
        first = self._read_line(self.startup_deadline)
        if first != json.dumps("ready") + "\n":
            child.kill()
            child.wait()
            why = "exited at start (its error is above)" if first == "" else "did not start"
            raise RuntimeError(f"math-verify's worker process {why} within {self.startup_deadline:.0f} s")
        self._child = child
        return child

    def _read_line(self, deadline: float) -> str | None:
        """The child's next line ("" if it exited), or None when none arrived within ``deadline`` seconds."""
        try:
            return self._lines.get(timeout=deadline)
        except queue.Empty:
            return None

    def _stop(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            if self._child.stdin is not None:
                self._child.stdin.close()  # stdout is closed by its reader thread, which sees it end
        self._child = None


def _pump(stream: IO[str] | None, lines: queue.Queue[str]) -> None:
    """Hand the child's stdout to ``lines`` line by line, then "" when it ends."""
    if stream is not None:
        with stream:
            for line in stream:
                lines.put(line)
    lines.put("")


_shared: MathVerifier | None = None
_shared_lock = threading.Lock()


def shared_verifier() -> MathVerifier:
    """The process-wide verifier, started on first use and stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MathVerifier()
            atexit.register(_shared.close)
        return _shared


if __name__ == "__main__":
    serve(int(sys.argv[1]))
