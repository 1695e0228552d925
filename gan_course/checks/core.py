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
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from gan_course import viz
from gan_course.checks import hints

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

    def yours(self, quiet: bool = False) -> Callable | None:
        """The learner's function if it passed, else None (for a hook whose default is the
        course's own code, e.g. ``GAN(custom_step=...)``); prints which (unless ``quiet``)."""
        if not quiet:
            whose = f"your {self.name}" if self.passed else f"the course's own ({self.name} " \
                "did not pass)"
            print(f"  -> this run uses {whose}")
        return self.fn if self.passed else None

    def __bool__(self) -> bool:
        return self.passed


#: The last result of each check in this session, by name (for :func:`compare_with_ours`).
LAST_RESULTS: dict[str, CheckResult] = {}


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


def shape_advice(got: tuple, expected: tuple) -> str:
    """Plain words for the commonest wrong shapes ("" for others): a number per sample where
    one number was expected, and a vector broadcast against a column."""
    if expected == () and len(got) >= 1:
        return (" (one number per sample or pixel: the result is a single number, so reduce "
                "over everything, e.g. tf.reduce_mean(...) with no axis)")
    if len(expected) == 2 and expected[1] == 1 and got == (expected[0], expected[0]):
        return (f" (a vector ({expected[0]},) met a column {expected} and broadcast to a "
                "square: keep the column, e.g. reduce_sum(..., axis=1, keepdims=True))")
    return ""


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
        raise Failure(f"{what} returned shape {array.shape}, expected {expected.shape}"
                      + shape_advice(array.shape, expected.shape))
    if expected.dtype.kind == "f" and array.dtype.kind != "f":
        raise Failure(f"{what} returned dtype {array.dtype}, expected floats ({expected.dtype})")
    if expected.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise Failure(f"{what} returned NaN or infinite values")
    values = array.astype(np.float64)
    if not np.allclose(values, expected.astype(np.float64), rtol=rtol, atol=atol):
        gaps = np.abs(values - expected)
        worst = np.unravel_index(np.argmax(gaps), gaps.shape) if gaps.ndim else ()
        where = (f" at index {tuple(int(i) for i in worst)}: expected "
                 f"{float(expected[worst]):.4g}, got {float(values[worst]):.4g}"
                 if expected.size > 1 else "")
        raise Failure(f"expected {describe(expected)}, got {describe(array)} (largest "
                      f"difference {float(gaps[worst]):.3g}{where}; tolerance {rtol:g} "
                      f"relative + {atol:g})")


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
    result = CheckResult(name, passed, message, fn, reference)
    LAST_RESULTS[name] = result
    return result


def not_written(name: str) -> str:
    """The untouched stub's message: where to start, and how to ask for more."""
    return (f"not written yet (it raises NotImplementedError). Start here: "
            f"{hints.hints_for(name).start} Hint: {hints.ask(name)}.")


def raised(name: str, label: str, error: BaseException) -> str:
    """A message for a function that raised on a case: the error, translated when it is one
    of TensorFlow's raw shape or dtype errors."""
    return (f"on {label} it raised {type(error).__name__}: {_short(error)}. Hint: "
            f"{translate_error(error) or hints.ask(name)}.")


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"-?\d+", text))


def _dropped_axes(longer, shorter) -> list[int] | None:
    """The axes of ``longer`` that, removed, leave ``shorter`` (the first such set), or
    None."""
    if len(shorter) >= len(longer):
        return None
    for kept in itertools.combinations(range(len(longer)), len(shorter)):
        if tuple(longer[i] for i in kept) == tuple(shorter):
            return [i for i in range(len(longer)) if i not in kept]
    return None


def translate_error(error: BaseException) -> str:
    """Plain words for TensorFlow's and NumPy's raw shape and dtype errors (else ""): a shape
    mismatch names the axes a reduction dropped and ``keepdims``; a dtype error says what to
    cast; a missing gradient says where the tape must be."""
    text = " ".join(str(error).split())
    pair = (re.search(r"Incompatible shapes: \[([-\d, ]*)\] vs\. \[([-\d, ]*)\]", text)
            or re.search(r"input shapes: \[([-\d, ?]*)\], \[([-\d, ?]*)\]", text)
            or re.search(r"broadcast together with shapes \(([-\d, ]*)\) \(([-\d, ]*)\)",
                         text))
    if pair:
        a, b = _shape(pair.group(1)), _shape(pair.group(2))
        longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
        dropped = _dropped_axes(longer, shorter)
        if dropped:
            axes = " and ".join(str(i) for i in dropped)
            return (f"shapes {longer} and {shorter} do not broadcast: the second is the first "
                    f"with axis {axes} reduced away. Keep reduced axes as size 1 with "
                    "keepdims=True (keras.ops.mean(x, axis=..., keepdims=True))")
        differ = [i for i, (m, n) in enumerate(zip(a, b, strict=False))
                  if m != n and 1 not in (m, n)]
        if len(a) == len(b) and differ and all(max(a[i], b[i]) == 2 * min(a[i], b[i])
                                               for i in differ):
            axes = " and ".join(str(i) for i in differ)
            return (f"shapes {a} and {b} differ by a factor of 2 on axis {axes}: one is a "
                    "level coarser than the other. Bring it to the finer one's size first "
                    "(pyramid_up(coarser, tf.shape(finer)[1:3]))")
        return (f"shapes {a} and {b} do not broadcast: each axis must be equal or 1. Print "
                "the shapes of your intermediate results to see which one is off")
    sizes = (re.search(r"Matrix size-incompatible: In\[0\]: \[([\d, ]*)\], In\[1\]: "
                       r"\[([\d, ]*)\]", text)
             or re.search(r"In\[0\] mismatch In\[1\] shape: \d+ vs\. \d+: \[([\d, ]*)\] "
                          r"\[([\d, ]*)\]", text))
    if sizes:
        a, b = _shape(sizes.group(1)), _shape(sizes.group(2))
        which = "first" if len(b) == 2 else "second-to-last"
        return (f"a matrix product of {a} and {b}: the first's last size must equal the "
                f"second's {which}. Transpose one (tf.transpose, or transpose_a=True), or "
                "multiply the other way round")
    wanted = re.search(r"expected to be a (\w+) tensor but is a (\w+) tensor", text)
    if wanted:
        return (f"an operation mixes a {wanted.group(1)} tensor with a {wanted.group(2)} one "
                "(tf.size and tf.shape give ints): cast first, e.g. "
                f"tf.cast(n, tf.{wanted.group(1)})")
    mixed = re.search(r"must have the same dtype, got tf\.(\w+) != tf\.(\w+)", text)
    if mixed:
        return (f"an operation mixes {mixed.group(1)} and {mixed.group(2)} (tf.size and "
                "tf.shape give ints): cast the int first, e.g. tf.cast(n, tf.float32)")
    attr = re.search(r"Value for attr 'T' of (\w+) is not in the list of allowed values.*?"
                     r"\{\{node (\w+)\}\}", text)
    if attr:
        return (f"{attr.group(2)} needs floats and got {attr.group(1)} (tf.size and tf.shape "
                "give ints): cast first, e.g. tf.cast(n, tf.float32)")
    if "Unknown variable" in text:
        return ("an optimizer was handed variables it does not know: each optimizer updates "
                "its own player, so apply G's gradients with g_optimizer and D's with "
                "d_optimizer")
    concat = re.search(r"ConcatOp : Dimension (\d+) in both shapes must be equal", text)
    if concat:
        return (f"tf.concat joins along one axis, and every other axis must match (axis "
                f"{concat.group(1)} does not): slice and concatenate along the same axis")
    if "No gradients provided" in text:
        return ("the optimizer received no gradients: the loss was not computed from these "
                "variables inside the tape. Compute G(z) and the logits inside the "
                "`with tf.GradientTape()` block whose gradient you take")
    return ""


def compare_with_ours(*names: str, reveal: bool = False):
    """The course's code for the exercises ``names``, once your check of each has passed in
    this session (or at once with ``reveal=True``); else one line per exercise saying where
    the code lives. Returns an IPython ``Code`` display, or None."""
    shown, waiting = [], []
    for name in names:
        functions = hints.our_functions(name)
        result = LAST_RESULTS.get(name)
        if reveal or (result is not None and result.passed):
            shown.extend(functions)
        else:
            where = ", ".join(f"{f.__module__}.{f.__qualname__}" for f in functions)
            waiting.append(f"The course's {name} ({where}) shows here once checks.{name} "
                           f"passes; to see it now: checks.compare_with_ours({name!r}, "
                           "reveal=True).")
    for line in waiting:
        print(line)
    return viz.show_source(*shown) if shown else None


def check_callable(fn, name: str) -> None:
    """``TypeError`` unless ``fn`` is a function (the one error a check raises)."""
    if not callable(fn):
        raise TypeError(f"checks.{name} takes your function itself, e.g. checks.{name}({name}), "
                        f"not {type(fn).__name__} (did you call it, {name}(...), by mistake?)")


def run_cases(name: str, fn, reference, cases: Sequence[Case], *,
              mistakes: Sequence[Mistake] = (), rtol: float = RTOL, atol: float = ATOL,
              compare: Callable | None = None, summary: str = "", tensors: bool = False,
              explain: Callable | None = None, graph: bool = False,
              quiet: bool = False) -> CheckResult:
    """Run ``fn`` and ``reference`` on every case and report the first that differs.

    ``compare(got, expected)`` raises :class:`Failure` when they differ (default:
    :func:`compare_arrays` with ``rtol``, ``atol``). A difference is diagnosed by the first
    ``mistake`` it reproduces, else by ``explain(case, got, expected) -> str`` (when given and it
    finds words), else the message says how to ask for a hint (:mod:`.hints`). ``summary``
    says what passing means ("within 1e-4 relative"). ``tensors``: hand NumPy inputs over as
    TensorFlow tensors. ``graph``: a passing ``fn`` must also run inside ``tf.function``, as a
    training step or a model calls it.
    """
    check_callable(fn, name)
    compare = compare or (lambda got, expected: compare_arrays(got, expected, rtol, atol))
    for case in cases:
        expected = call(reference, case, tensors)
        try:
            got = call(fn, case, tensors)
        except NotImplementedError:
            return report(name, False, not_written(name), fn, reference, quiet)
        except Exception as error:
            return report(name, False, raised(name, case.label, error), fn, reference, quiet)
        try:
            compare(got, expected)
        except Failure as failure:
            advice = (diagnose(mistakes, case, got, compare, tensors)
                      or (explain(case, got, expected) if explain else "") or hints.ask(name))
            return report(name, False, f"on {case.label}, {failure}. Hint: {advice}", fn,
                          reference, quiet)
    problem = graph_problem(fn, cases[0]) if graph else ""
    if problem:
        return report(name, False, problem, fn, reference, quiet)
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
                "Hint: use TensorFlow ops (tf.reduce_mean, tf.nn.softplus ...), not NumPy: "
                "NumPy cannot read the symbolic tensors a graph passes")
    return ""


def _short(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def tolerance_text(rtol: float = RTOL, atol: float = ATOL) -> str:
    return f"within {rtol:g} relative + {atol:g}"
