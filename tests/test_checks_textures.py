"""Lesson 2's checks catch the usual mistakes in circular padding, the sliced Wasserstein
distance and the seam ratio."""

import numpy as np
import pytest
import tensorflow as tf

from gan_course import checks


def good_pad(x, pad):
    x = tf.concat([x[:, -pad:], x, x[:, :pad]], axis=1)
    return tf.concat([x[:, :, -pad:], x, x[:, :, :pad]], axis=2)


def test_a_learners_circular_pad_passes():
    assert checks.circular_pad(good_pad, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda x, p: tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), "zero padding"),
    (lambda x, p: tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT"), "reflection"),
    (lambda x, p: tf.concat([x[:, :p], x, x[:, -p:]], axis=1), "shape"),  # height only, swapped
    (lambda x, p: tf.concat([tf.concat([x[:, :p], x, x[:, -p:]], axis=1)[:, :, :p],
                             tf.concat([x[:, :p], x, x[:, -p:]], axis=1),
                             tf.concat([x[:, :p], x, x[:, -p:]], axis=1)[:, :, -p:]], axis=2),
     "sides are swapped"),
    (lambda x, p: tf.concat([x[:, :, -p:], x, x[:, :, :p]], axis=2), "returned shape"),
])
def test_circular_pad_names_the_mistake(wrong, problem):
    result = checks.circular_pad(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def good_swd(a, b, directions):
    return np.mean(np.abs(np.sort(a @ directions, axis=0) - np.sort(b @ directions, axis=0)))


def test_a_learners_sliced_wasserstein_passes():
    assert checks.sliced_wasserstein(good_swd, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda a, b, d: np.mean(np.abs(a @ d - b @ d)), "sort each set's projections"),
    (lambda a, b, d: np.mean(np.abs(np.sort(a @ d, axis=1) - np.sort(b @ d, axis=1))),
     "axis 0"),
    (lambda a, b, d: np.mean((np.sort(a @ d, axis=0) - np.sort(b @ d, axis=0)) ** 2),
     "not squares"),
    (lambda a, b, d: np.sum(np.abs(np.sort(a @ d, axis=0) - np.sort(b @ d, axis=0))),
     "a sum where the mean belongs"),
    (lambda a, b, d: np.mean(np.abs(np.sort(a.T @ d, axis=0) - np.sort(b.T @ d, axis=0))),
     "raised ValueError"),  # the points projected on the wrong side
])
def test_sliced_wasserstein_names_the_mistake(wrong, problem):
    result = checks.sliced_wasserstein(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def good_seam(image):
    x = np.asarray(image, np.float64)
    wrap = (np.abs(x[:, 0] - x[:, -1]).mean() + np.abs(x[0] - x[-1]).mean()) / 2
    inside = (np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=0)).mean()) / 2
    return wrap / inside


def test_a_learners_seam_ratio_passes():
    assert checks.seam_ratio(good_seam, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda x: np.abs(x[:, 0] - x[:, -1]).mean() / np.abs(np.diff(x, axis=1)).mean(),
     "seam runs both ways"),
    (lambda x: 1.0 / good_seam(x), "upside down"),
    (lambda x: ((np.abs(x[:, 0] - x[:, 1]).mean() + np.abs(x[0] - x[1]).mean()) / 2)
     / ((np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=0)).mean()) / 2),
     "the *last* column"),
    (lambda x: ((np.abs(x[:, 0] - x[:, -1]).mean() + np.abs(x[0] - x[-1]).mean()) / 2),
     "expected"),  # the seam alone, not a ratio
])
def test_seam_ratio_names_the_mistake(wrong, problem):
    result = checks.seam_ratio(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def one_side_wrong(side):
    """A torus padding with one side taken from the wrong edge."""
    def pad(x, p):
        top, bottom = (x[:, :p], x[:, :p]) if side == "top" else (x[:, -p:], x[:, :p])
        if side == "bottom":
            bottom = x[:, -p:]
        x = tf.concat([top, x, bottom], axis=1)
        left, right = x[:, :, -p:], (x[:, :, -p:] if side == "right" else x[:, :, :p])
        return tf.concat([left, x, right], axis=2)
    return pad


@pytest.mark.parametrize("side, words", [
    ("top", "the rows added above the image"),
    ("bottom", "the rows added below the image"),
    ("right", "the columns added on the right"),
])
def test_circular_pad_names_the_one_wrong_side(side, words):
    result = checks.circular_pad(one_side_wrong(side), quiet=True)
    assert not result.passed and words in result.message, result.message


def test_circular_pad_with_only_the_corners_wrong_is_told_to_pad_the_padded_result():
    def corners_wrong(x, p):
        rows = tf.concat([x[:, -p:], x, x[:, :p]], axis=1)
        sides = tf.concat([x[:, :, -p:], x, x[:, :, :p]], axis=2)
        zeros = tf.zeros_like(sides[:, :p])
        out = tf.concat([zeros, sides, zeros], axis=1)
        # the right top and bottom bands back, with zeros in their corners
        band = tf.pad(rows[:, :p], [[0, 0], [0, 0], [p, p], [0, 0]])
        low = tf.pad(rows[:, -p:], [[0, 0], [0, 0], [p, p], [0, 0]])
        return tf.concat([band, out[:, p:-p], low], axis=1)

    result = checks.circular_pad(corners_wrong, quiet=True)
    assert not result.passed and "only the corners" in result.message, result.message


def test_padding_the_height_only_is_named():
    result = checks.circular_pad(lambda x, p: tf.concat([x[:, -p:], x, x[:, :p]], axis=1),
                                 quiet=True)
    assert not result.passed and "only the height is padded" in result.message, result.message
