"""Lesson 5's checks catch the usual mistakes in pixel norm, the minibatch standard deviation,
slerp and the inversion loss."""

import numpy as np
import pytest
import tensorflow as tf

from gan_course import checks


def good_pixel_norm(x, eps=1e-8):
    return x / tf.sqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + eps)


def test_a_learners_pixel_norm_passes():
    assert checks.pixel_norm(good_pixel_norm, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda x, eps=1e-8: x / tf.sqrt(tf.reduce_sum(tf.square(x), axis=-1, keepdims=True) + eps),
     "*mean* of the squares"),
    (lambda x, eps=1e-8: x / (tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + eps),
     "square root"),
    (lambda x, eps=1e-8: x / tf.sqrt(tf.reduce_mean(tf.square(x), axis=0, keepdims=True) + eps),
     "not over the batch"),
    (lambda x, eps=1e-8: x / tf.sqrt(tf.reduce_mean(tf.square(x), axis=-1) + eps), "raised"),
])
def test_pixel_norm_names_the_mistake(wrong, problem):
    result = checks.pixel_norm(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def stddev(x, group_size=4, contiguous=False, variance=False, append=True):
    n, h, w, c = x.shape
    g = min(group_size, n)
    if contiguous:
        y = tf.transpose(tf.reshape(x, (n // g, g, h, w, c)), (1, 0, 2, 3, 4))
    else:
        y = tf.reshape(x, (g, n // g, h, w, c))
    var = tf.reduce_mean(tf.square(y - tf.reduce_mean(y, axis=0)), axis=0)
    s = tf.reduce_mean(var if variance else tf.sqrt(var + 1e-8), axis=(1, 2, 3))
    s = tf.repeat(s, g) if contiguous else tf.tile(s, [g])
    maps = tf.tile(tf.reshape(s, (n, 1, 1, 1)), (1, h, w, 1))
    return tf.concat([x, maps], axis=-1) if append else maps


def test_a_learners_minibatch_stddev_passes():
    assert checks.minibatch_stddev(stddev, quiet=True).passed


@pytest.mark.parametrize("options, problem", [
    ({"contiguous": True}, "not with its neighbours"),
    ({"variance": True}, "not the variance"),
    ({"append": False}, "append s to x"),
    ({"group_size": 100}, "groups of"),
])
def test_minibatch_stddev_names_the_mistake(options, problem):
    def wrong(x, group_size=4):
        return stddev(x, **{"group_size": group_size, **options})

    result = checks.minibatch_stddev(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def good_slerp(z1, z2, t):
    theta = np.arccos(np.dot(z1, z2) / (np.linalg.norm(z1) * np.linalg.norm(z2)))
    t = np.asarray(t)[:, None]
    return (np.sin((1 - t) * theta) * z1 + np.sin(t * theta) * z2) / np.sin(theta)


def test_a_learners_slerp_passes():
    assert checks.slerp(good_slerp, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda z1, z2, t: (1 - np.asarray(t)[:, None]) * z1 + np.asarray(t)[:, None] * z2,
     "that is lerp"),
    (lambda z1, z2, t: good_slerp(z2, z1, t), "t = 0 must give z1"),
    (lambda z1, z2, t: good_slerp(z1, z2, t)[::-1], "Hint: checks.hint('slerp')"),
    (lambda z1, z2, t: good_slerp(z1, z2, t).T, "returned shape"),
])
def test_slerp_names_the_mistake(wrong, problem):
    result = checks.slerp(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def test_slerp_with_the_angle_of_unnormalised_latents_is_told_the_formula():
    def wrong(z1, z2, t):
        theta = np.arccos(np.clip(np.dot(z1, z2), -1, 1))
        t = np.asarray(t)[:, None]
        return (np.sin((1 - t) * theta) * z1 + np.sin(t * theta) * z2) / np.sin(theta)

    result = checks.slerp(wrong, quiet=True)
    assert not result.passed and "z1 . z2 / (|z1| |z2|)" in result.message, result.message


def good_inversion(image, target, z):
    data = tf.keras.losses.MeanAbsoluteError(reduction="sum")(target, image)
    return data + tf.abs(tf.norm(z) - tf.sqrt(tf.cast(tf.size(z), tf.float32)))


def test_a_learners_inversion_loss_passes():
    assert checks.inversion_loss(good_inversion, quiet=True).passed


def prior(z):
    return tf.abs(tf.norm(z) - tf.sqrt(tf.cast(tf.size(z), tf.float32)))


@pytest.mark.parametrize("wrong, problem", [
    (lambda x, y, z: tf.reduce_mean(tf.abs(x - y)) + prior(z), "does not average them"),
    (lambda x, y, z: tf.reduce_sum(tf.abs(x - y)) + prior(z), "the channels are averaged"),
    (lambda x, y, z: tf.reduce_sum(tf.reduce_mean(tf.abs(x - y), axis=-1)), "prior term"),
    (lambda x, y, z: tf.reduce_sum(tf.reduce_mean(tf.abs(x - y), axis=-1))
     + tf.abs(tf.norm(z) - tf.cast(tf.size(z), tf.float32)), "not d"),
    (lambda x, y, z: tf.reduce_sum(tf.reduce_mean(tf.abs(x - y), axis=-1)) + prior(z) ** 2,
     "not a square"),
])
def test_inversion_loss_names_the_mistake(wrong, problem):
    result = checks.inversion_loss(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def test_slerp_on_unit_vectors_is_named():
    def wrong(z1, z2, t):
        return good_slerp(z1 / np.linalg.norm(z1), z2 / np.linalg.norm(z2), t)

    result = checks.slerp(wrong, quiet=True)
    assert not result.passed and "interpolated the unit directions" in result.message


def test_minibatch_stddev_with_repeat_where_tile_belongs_is_named():
    def wrong(x, group_size=4):
        x = tf.convert_to_tensor(x)
        n, h, w, c = x.shape
        g = min(group_size, n)
        y = tf.reshape(x, (g, n // g, h, w, c))
        s = tf.reduce_mean(tf.sqrt(tf.math.reduce_variance(y, axis=0) + 1e-8), axis=(1, 2, 3))
        s = tf.repeat(s, g)  # the mistake: tf.tile(s, [g])
        return tf.concat([x, tf.broadcast_to(s[:, None, None, None], (n, h, w, 1))], axis=-1)

    result = checks.minibatch_stddev(wrong, quiet=True)
    assert not result.passed and "tile the list of s" in result.message, result.message


def test_an_int_under_sqrt_in_the_inversion_loss_is_told_to_cast():
    def wrong(image, target, z):
        data = tf.reduce_sum(tf.reduce_mean(tf.abs(image - target), axis=-1))
        return data + tf.abs(tf.norm(z) - tf.sqrt(tf.size(z)))

    result = checks.inversion_loss(wrong, quiet=True)
    assert not result.passed
    assert "Sqrt needs floats and got int32" in result.message, result.message
    assert "tf.cast(n, tf.float32)" in result.message


def test_a_numpy_pixel_norm_fails_because_the_model_runs_it_in_a_graph():
    def numpy_norm(x, eps=1e-8):
        x = np.asarray(x)
        return x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + eps)

    result = checks.pixel_norm(numpy_norm, quiet=True)
    assert not result.passed and "inside tf.function" in result.message, result.message


def good_steering_loss(logits, start_logits, target_class, keep_weight):
    change = tf.square(logits - start_logits)
    others = tf.one_hot(target_class, logits.shape[-1]) < 0.5
    keep = tf.reduce_mean(tf.boolean_mask(change, others, axis=1), axis=1)
    return -logits[:, target_class] + keep_weight * keep


def test_a_learners_steering_loss_passes():
    assert checks.steering_loss(good_steering_loss, quiet=True).passed


def _keep(logits, start, c, reduce=tf.reduce_mean, power=2, others=True):
    change = tf.abs(logits - start) ** power
    if others:
        change = tf.boolean_mask(change, tf.one_hot(c, logits.shape[-1]) < 0.5, axis=1)
    return reduce(change, axis=1)


@pytest.mark.parametrize("wrong, problem", [
    (lambda x, s, c, w: x[:, c] + w * _keep(x, s, c), "the loss is -l_c"),
    (lambda x, s, c, w: -x[:, c] + w * _keep(x, s, c, others=False),
     "leave the target class out"),
    (lambda x, s, c, w: -x[:, c] + w * _keep(x, s, c, reduce=tf.reduce_sum), "do not sum"),
    (lambda x, s, c, w: -x[:, c] + w * _keep(x, s, c, power=1), "squares each change"),
    (lambda x, s, c, w: -x[:, c], "add the penalty"),
    (lambda x, s, c, w: tf.reduce_mean(-x[:, c] + w * _keep(x, s, c)), "one loss per row"),
])
def test_steering_loss_names_the_mistake(wrong, problem):
    result = checks.steering_loss(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def test_a_learners_truncate_passes_and_its_mistakes_are_named():
    assert checks.truncate(lambda f, m, psi: m + psi * (f - m), quiet=True).passed
    for wrong, problem in [(lambda f, m, psi: psi * f, "towards the mean, not towards zero"),
                           (lambda f, m, psi: m + (1 - psi) * (f - m), "psi = 1 must leave"),
                           (lambda f, m, psi: psi * (f - m), "add the mean back")]:
        result = checks.truncate(wrong, quiet=True)
        assert not result.passed and problem in result.message, result.message
