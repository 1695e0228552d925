"""The exercises' words: where to start, hints in three levels given only when asked, the
course's code only after a pass, and raw TensorFlow errors in plain words."""

import numpy as np
import pytest
import tensorflow as tf

from gan_course import checks
from gan_course.checks import core, hints


def not_written(*args, **kwargs):
    raise NotImplementedError


@pytest.fixture(params=checks.NAMES)
def name(request):
    return request.param


def test_every_exercise_has_a_start_three_levels_and_the_courses_code(name):
    words = hints.hints_for(name)
    assert words.start and all(words.levels) and len(words.levels) == 3
    assert all(callable(f) for f in hints.our_functions(name))


def test_the_untouched_stub_says_where_to_start_not_the_formula(name):
    message = getattr(checks, name)(not_written, quiet=True).message
    words = hints.hints_for(name)
    assert "Start here:" in message and f"checks.hint('{name}')" in message, message
    assert words.levels[2] not in message and words.levels[1] not in message


def test_hint_gives_each_level_only_when_asked(name, capsys):
    words = hints.hints_for(name)
    for level in (1, 2, 3):
        checks.hint(name, level)
        out = capsys.readouterr().out
        assert words.levels[level - 1] in out and f"hint {level} of 3" in out
        assert all(words.levels[other - 1] not in out for other in (1, 2, 3) if other != level)


def test_hint_refuses_an_unknown_name_or_level():
    with pytest.raises(KeyError, match="No exercise is called 'gram'"):
        checks.hint("gram")
    with pytest.raises(ValueError, match="use 1 .* 2 .* or 3"):
        checks.hint("slerp", 4)


def test_a_wrong_answer_with_no_known_mistake_points_to_the_hints():
    result = checks.slerp(lambda z1, z2, t: np.zeros((len(t), len(z1))), quiet=True)
    assert not result.passed and "Hint: checks.hint('slerp')" in result.message


def test_compare_with_ours_waits_for_a_pass_or_a_request(capsys):
    core.LAST_RESULTS.pop("gram_matrix", None)
    assert checks.compare_with_ours("gram_matrix") is None
    out = capsys.readouterr().out
    assert "gan_course.models.gatys.gram_matrix" in out and "reveal=True" in out
    checks.gram_matrix(not_written, quiet=True)
    assert checks.compare_with_ours("gram_matrix") is None
    assert "shows here once checks.gram_matrix passes" in capsys.readouterr().out
    shown = checks.compare_with_ours("gram_matrix", reveal=True)
    assert "def gram_matrix" in shown.data
    checks.gram_matrix(checks.reference("gram_matrix"), quiet=True)
    shown = checks.compare_with_ours("gram_matrix")
    assert "def gram_matrix" in shown.data and capsys.readouterr().out == ""


def test_yours_hands_a_hook_the_learners_function_or_none(capsys):
    def mine(real_logits, fake_logits):
        return checks.reference("ns_d_loss")(real_logits, fake_logits)

    assert checks.ns_d_loss(mine, quiet=True).yours() is mine
    assert "this run uses your ns_d_loss" in capsys.readouterr().out
    assert checks.ns_d_loss(not_written, quiet=True).yours() is None
    assert "the course's own" in capsys.readouterr().out


def raw_error(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the point is the raw error
        return error
    raise AssertionError("no error")


@pytest.mark.parametrize("fn, words", [
    (lambda: tf.zeros((2, 4, 4, 3)) - tf.reduce_mean(tf.zeros((2, 4, 4, 3)), axis=(1, 2)),
     "(2, 4, 4, 3) and (2, 3) do not broadcast: the second is the first with axis 1 and 2 "
     "reduced away"),
    (lambda: np.zeros((2, 4, 4, 3)) - np.zeros((2, 4, 4, 3)).mean(axis=(1, 2)),
     "axis 1 and 2 reduced away"),
    (lambda: tf.zeros((2, 3)) + tf.zeros((4, 5)), "each axis must be equal or 1"),
    (lambda: tf.sqrt(tf.size(tf.zeros(3))), "Sqrt needs floats and got int32"),
    (lambda: tf.norm(tf.zeros(3)) - tf.size(tf.zeros(3)), "mixes a float tensor with a int32"),
    (lambda: tf.matmul(tf.zeros((2, 3)), tf.zeros((4, 1))), "a matrix product of (2, 3) and "
                                                            "(4, 1)"),
])
def test_raw_tensorflow_errors_are_translated(fn, words):
    assert words in core.translate_error(raw_error(fn))


def test_an_error_it_does_not_know_is_left_alone():
    assert core.translate_error(ValueError("something else")) == ""


@pytest.mark.parametrize("fn, words", [
    (lambda: tf.matmul(tf.zeros((2, 20, 3)), tf.zeros((2, 20, 3))), "second's second-to-last"),
    (lambda: tf.zeros(3) / tf.constant(2), "mixes float32 and int32"),
    (lambda: tf.concat([tf.zeros((1, 2, 3)), tf.zeros((1, 4, 5))], axis=1),
     "slice and concatenate along the same axis"),
])
def test_more_raw_errors_are_translated(fn, words):
    assert words in core.translate_error(raw_error(fn)), core.translate_error(raw_error(fn))


def test_a_vector_broadcast_against_a_column_is_named():
    def no_keepdims(features, labels, psi_kernel, psi_bias, class_vectors):
        chosen = tf.gather(class_vectors, labels)
        return (tf.matmul(features, psi_kernel) + psi_bias
                + tf.reduce_sum(chosen * features, axis=1))

    result = checks.projection_logit(no_keepdims, quiet=True)
    assert not result.passed and "keepdims=True" in result.message, result.message
