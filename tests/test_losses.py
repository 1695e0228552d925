"""Values on known inputs and the sign of the gradients, for every loss."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_course import losses

REAL = tf.constant([2.0, -1.0])
FAKE = tf.constant([0.5, -3.0])


def softplus(x):
    return math.log1p(math.exp(x))


def test_ns_values():
    expected_d = 0.5 * (np.mean([softplus(-2), softplus(1)]) + np.mean([softplus(0.5),
                                                                         softplus(-3)]))
    assert float(losses.ns_d_loss(REAL, FAKE)) == pytest.approx(expected_d, rel=1e-6)
    assert float(losses.ns_g_loss(FAKE)) == pytest.approx(np.mean([softplus(-0.5),
                                                                   softplus(3)]), rel=1e-6)
    # at D's indifference point (logit 0, D = 1/2) both halves are log 2
    zero = tf.zeros(4)
    assert float(losses.ns_d_loss(zero, zero)) == pytest.approx(math.log(2))
    assert float(losses.minimax_g_loss(zero)) == pytest.approx(-math.log(2))


def test_ns_is_the_negated_minimax_value():
    """L_D = -1/2 V(D, G) with V = E[log D(x)] + E[log(1 - D(G(z)))]."""
    d_real, d_fake = tf.sigmoid(REAL), tf.sigmoid(FAKE)
    value = tf.reduce_mean(tf.math.log(d_real)) + tf.reduce_mean(tf.math.log(1 - d_fake))
    assert float(losses.ns_d_loss(REAL, FAKE)) == pytest.approx(-0.5 * float(value), rel=1e-5)


def test_losses_stay_finite_for_confident_logits():
    huge = tf.constant([200.0, -200.0])
    for value in (losses.ns_d_loss(huge, huge), losses.ns_g_loss(huge),
                  losses.minimax_g_loss(huge)):
        assert np.isfinite(float(value))


def test_lsgan_hinge_wasserstein_values():
    assert float(losses.lsgan_d_loss(REAL, FAKE)) == pytest.approx(
        0.5 * np.mean([1.0, 4.0]) + 0.5 * np.mean([0.25, 9.0]))
    assert float(losses.lsgan_g_loss(FAKE)) == pytest.approx(0.5 * np.mean([0.25, 16.0]))
    assert float(losses.hinge_d_loss(REAL, FAKE)) == pytest.approx(
        np.mean([0.0, 2.0]) + np.mean([1.5, 0.0]))
    assert float(losses.hinge_g_loss(FAKE)) == pytest.approx(1.25)
    assert float(losses.wasserstein_d_loss(REAL, FAKE)) == pytest.approx(-1.25 - 0.5)
    assert float(losses.wasserstein_g_loss(FAKE)) == pytest.approx(1.25)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_gradient_signs(name):
    """Descending L_D raises D(x) and lowers D(G(z)); descending L_G raises D(G(z))."""
    d_loss, g_loss = losses.get_losses(name)
    # scores between the LSGAN targets 0 and 1, inside the hinge margins
    real, fake = tf.Variable([0.3, 0.6]), tf.Variable([0.1, 0.4])
    with tf.GradientTape(persistent=True) as tape:
        ld, lg = d_loss(real, fake), g_loss(fake)
    assert np.all(tape.gradient(ld, real).numpy() < 0)
    assert np.all(tape.gradient(ld, fake).numpy() > 0)
    assert np.all(tape.gradient(lg, fake).numpy() < 0)


def test_minimax_saturates_where_non_saturating_does_not():
    confident_reject = tf.Variable([-8.0])  # D is sure the fake is fake
    with tf.GradientTape(persistent=True) as tape:
        saturating, non_saturating = (losses.minimax_g_loss(confident_reject),
                                      losses.ns_g_loss(confident_reject))
    weak = abs(float(tape.gradient(saturating, confident_reject)[0]))
    strong = abs(float(tape.gradient(non_saturating, confident_reject)[0]))
    assert weak < 1e-3 < 0.9 < strong


def test_mixed_precision_inputs_give_float32():
    half = tf.constant([1.0, -1.0], tf.float16)
    for d_loss, g_loss in losses.LOSSES.values():
        assert d_loss(half, half).dtype == tf.float32 and g_loss(half).dtype == tf.float32


def test_interpolate_and_gradient_penalty():
    real, fake = tf.ones((3, 2, 2, 1)), tf.zeros((3, 2, 2, 1))
    mixed = losses.interpolate(real, fake, tf.constant([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(mixed.numpy().reshape(3, -1).mean(1), [0.0, 0.5, 1.0])
    alpha = tf.constant([0.2, 0.7, 0.9])

    def critic(slope):  # D(x) = slope * sum(x): gradient norm = slope * sqrt(4)
        return lambda x: slope * tf.reduce_sum(x, axis=[1, 2, 3])

    assert float(losses.gradient_penalty(critic(0.5), real, fake, alpha)) == pytest.approx(0.0,
                                                                                            abs=1e-6)
    assert float(losses.gradient_penalty(critic(1.5), real, fake, alpha)) == pytest.approx(4.0)


def test_unknown_loss():
    with pytest.raises(ValueError, match="Unknown GAN loss 'wgan'.*hinge"):
        losses.get_losses("wgan")


def test_l1_and_drift_terms():
    target = tf.constant([[0.0, 1.0], [2.0, -1.0]])
    output = tf.constant([[1.0, 1.0], [0.0, -1.0]], dtype=tf.float16)
    assert float(losses.l1(target, output)) == pytest.approx((1 + 0 + 2 + 0) / 4)
    assert losses.l1(target, output).dtype == tf.float32
    real = tf.Variable([[2.0], [-1.0]])
    with tf.GradientTape() as tape:
        drift = losses.drift(real)
    assert float(drift) == pytest.approx((4 + 1) / 2)
    np.testing.assert_allclose(tape.gradient(drift, real).numpy(), [[2.0], [-1.0]])  # 2x/N
