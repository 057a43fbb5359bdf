"""math-verify in a child process, with a deadline per answer.

sympy can spend unbounded time on an answer such as ``\\boxed{9^{9^{9^{9}}}}`` (comparing it means evaluating the
tower). math-verify bounds that with ``signal.alarm``, which only works on a main thread; Prefect runs tasks in
threads, where the timeouts are off, so one such reply froze the whole run (the evaluation holds the interpreter).
Here parsing and comparison run on the main thread of a child process, where math-verify's own timeouts work, and
the parent kills the child when even that does not answer in time (a long computation in C never returns to the
signal handler), then starts a fresh child for the next answer.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from multiprocessing.connection import Connection

#: What one check returns: (reason, extracted answer, expected answer); reason is correct, wrong_answer,
#: no_answer_found, reference_unparsable, verifier_error or verifier_timeout.
MathResult = tuple[str, str | None, str | None]


def _serve(conn: Connection, timeout: int) -> None:
    """The child: answer (gold_text, answer) jobs until the parent closes the pipe."""
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.ERROR)  # its per-timeout warnings would flood the log
    conn.send("ready")
    while True:
        try:
            gold_text, answer = conn.recv()
        except EOFError:
            return
        result: MathResult
        try:
            gold = parse(gold_text, parsing_timeout=timeout)
            pred = parse(answer, parsing_timeout=timeout)
            if not gold:
                result = ("reference_unparsable", None, gold_text)
            elif not pred:
                result = ("no_answer_found", None, str(gold[-1]))
            else:
                passed = verify(gold, pred, timeout_seconds=timeout)
                result = ("correct" if passed else "wrong_answer", str(pred[-1]), str(gold[-1]))
        except Exception as err:  # sympy can fail on odd input; that is this answer's problem, not the run's
            result = ("verifier_error", str(err)[:200], None)
        conn.send(result)


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
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        #: Children killed for running past the deadline, over this object's life.
        self.killed = 0

    def check(self, gold_text: str, answer: str) -> MathResult:
        with self._lock:
            conn = self._connection()
            conn.send((gold_text, answer))
            if conn.poll(self.deadline):
                try:
                    return conn.recv()
                except EOFError:  # the child died (e.g. out of memory on a huge number)
                    self._stop()
                    return ("verifier_error", "math-verify's process exited while checking this answer", None)
            self._stop()
            self.killed += 1
            return ("verifier_timeout", None, None)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _connection(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop()
        # spawn, not fork: the parent runs Prefect's threads, and a forked child could inherit a held lock.
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.timeout), daemon=True, name="math-verify")
        process.start()
        child.close()
        if not parent.poll(self.startup_deadline) or parent.recv() != "ready":
            process.kill()
            raise RuntimeError(f"math-verify's worker process did not start within {self.startup_deadline:.0f} s")
        self._process, self._conn = process, parent
        return parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.kill()
            self._process.join()
        self._process = self._conn = None


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
