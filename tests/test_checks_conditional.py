"""Lesson 3's checks catch the usual mistakes in the projection head, the receptive field and
pix2pix's generator loss."""

import pytest
import tensorflow as tf

from gan_course import checks


def good_projection(features, labels, psi_kernel, psi_bias, class_vectors):
    unconditional = tf.matmul(features, psi_kernel) + psi_bias
    return unconditional + tf.reduce_sum(tf.gather(class_vectors, labels) * features, axis=1,
                                         keepdims=True)


def test_a_learners_projection_logit_passes():
    assert checks.projection_logit(good_projection, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda f, y, w, b, v: tf.reduce_sum(tf.gather(v, y) * f, axis=1, keepdims=True),
     "unconditional term"),
    (lambda f, y, w, b, v: tf.matmul(f, w) + b, "projection term"),
    (lambda f, y, w, b, v: good_projection(f, y, w, b, v) - b, "bias"),
    (lambda f, y, w, b, v: tf.matmul(f, w) + b + tf.reduce_sum(tf.gather(v, y) * f),
     "one inner product per sample"),
    (lambda f, y, w, b, v: tf.matmul(f, w) + b + tf.reduce_sum(tf.gather(v, y) * f, axis=1),
     "returned shape"),
    (lambda f, y, w, b, v: tf.matmul(f, w) + b + tf.reduce_sum(
        tf.matmul(f, v, transpose_b=True), axis=1, keepdims=True), "own class vector"),
])
def test_projection_logit_names_the_mistake(wrong, problem):
    result = checks.projection_logit(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def good_receptive_field(layers):
    r, jump = 1, 1
    for kernel, stride in layers:
        r += (kernel - 1) * jump
        jump *= stride
    return r


def test_a_learners_receptive_field_passes():
    assert checks.receptive_field(good_receptive_field, quiet=True).passed


def own_stride(layers):
    r, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        r += (kernel - 1) * jump
    return r


@pytest.mark.parametrize("wrong, problem", [
    (own_stride, "off by one layer"),
    (lambda layers: 1 + sum(k - 1 for k, _ in layers), "strides are missing"),
    (lambda layers: good_receptive_field(layers) - 1, "start at r = 1"),
    (lambda layers: sum(k for k, _ in layers), "adding kernel sizes"),
    (lambda layers: good_receptive_field(layers) + 0.5, "whole number"),
])
def test_receptive_field_names_the_mistake(wrong, problem):
    result = checks.receptive_field(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def bce_real(logits):
    return tf.keras.losses.BinaryCrossentropy(from_logits=True)(tf.ones_like(logits), logits)


def good_pix2pix(fake_logits, target, output, l1_weight=100.0):
    return bce_real(fake_logits) + l1_weight * tf.reduce_mean(tf.abs(target - output))


def test_a_learners_pix2pix_g_loss_passes():
    assert checks.pix2pix_g_loss(good_pix2pix, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda f, y, o, w=100.0: bce_real(f) + tf.reduce_mean(tf.abs(y - o)), "needs its weight"),
    (lambda f, y, o, w=100.0: bce_real(f) + w * tf.reduce_mean(tf.square(y - o)),
     "*absolute* error"),
    (lambda f, y, o, w=100.0: w * tf.reduce_mean(tf.abs(y - o)), "adversarial term is missing"),
    (lambda f, y, o, w=100.0: bce_real(f), "L1 term is missing"),
    (lambda f, y, o, w=100.0: bce_real(f) + 100.0 * tf.reduce_mean(tf.abs(y - o)), "weight"),
])
def test_pix2pix_g_loss_names_the_mistake(wrong, problem):
    result = checks.pix2pix_g_loss(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message
