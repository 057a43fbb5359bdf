"""Check a teacher's answer: math-verify, GSM8K `#### N`, exact and regex match, a user callable, an LLM judge.

Each check turns (answer, reference, question) into a `Verdict`: passed or not, why, and what was compared. The
LLM judge is not here: it needs teacher requests, so the runner asks the judge and hands the score to
`judge_verdict`; everything else is a plain function of its inputs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas.distill import VerifyConfig
from stages.distill.math_worker import shared_verifier


@dataclass(frozen=True)
class Verdict:
    passed: bool | None  # None: not verified (method none)
    reason: str  # correct, wrong_answer, no_answer_found, unverified, verifier_error, ...
    extracted: str | None = None  # the answer as the check read it
    expected: str | None = None  # the reference as the check read it
    score: float | None = None


Checker = Callable[[str, str | None, str], Verdict]

_GSM8K_REF = re.compile(r"####\s*(.+?)\s*$", re.MULTILINE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_SCORE = re.compile(r"SCORE\s*[:=]\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), with nested braces balanced."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth, begin = 1, i
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[begin:i].strip()
        i += 1
    return None  # unbalanced: the reply was cut off inside the box


def _number(text: str) -> float | None:
    cleaned = text.replace("$", "").replace("\\!", "").replace("{,}", ",")
    found = _NUMBER.findall(cleaned)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


def gsm8k_reference(reference: str) -> str | None:
    match = _GSM8K_REF.search(reference)
    return match[1] if match else None


def check_gsm8k(answer: str, reference: str | None, question: str = "") -> Verdict:
    """The number after `####` in the reference against the answer's boxed value, `#### N`, or last number."""
    if reference is None:
        return Verdict(False, "no_reference")
    expected_text = gsm8k_reference(reference) or reference
    expected = _number(expected_text)
    if expected is None:
        return Verdict(False, "reference_not_a_number", expected=expected_text)
    candidate = last_boxed(answer) or gsm8k_reference(answer) or answer
    got = _number(candidate)
    if got is None:
        return Verdict(False, "no_answer_found", expected=expected_text)
    passed = abs(got - expected) <= 1e-6 * max(1.0, abs(expected))
    return Verdict(passed, "correct" if passed else "wrong_answer", f"{got:g}", f"{expected:g}")


def check_math(answer: str, reference: str | None, question: str = "") -> Verdict:
    """math-verify: the reference (GSM8K's `#### N` part, or the whole, as LaTeX) against the answer's final
    expression (math-verify prefers the last \\boxed{}). It runs in a child process with a deadline
    (`math_worker`), so an answer sympy cannot finish evaluating is rejected as `verifier_timeout` instead of
    stopping the run."""
    if reference is None:
        return Verdict(False, "no_reference")
    gold_text = gsm8k_reference(reference) or reference
    if "$" not in gold_text and "\\boxed" not in gold_text:
        gold_text = f"${gold_text}$"  # a bare reference such as `\frac{1}{2}` or `72` parses as LaTeX this way
    reason, extracted, expected = shared_verifier().check(gold_text, answer)
    return Verdict(reason == "correct", reason, extracted, expected)


def _fold(text: str) -> str:
    return " ".join(text.strip().strip(".").casefold().split())


def check_exact(answer: str, reference: str | None, question: str = "") -> Verdict:
    """The boxed answer (or the whole answer) equals the reference (or its `####` part) after folding."""
    if reference is None:
        return Verdict(False, "no_reference")
    expected = _fold(gsm8k_reference(reference) or reference)
    got = _fold(last_boxed(answer) or answer)
    passed = got == expected
    return Verdict(passed, "correct" if passed else "wrong_answer", got[:200], expected[:200])


def make_regex_check(pattern: str) -> Checker:
    compiled = re.compile(pattern, re.MULTILINE)

    def check_regex(answer: str, reference: str | None, question: str = "") -> Verdict:
        matches = list(compiled.finditer(answer))
        if not matches:
            return Verdict(False, "no_regex_match")
        last = matches[-1]
        got = last[1] if compiled.groups else last[0]
        if reference is None:
            return Verdict(True, "regex_matched", got)
        expected = gsm8k_reference(reference) or reference
        passed = _fold(got or "") == _fold(expected)
        return Verdict(passed, "correct" if passed else "wrong_answer", got, expected)

    return check_regex


def load_callable(spec: str) -> Callable[..., Any]:
    """`package.module:function` -> the function; errors name what is missing."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"verify.callable: cannot import module {module_name!r}: {err}") from err
    function = getattr(module, attr, None)
    if not callable(function):
        raise ValueError(f"verify.callable: {module_name!r} has no function {attr!r}")
    return function


def make_callable_check(spec: str) -> Checker:
    function = load_callable(spec)

    def check_callable(answer: str, reference: str | None, question: str = "") -> Verdict:
        try:
            result = function(answer, reference, question)
        except Exception as err:  # the user's code failing on one sample rejects that sample, not the run
            return Verdict(False, "verifier_error", extracted=f"{type(err).__name__}: {err}"[:200])
        if isinstance(result, tuple) and len(result) == 2:
            passed, why = bool(result[0]), str(result[1])
            return Verdict(passed, why or ("correct" if passed else "wrong_answer"))
        if isinstance(result, bool):
            return Verdict(result, "correct" if result else "wrong_answer")
        if isinstance(result, int | float):
            return Verdict(result >= 0.5, "correct" if result >= 0.5 else "wrong_answer", score=float(result))
        return Verdict(False, "verifier_error", extracted=f"callable returned {type(result).__name__}")

    return check_callable


def check_none(answer: str, reference: str | None, question: str = "") -> Verdict:
    return Verdict(None, "unverified")


def resolve_method(config: VerifyConfig, reference: str | None, task: str) -> str:
    """`auto` -> a concrete method for one prompt, from its reference."""
    if config.method != "auto":
        return config.method
    if reference is not None and gsm8k_reference(reference) is not None:
        return "gsm8k"
    if reference is not None and (last_boxed(reference) is not None or _looks_like_a_final_answer(reference)):
        return "math"
    # No reference, or prose (an SFT reply): nothing to compare mechanically. Preference pairs need a contrast,
    # so the judge scores them; reasoning samples are kept unverified rather than paying for a judge unasked.
    return "judge" if task == "preference" else "none"


def _looks_like_a_final_answer(reference: str) -> bool:
    """A short one-line reference (`72`, `\\frac{1}{2}`, `(3, \\pi/2)`), as math datasets give, not a reply."""
    text = reference.strip()
    return 0 < len(text) <= 60 and "\n" not in text and len(text.split()) <= 6


def checker_for(method: str, config: VerifyConfig) -> Checker:
    """The plain-function checker of a method (not `judge`: the runner drives the judge)."""
    if method == "math":
        return check_math
    if method == "gsm8k":
        return check_gsm8k
    if method == "exact":
        return check_exact
    if method == "regex":
        return make_regex_check(config.regex or "")
    if method == "callable":
        return make_callable_check(config.callable or "")
    if method == "none":
        return check_none
    raise ValueError(f"verify.method {method!r} has no plain checker")


def judge_score(reply: str | None) -> float | None:
    """The judge's 0-10 score: the last `SCORE: N` line, else a JSON-ish `"score": N`."""
    if not reply:
        return None
    found = _SCORE.findall(reply) or re.findall(r'"score"\s*:\s*(\d+(?:\.\d+)?)', reply)
    if not found:
        return None
    return min(10.0, float(found[-1]))


def judge_verdict(reply: str | None, pass_score: float) -> Verdict:
    score = judge_score(reply)
    if score is None:
        return Verdict(False, "judge_unparsable", extracted=(reply or "")[-200:])
    passed = score >= pass_score
    return Verdict(passed, "correct" if passed else "judged_wrong", score=score)
