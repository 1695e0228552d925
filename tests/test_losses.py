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


def test_r1_penalty_is_the_mean_squared_gradient_norm_on_reals():
    real = tf.reshape(tf.range(12, dtype=tf.float32), (3, 2, 2, 1)) / 12.0

    def quadratic(x):  # D(x) = sum(x^2): gradient 2x, squared norm 4 * sum(x^2)
        return tf.reduce_sum(tf.square(x), axis=[1, 2, 3])

    expected = np.mean(4 * np.sum(real.numpy() ** 2, axis=(1, 2, 3)))
    assert float(losses.r1_penalty(quadratic, real)) == pytest.approx(expected, rel=1e-5)
    flat = losses.r1_penalty(lambda x: tf.reduce_sum(x * 0.0, axis=[1, 2, 3]), real)
    assert float(flat) == 0.0  # a D that is flat on the data pays nothing


def test_unknown_loss():
    with pytest.raises(ValueError, match="Unknown GAN loss 'wasserstein'.*hinge.*wgan-gp"):
        losses.get_losses("wasserstein")
    assert losses.get_losses("wgan-gp") == losses.get_losses("wgan")  # an alias


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


# --------------------------------------------------------------------------- perceptual losses


def feats(seed, shape, scale=1.0, shift=0.0, positive=False):
    """Gaussian features; ``positive``: through a softplus, like ReLU features but never a zero
    vector (a zero vector is at cosine distance 1 even from itself)."""
    x = shift + scale * np.random.default_rng(seed).normal(size=shape)
    return tf.constant(np.logaddexp(0.0, x) if positive else x, tf.float32)


def shuffle_space(x, seed=0):
    """The same feature vectors at permuted positions (per batch, same permutation)."""
    n, h, w, c = x.shape
    order = np.random.default_rng(seed).permutation(h * w)
    return tf.reshape(tf.gather(tf.reshape(x, [n, h * w, c]), order, axis=1), [n, h, w, c])


def test_mean_variance_norm_standardises_each_channel():
    f = feats(0, (2, 4, 5, 3), scale=[0.5, 2.0, 7.0], shift=[3.0, -1.0, 0.0])
    normed = losses.mean_variance_norm(f).numpy()
    np.testing.assert_allclose(normed.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(normed.std(axis=(1, 2)), 1.0, rtol=1e-3)
    with pytest.raises(ValueError, match="not a list"):
        losses.mean_variance_norm([f])


def test_feature_mse_is_the_plain_squared_error_summed_over_layers():
    out = [feats(1, (2, 4, 4, 3)), feats(2, (2, 2, 2, 5))]
    target = [feats(3, (2, 4, 4, 3)), feats(4, (2, 2, 2, 5))]
    expected = sum(np.mean((np.asarray(o) - np.asarray(t)) ** 2)
                   for o, t in zip(out, target, strict=True))
    assert float(losses.feature_mse(out, target)) == pytest.approx(expected, rel=1e-5)
    assert float(losses.feature_mse(out, out)) == 0.0
    # unlike content_loss, a gain is an error
    assert float(losses.feature_mse([out[0] * 2.0], [out[0]])) == pytest.approx(
        np.mean(np.asarray(out[0]) ** 2), rel=1e-5)
    with pytest.raises(ValueError):
        losses.feature_mse(out, target[:1])


def test_content_loss_compares_normalised_patterns():
    out = [feats(1, (2, 4, 4, 3)), feats(2, (2, 2, 2, 5))]
    content = [feats(3, (2, 4, 4, 3)), feats(4, (2, 2, 2, 5))]
    assert float(losses.content_loss(out, out)) == pytest.approx(0.0, abs=1e-8)
    base = float(losses.content_loss(out, content))
    assert base > 0.1
    # a positive per-channel gain and any per-channel offset change no normalised pattern
    affine = [out[0] * tf.constant([0.3, 2.0, 5.0]) + tf.constant([1.0, -4.0, 0.5]),
              out[1] * 3.0 - 2.0]
    assert float(losses.content_loss(affine, out)) == pytest.approx(0.0, abs=1e-6)
    assert float(losses.content_loss(affine, content)) == pytest.approx(base, rel=1e-4)
    # ... but moving the features around does
    assert float(losses.content_loss(shuffle_space(out[0]), out[0])) > 0.1
    # numpy reference: the sum over layers of the MSE of standardised maps
    def standardise(x):
        x = np.asarray(x)
        return (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True)
                                                              + 1e-5)
    expected = sum(np.mean((standardise(o) - standardise(c)) ** 2)
                   for o, c in zip(out, content, strict=True))
    assert base == pytest.approx(expected, rel=1e-5)
    # a single map is a one-layer list
    assert float(losses.content_loss(out[0], content[0])) == pytest.approx(
        float(losses.content_loss(out[:1], content[:1])))


def test_style_loss_compares_channel_statistics():
    out = [feats(5, (2, 4, 4, 3), shift=1.0), feats(6, (2, 2, 2, 4))]
    assert float(losses.style_loss(out, [shuffle_space(f) for f in out])) == pytest.approx(
        0.0, abs=1e-9)
    scaled = [out[0] * tf.constant([1.0, 2.0, 1.0]), out[1]]
    assert float(losses.style_loss(scaled, out)) > 0.1
    # numpy reference on one layer: MSE of the means + MSE of the standard deviations
    style = feats(7, (2, 6, 6, 3), scale=2.0, shift=-1.0)  # another spatial size is fine
    o, s = out[0].numpy(), style.numpy()
    expected = (np.mean((o.mean((1, 2)) - s.mean((1, 2))) ** 2)
                + np.mean((np.sqrt(o.var((1, 2)) + 1e-5) - np.sqrt(s.var((1, 2)) + 1e-5)) ** 2))
    assert float(losses.style_loss(out[0], style)) == pytest.approx(expected, rel=1e-5)


def test_style_loss_broadcasts_one_style_image():
    out = [feats(8, (3, 4, 4, 2)), feats(9, (3, 2, 2, 3))]
    style = [feats(10, (1, 5, 5, 2), shift=2.0), feats(11, (1, 3, 3, 3), scale=0.5)]
    repeated = [tf.repeat(s, 3, axis=0) for s in style]
    one = float(losses.style_loss(out, style))
    assert one > 0.1 and one == pytest.approx(float(losses.style_loss(out, repeated)), rel=1e-6)


def test_cosine_distance_matrix_matches_numpy():
    x, y = feats(12, (2, 5, 3)), feats(13, (2, 4, 3))
    d = losses.cosine_distance_matrix(x, y).numpy()
    xn = x.numpy() / np.linalg.norm(x.numpy(), axis=-1, keepdims=True)
    yn = y.numpy() / np.linalg.norm(y.numpy(), axis=-1, keepdims=True)
    np.testing.assert_allclose(d, 1.0 - np.einsum("npc,nqc->npq", xn, yn), atol=1e-6)
    assert d.shape == (2, 5, 4) and d.min() >= 0.0 and d.max() <= 2.0
    self_d = losses.cosine_distance_matrix(x, x * 3.0).numpy()
    np.testing.assert_allclose(np.diagonal(self_d, axis1=1, axis2=2), 0.0, atol=1e-6)
    # a batch-1 y is broadcast; a zero vector is at distance 1, not NaN
    np.testing.assert_allclose(losses.cosine_distance_matrix(x, y[:1]).numpy()[1],
                               losses.cosine_distance_matrix(x[1:], y[:1]).numpy()[0], atol=1e-6)
    zero = losses.cosine_distance_matrix(tf.zeros((1, 1, 3)), y[:1]).numpy()
    np.testing.assert_allclose(zero, 1.0)
    with pytest.raises(ValueError, match="rank 2.*flatten"):
        losses.cosine_distance_matrix(x[0], y)
    with pytest.raises(ValueError, match="3 channels but y has 2"):
        losses.cosine_distance_matrix(x, y[..., :2])


def test_relaxed_emd_is_zero_only_for_the_same_vectors():
    out = [feats(14, (2, 4, 4, 3), positive=True, shift=0.5),
           feats(15, (2, 2, 2, 2), positive=True, shift=0.5)]
    # a shuffled single map holds the same vectors: ~0
    assert float(losses.relaxed_emd(out[0], shuffle_space(out[0]))) == pytest.approx(0.0,
                                                                                    abs=1e-5)
    assert float(losses.relaxed_emd(out, out)) == pytest.approx(0.0, abs=1e-5)
    style = [feats(16, (2, 6, 6, 3), positive=True, shift=0.5),
             feats(17, (2, 3, 3, 2), positive=True, shift=0.5)]
    forward = float(losses.relaxed_emd(out, style))
    assert forward > 0.01
    assert float(losses.relaxed_emd(style, out)) == pytest.approx(forward, rel=1e-6)  # symmetric


def test_relaxed_emd_value_and_hypercolumns():
    # two layers: the second is resized bilinearly to the first's size, then concatenated
    out = [feats(18, (1, 4, 4, 2)), feats(19, (1, 2, 2, 3))]
    style = [feats(20, (1, 2, 2, 2)), feats(21, (1, 1, 1, 3))]
    def columns(maps):
        size = maps[0].shape[1:3]
        stacked = tf.concat([maps[0], tf.image.resize(maps[1], size)], axis=-1).numpy()
        return stacked.reshape(1, -1, 5)
    x, y = columns(out)[0], columns(style)[0]
    cos = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (
        y / np.linalg.norm(y, axis=1, keepdims=True)).T
    dist = 1.0 - cos  # (16, 4)
    expected = max(dist.min(axis=1).mean(), dist.min(axis=0).mean())
    assert float(losses.relaxed_emd(out, style)) == pytest.approx(expected, rel=1e-5)
    # batch: the mean of the per-sample values; a batch-1 style is broadcast
    batch = [tf.concat([o, feats(22, o.shape)], axis=0) for o in out]
    per_sample = [float(losses.relaxed_emd([b[k:k + 1] for b in batch], style)) for k in (0, 1)]
    assert float(losses.relaxed_emd(batch, style)) == pytest.approx(np.mean(per_sample),
                                                                     rel=1e-5)


def test_self_similarity_loss_compares_layouts():
    out = [feats(23, (2, 4, 4, 3), positive=True, shift=0.3), feats(24, (2, 2, 2, 2))]
    content = [feats(25, (2, 4, 4, 3), positive=True, shift=0.3), feats(26, (2, 2, 2, 2))]
    assert float(losses.self_similarity_loss(out, out)) == pytest.approx(0.0, abs=1e-7)
    different = float(losses.self_similarity_loss(out, content))
    assert different > 0.01
    # cosine distances ignore lengths: a positive scale per sample changes nothing
    gain = tf.constant([0.2, 7.0])[:, None, None, None]
    assert float(losses.self_similarity_loss([f * gain for f in out], content)) == (
        pytest.approx(different, rel=1e-5))
    assert float(losses.self_similarity_loss([f * gain for f in out], out)) == pytest.approx(
        0.0, abs=1e-6)


def test_self_similarity_loss_value():
    """Column-normalised self-distances, L1, scaled by P (PaddleGAN's CalcContentReltLoss)."""
    out, content = feats(27, (1, 3, 3, 4)), feats(28, (1, 3, 3, 4))
    def normalised(f):
        x = f.numpy().reshape(-1, 4)
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        d = 1.0 - x @ x.T
        return d / d.sum(axis=0, keepdims=True)  # M_ij / sum_i M_ij
    diff = np.abs(normalised(out) - normalised(content))
    expected = diff.mean() * 9  # = 1/P sum_ij |...|
    assert float(losses.self_similarity_loss(out, content)) == pytest.approx(expected, rel=1e-5)


def test_perceptual_losses_return_float32_for_float16_and_have_gradients():
    half = [tf.cast(feats(29, (2, 4, 4, 3), positive=True, shift=0.5), tf.float16),
            tf.cast(feats(30, (2, 2, 2, 2), positive=True, shift=0.5), tf.float16)]
    other = [tf.cast(feats(31, f.shape, positive=True, shift=0.5), tf.float16) for f in half]
    for loss in (losses.content_loss, losses.style_loss, losses.relaxed_emd,
                 losses.self_similarity_loss):
        assert loss(half, other).dtype == tf.float32, loss.__name__
        variables = [tf.Variable(tf.cast(f, tf.float32)) for f in half]
        with tf.GradientTape() as tape:
            value = loss(variables, other)
        grads = tape.gradient(value, variables)
        assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in grads), loss.__name__
    assert losses.mean_variance_norm(half[0]).dtype == tf.float32
    assert losses.cosine_distance_matrix(tf.ones((1, 2, 3), tf.float16),
                                         tf.ones((1, 2, 3), tf.float16)).dtype == tf.float32


@pytest.mark.parametrize("loss", [losses.content_loss, losses.style_loss, losses.relaxed_emd,
                                  losses.self_similarity_loss])
def test_perceptual_losses_explain_bad_inputs(loss):
    good = tf.zeros((1, 4, 4, 3))
    with pytest.raises(ValueError, match=r"rank 3.*f\[None\]"):
        loss(tf.zeros((4, 4, 3)), good)
    with pytest.raises(ValueError, match="layer 0: output_features has 3 channels but .* has 5"):
        loss(good, tf.zeros((1, 4, 4, 5)))
    with pytest.raises(ValueError, match="2 maps but .* has 1.*same layers"):
        loss([good, good], [good])
    with pytest.raises(ValueError, match="empty"):
        loss([], [])


def test_content_terms_need_the_same_size():
    for loss in (losses.content_loss, losses.self_similarity_loss):
        with pytest.raises(ValueError, match=r"\(4, 4\) but content_features is \(2, 2\)"):
            loss(tf.zeros((1, 4, 4, 3)), tf.zeros((1, 2, 2, 3)))


def test_lapstyle_weights():
    assert losses.LAPSTYLE_LOSS_WEIGHTS == {"content": 1.0, "style": 3.0, "relaxed_emd": 10.0,
                                            "self_similarity": 16.0}


def test_pix2pix_g_loss_is_the_bce_plus_the_weighted_l1():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 4, 1)).astype("float32")
    target, output = rng.uniform(-1, 1, (2, 2, 8, 8, 2)).astype("float32")
    want = (np.mean(np.log1p(np.exp(-logits.astype(np.float64))))
            + 100.0 * np.mean(np.abs(target - output)))
    assert float(losses.pix2pix_g_loss(logits, target, output)) == pytest.approx(want, rel=1e-5)
    assert float(losses.pix2pix_g_loss(logits, target, target, l1_weight=7.0)) == pytest.approx(
        float(losses.ns_g_loss(logits)), rel=1e-6)
