"""The machinery behind every "your turn" check: run the learner's function and the course's on
the same cases, compare, and say what went wrong in one line.

A check never raises because the learner's answer is wrong: an exception inside it, a result of
the wrong shape, dtype or value, NaN, or a function still raising ``NotImplementedError`` all
become a failed :class:`CheckResult` whose message names the case, what was expected, what came
back and, when the result matches a known mistake, a hint aimed at it. Only a ``fn`` that is not
callable raises (``TypeError``): that is a slip in the cell, not in the answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

#: Default tolerances: float32 arithmetic done in another order differs by about 1e-6 relative;
#: a result 1 % off (the classic "times 1.01") is far outside.
RTOL, ATOL = 1e-4, 1e-5
PASS, FAIL = "\u2713", "\u2717"  # check mark, ballot x


@dataclass(frozen=True)
class CheckResult:
    """What a check found: ``passed``, the one-line ``message`` it printed, the learner's
    function ``fn`` and the course's ``reference``. :meth:`use` picks the one to go on with."""

    name: str
    passed: bool
    message: str
    fn: Callable = field(repr=False)
    reference: Callable = field(repr=False)

    def use(self, quiet: bool = False) -> Callable:
        """The learner's function if it passed, else the course's; prints which (unless
        ``quiet``), so a lesson run with the exercise skipped still finishes."""
        chosen = self.fn if self.passed else self.reference
        if not quiet:
            whose = "your" if self.passed else "the course's"
            print(f"  -> the lesson goes on with {whose} {self.name}")
        return chosen

    def __bool__(self) -> bool:
        return self.passed


@dataclass(frozen=True)
class Case:
    """One set of inputs: ``label`` says what it is in a failure message ("batch of 4 logits")."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer, as a function of the same inputs, and the hint it deserves."""

    fn: Callable
    hint: str


class Failure(Exception):
    """Raised inside a comparison: the case failed, ``str(error)`` says how."""


def to_array(value, what: str = "it") -> np.ndarray:
    """A learner's result as a NumPy array, or :class:`Failure` saying why it is not one."""
    if value is None:
        raise Failure(f"{what} returned None (is a `return` missing?)")
    if isinstance(value, (tuple, list, dict, set)):
        raise Failure(f"{what} returned a {type(value).__name__} where one array was expected")
    try:
        array = np.asarray(value)
    except Exception as error:  # a symbolic tensor, an object NumPy cannot read
        raise Failure(f"{what} returned {type(value).__name__}, which is not an array "
                      f"({type(error).__name__})") from None
    if array.dtype.kind not in "fiub":
        raise Failure(f"{what} returned {type(value).__name__} of dtype {array.dtype}, which is "
                      "not a number or an array of numbers")
    return array


def describe(array: np.ndarray) -> str:
    """A short picture of an array for a message: the number, or its shape and first values."""
    array = np.asarray(array)
    if array.size == 1:
        return f"{float(array.ravel()[0]):.6g}"
    head = ", ".join(f"{v:.4g}" for v in array.ravel()[:3].astype(np.float64))
    return f"shape {array.shape}, starting [{head}, ...]"


def compare_arrays(got, expected, rtol: float = RTOL, atol: float = ATOL,
                   what: str = "it") -> None:
    """Raise :class:`Failure` unless ``got`` has ``expected``'s shape, is a finite float (or
    integer, where integers are expected) array, and matches within ``rtol`` and ``atol``."""
    expected = np.asarray(expected)
    array = to_array(got, what)
    if array.shape != expected.shape:
        raise Failure(f"{what} returned shape {array.shape}, expected {expected.shape}")
    if expected.dtype.kind == "f" and array.dtype.kind != "f":
        raise Failure(f"{what} returned dtype {array.dtype}, expected floats ({expected.dtype})")
    if expected.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise Failure(f"{what} returned NaN or infinite values")
    values = array.astype(np.float64)
    if not np.allclose(values, expected.astype(np.float64), rtol=rtol, atol=atol):
        worst = np.max(np.abs(values - expected))
        raise Failure(f"expected {describe(expected)}, got {describe(array)} (largest "
                      f"difference {worst:.3g}, tolerance {rtol:g} relative + {atol:g})")


def _fresh(case: Case) -> tuple[tuple, dict]:
    """Deep copies of a case's inputs, so a function that edits its inputs harms no one else."""
    return copy.deepcopy(case.args), copy.deepcopy(case.kwargs)


def call(fn, case: Case, tensors: bool = False):
    """``fn`` on fresh copies of the case's inputs; with ``tensors``, NumPy arrays become float
    tensors first (as a training step hands them over)."""
    args, kwargs = _fresh(case)
    if tensors:
        args = tuple(tf.constant(a) if isinstance(a, np.ndarray) else a for a in args)
    return fn(*args, **kwargs)


def diagnose(mistakes: Sequence[Mistake], case: Case, got, compare: Callable,
             tensors: bool = False) -> str:
    """The hint of the first known mistake whose result ``got`` reproduces (``compare`` raises
    no :class:`Failure`), else ""."""
    for mistake in mistakes:
        try:
            wrong = call(mistake.fn, case, tensors)
            compare(got, wrong)
        except Exception:  # not this mistake (or one that cannot run on this case)
            continue
        return mistake.hint
    return ""


def report(name: str, passed: bool, detail: str, fn, reference, quiet: bool = False
           ) -> CheckResult:
    """Build the result, print its one line (unless ``quiet``) and return it."""
    message = f"{PASS if passed else FAIL} {name}: {detail}"
    if not quiet:
        print(message)
    return CheckResult(name, passed, message, fn, reference)


def check_callable(fn, name: str) -> None:
    """``TypeError`` unless ``fn`` is a function (the one error a check raises)."""
    if not callable(fn):
        raise TypeError(f"checks.{name} takes your function itself, e.g. checks.{name}({name}), "
                        f"not {type(fn).__name__} (did you call it, {name}(...), by mistake?)")


def run_cases(name: str, fn, reference, cases: Sequence[Case], *, hint: str,
              mistakes: Sequence[Mistake] = (), rtol: float = RTOL, atol: float = ATOL,
              compare: Callable | None = None, summary: str = "", tensors: bool = False,
              quiet: bool = False) -> CheckResult:
    """Run ``fn`` and ``reference`` on every case and report the first that differs.

    ``compare(got, expected)`` raises :class:`Failure` when they differ (default:
    :func:`compare_arrays` with ``rtol``, ``atol``). ``hint`` is the advice when no known
    ``mistake`` matches; ``summary`` says what passing means ("within 1e-4 relative").
    ``tensors``: hand NumPy inputs over as TensorFlow tensors.
    """
    check_callable(fn, name)
    compare = compare or (lambda got, expected: compare_arrays(got, expected, rtol, atol))
    for case in cases:
        expected = call(reference, case, tensors)
        try:
            got = call(fn, case, tensors)
        except NotImplementedError:
            return report(name, False, "not written yet (it raises NotImplementedError). "
                          f"Hint: {hint}", fn, reference, quiet)
        except Exception as error:
            return report(name, False, f"on {case.label} it raised {type(error).__name__}: "
                          f"{_short(error)}. Hint: {hint}", fn, reference, quiet)
        try:
            compare(got, expected)
        except Failure as failure:
            advice = diagnose(mistakes, case, got, compare, tensors) or hint
            return report(name, False, f"on {case.label}, {failure}. Hint: {advice}", fn,
                          reference, quiet)
    return report(name, True, f"matches the course's version on all {len(cases)} cases"
                  f"{', ' + summary if summary else ''}.", fn, reference, quiet)


def graph_problem(fn, case: Case) -> str:
    """"" if ``fn`` also runs inside ``tf.function`` on the case's tensors, else a message: a
    function that training traces into a graph must use TensorFlow ops, and NumPy calls on
    eager tensors pass an eager check but fail there."""
    args = tuple(tf.constant(a) if isinstance(a, np.ndarray) else a for a in case.args)
    try:
        tf.function(fn, reduce_retracing=True)(*args, **case.kwargs)
    except Exception as error:
        return (f"right when called directly, but on {case.label} inside tf.function (as "
                f"training runs it) it raised {type(error).__name__}: {_short(error, 120)}. "
                "Hint: use TensorFlow ops (tf.reduce_mean, tf.nn.softplus ...), not NumPy")
    return ""


def _short(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tolerance_text(rtol: float = RTOL, atol: float = ATOL) -> str:
    return f"within {rtol:g} relative + {atol:g}"
