"""Lesson 4's checks catch the usual mistakes in AdaIN, the Laplacian pyramid and its fold, and
the Gram matrix."""

import pytest
import tensorflow as tf

from gan_course import checks
from gan_course.image_ops import pyramid_down, pyramid_up


def stats(x, axes=(1, 2)):
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    return mean, tf.sqrt(tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True) + 1e-5)


def good_adain(content, style, eps=1e-5):
    (c_mean, c_std), (s_mean, s_std) = stats(content), stats(style)
    return s_std * (content - c_mean) / c_std + s_mean


def test_a_learners_adain_passes():
    assert checks.adain(good_adain, quiet=True).passed


def on_axes(axes):
    def adain(content, style, eps=1e-5):
        (c_mean, c_std), (s_mean, s_std) = stats(content, axes), stats(style, axes)
        return s_std * (content - c_mean) / c_std + s_mean
    return adain


@pytest.mark.parametrize("wrong, problem", [
    (on_axes((0, 1, 2)), "per sample"),
    (on_axes((1, 2, 3)), "per channel"),
    (lambda c, s, eps=1e-5: stats(c)[1] * (c - stats(s)[0]) / stats(s)[1] + stats(c)[0],
     "swapped"),
    (lambda c, s, eps=1e-5: (c - stats(c)[0]) / stats(c)[1], "style's statistics are missing"),
    (lambda c, s, eps=1e-5: stats(s)[1] ** 2 * (c - stats(c)[0]) / stats(c)[1] ** 2
     + stats(s)[0], "not the variance"),
])
def test_adain_names_the_mistake(wrong, problem):
    result = checks.adain(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def good_pyramid(images, levels):
    current, pyramid = images, []
    for _ in range(levels - 1):
        coarser = pyramid_down(current)
        pyramid.append(current - pyramid_up(coarser, tf.shape(current)[1:3]))
        current = coarser
    return pyramid + [current]


def good_fold(pyramid):
    current = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        current = band + pyramid_up(current, tf.shape(band)[1:3])
    return current


def test_a_learners_pyramid_and_fold_pass():
    result = checks.laplacian_pyramid(good_pyramid, good_fold, quiet=True)
    assert result.passed and "fold" in result.message


@pytest.mark.parametrize("wrong, problem", [
    (lambda images, levels: good_pyramid(images, levels)[::-1], "coarsest first"),
    (lambda images, levels: [-level for level in good_pyramid(images, levels)[:-1]]
     + good_pyramid(images, levels)[-1:], "sign is flipped"),
    (lambda images, levels: good_pyramid(images, levels + 1), "levels"),
    (lambda images, levels: good_pyramid(images, levels)[:-1]
     + [good_pyramid(images, levels + 1)[levels - 1]], "low-pass residual"),
])
def test_laplacian_pyramid_names_the_mistake(wrong, problem):
    result = checks.laplacian_pyramid(wrong, good_fold, quiet=True)
    assert not result.passed and problem in result.message, result.message


def unsized_band(images, levels):
    """Subtracting the coarser level without upsampling it first."""
    current, pyramid = images, []
    for _ in range(levels - 1):
        coarser = pyramid_down(current)
        pyramid.append(current - coarser)
        current = coarser
    return pyramid + [current]


def test_a_band_without_upsampling_is_reported_with_the_fix():
    result = checks.laplacian_pyramid(unsized_band, quiet=True)
    assert not result.passed and "raised" in result.message
    assert "one is a level coarser than the other" in result.message, result.message


@pytest.mark.parametrize("wrong_fold, problem", [
    (lambda pyramid: pyramid[0], "does not give the images back"),
    (lambda pyramid: good_fold(pyramid[::-1]), "returned shape"),
    (lambda pyramid: good_fold(pyramid) * 1.01, "does not give the images back"),
])
def test_the_fold_is_checked_too(wrong_fold, problem):
    result = checks.laplacian_pyramid(good_pyramid, wrong_fold, quiet=True)
    assert not result.passed and "the pyramid matches, but" in result.message
    assert problem in result.message, result.message


def good_gram(features):
    n, h, w, c = features.shape
    flat = tf.reshape(features, (n, h * w, c))
    return tf.matmul(flat, flat, transpose_a=True) / (h * w)


def test_a_learners_gram_matrix_passes():
    assert checks.gram_matrix(good_gram, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda f: good_gram(f) * f.shape[1] * f.shape[2], "divide by the number of positions"),
    (lambda f: good_gram(f) / f.shape[3], "not H * W * C"),
    (lambda f: good_gram(f - tf.reduce_mean(f, axis=(1, 2), keepdims=True)), "not centred"),
    (lambda f: tf.matmul(tf.reshape(f, (f.shape[0], -1, f.shape[3])),
                         tf.reshape(f, (f.shape[0], -1, f.shape[3])), transpose_b=True),
     "returned shape"),
])
def test_gram_matrix_names_the_mistake(wrong, problem):
    result = checks.gram_matrix(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def test_adain_without_keepdims_is_told_which_axes_and_keepdims():
    def no_keepdims(content, style, eps=1e-5):
        mean = tf.reduce_mean(content, axis=(1, 2))  # the mistake: (N, C), not (N, 1, 1, C)
        return content - mean + style[:, :1, :1] * 0.0

    result = checks.adain(no_keepdims, quiet=True)
    assert not result.passed
    assert "with axis 1 and 2 reduced away" in result.message, result.message
    assert "keepdims=True" in result.message
