"""gan_course.checks as a whole: every check passes the course's own function and fails, with a
clear one-line message and without raising, a function that ignores its input, one that is 1 %
off, one that raises, one not written yet, and results of the wrong kind."""

import numpy as np
import pytest

from gan_course import checks
from gan_course.checks.core import FAIL, PASS, CheckResult, Failure, compare_arrays
from gan_course.image_ops import fold_laplacian_pyramid


def _scaled(value, factor):
    """``value`` times ``factor``: arrays, tensors, and lists or tuples of them."""
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return np.asarray(value) * factor


def times_1_01(reference):
    return lambda *args, **kwargs: _scaled(reference(*args, **kwargs), 1.01)


def ignores_its_input(reference):
    """Right on the first call; after that, the first answer again whatever the input."""
    first = []

    def fn(*args, **kwargs):
        if not first:
            first.append(reference(*args, **kwargs))
        return first[0]
    return fn


def raises(*args, **kwargs):
    raise ValueError("shapes (4, 1) and (3,) do not fit")


def not_written(*args, **kwargs):
    raise NotImplementedError


@pytest.fixture(params=checks.NAMES)
def name(request):
    return request.param


def test_every_check_passes_the_courses_own_function(name, capsys):
    result = getattr(checks, name)(checks.reference(name))
    assert isinstance(result, CheckResult) and result.passed, result.message
    line = capsys.readouterr().out.strip()
    assert line == result.message and line.startswith(f"{PASS} {name}: matches"), line
    assert "\n" not in line


def test_laplacian_pyramid_also_checks_its_fold():
    result = checks.laplacian_pyramid(checks.reference("laplacian_pyramid"),
                                      fold_laplacian_pyramid, quiet=True)
    assert result.passed and "fold gives the images back" in result.message


@pytest.mark.parametrize("wrong, words", [
    (times_1_01, ("expected", "got")),
    (ignores_its_input, ()),
])
def test_every_check_fails_a_near_miss_and_an_answer_that_ignores_its_input(name, wrong, words,
                                                                            capsys):
    result = getattr(checks, name)(wrong(checks.reference(name)))
    assert not result.passed
    line = capsys.readouterr().out.strip()
    assert line == result.message and line.startswith(f"{FAIL} {name}: on "), line
    assert "Hint:" in line
    assert all(word in line for word in words), line


def test_every_check_reports_a_function_that_raises(name):
    result = getattr(checks, name)(raises, quiet=True)
    assert not result.passed
    assert "raised ValueError: shapes (4, 1) and (3,) do not fit" in result.message
    assert "Hint:" in result.message


def test_every_check_says_a_stub_is_not_written_yet(name):
    result = getattr(checks, name)(not_written, quiet=True)
    assert not result.passed and "not written yet" in result.message


@pytest.mark.parametrize("returned, words", [
    (None, "returned None"),
    ("0.5", "returned"),
    ((1.0, 2.0), "returned"),
])
def test_a_result_of_the_wrong_kind_is_reported_not_raised(returned, words):
    for name in ("ns_d_loss", "circular_pad", "slerp", "receptive_field", "laplacian_pyramid"):
        result = getattr(checks, name)(lambda *a, **k: returned, quiet=True)
        assert not result.passed and words in result.message, (name, result.message)


def test_a_result_of_the_wrong_shape_or_dtype_names_both():
    result = checks.ns_g_loss(lambda logits: np.zeros(3, np.float32), quiet=True)
    assert "returned shape (3,), expected ()" in result.message
    result = checks.circular_pad(lambda x, pad: np.zeros((1, 2), np.float32), quiet=True)
    assert "returned shape (1, 2)" in result.message
    result = checks.pixel_norm(lambda x, eps=1e-8: np.ones(np.shape(x), bool), quiet=True)
    assert "expected floats" in result.message
    result = checks.ns_d_loss(lambda r, f: np.float32("nan"), quiet=True)
    assert "NaN" in result.message


def test_only_a_function_that_is_not_callable_raises(name):
    with pytest.raises(TypeError, match=f"checks.{name} takes your function"):
        getattr(checks, name)(0.5)


def test_use_goes_on_with_the_learners_function_only_when_it_passed(capsys):
    def mine(real_logits, fake_logits):
        return checks.reference("ns_d_loss")(real_logits, fake_logits)

    assert checks.ns_d_loss(mine).use() is mine
    assert "goes on with your ns_d_loss" in capsys.readouterr().out
    assert checks.ns_d_loss(not_written).use() is checks.reference("ns_d_loss")
    assert "goes on with the course's ns_d_loss" in capsys.readouterr().out


def test_the_learners_inputs_are_copies():
    """A function that edits its input in place harms neither the reference nor later cases."""
    def in_place(z1, z2, t):
        out = checks.reference("slerp")(z1, z2, t)
        z1 /= np.linalg.norm(z1)
        z2[:] = 0.0
        return out

    assert checks.slerp(in_place, quiet=True).passed


def test_reference_names_every_check_and_refuses_others():
    assert set(checks.NAMES) >= {
        "ns_d_loss", "ns_g_loss", "train_step", "circular_pad", "sliced_wasserstein",
        "projection_logit", "receptive_field", "pix2pix_g_loss", "adain", "laplacian_pyramid",
        "gram_matrix", "pixel_norm", "minibatch_stddev", "slerp", "inversion_loss"}
    with pytest.raises(KeyError, match="No check is called 'gram'"):
        checks.reference("gram")


def test_compare_arrays_uses_its_tolerance():
    compare_arrays(np.float32(1.00001), np.float32(1.0))
    with pytest.raises(Failure, match="expected 1, got 1.01"):
        compare_arrays(np.float32(1.01), np.float32(1.0))
