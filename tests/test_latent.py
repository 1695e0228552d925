"""Latent paths (norms, end points) and inversion on a tiny generator with a known latent."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_course import latent

D = 16


def _two(seed=0, d=D):
    rng = np.random.default_rng(seed)
    return rng.normal(size=d), rng.normal(size=d)


@pytest.mark.parametrize("method", list(latent.INTERPOLATIONS))
def test_paths_start_at_z1_and_have_n_points(method):
    z1, z2 = _two()
    path = latent.interpolation_path(z1, z2, n=7, method=method)
    assert path.shape == (7, D) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], z1, rtol=1e-5)


@pytest.mark.parametrize("method", ["slerp", "lerp"])
def test_slerp_and_lerp_end_at_z2(method):
    z1, z2 = _two()
    np.testing.assert_allclose(latent.interpolation_path(z1, z2, 5, method)[-1], z2, rtol=1e-5)


def test_norm_preserving_keeps_the_first_norm_and_ends_in_z2s_direction():
    z1, z2 = _two(1)
    path = latent.norm_preserving(z1, z2, np.linspace(0, 1, 11))
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(z1), rtol=1e-5)
    np.testing.assert_allclose(path[-1] / np.linalg.norm(path[-1]), z2 / np.linalg.norm(z2),
                               rtol=1e-5)


def test_lerp_sags_in_the_middle_and_slerp_does_not():
    """Gaussian latents of the same norm: the linear midpoint is about 1/sqrt(2) as long."""
    rng = np.random.default_rng(2)
    z1, z2 = rng.normal(size=512), rng.normal(size=512)
    z2 *= np.linalg.norm(z1) / np.linalg.norm(z2)
    mid_lerp = np.linalg.norm(latent.lerp(z1, z2, 0.5))
    mid_slerp = np.linalg.norm(latent.slerp(z1, z2, 0.5))
    assert mid_lerp / np.linalg.norm(z1) == pytest.approx(1 / math.sqrt(2), abs=0.06)
    assert mid_slerp == pytest.approx(np.linalg.norm(z1), rel=1e-5)


def test_slerp_moves_at_constant_angle():
    """Between latents of the same norm (two Gaussian latents of high d nearly are)."""
    z1, z2 = _two(3)
    z2 *= np.linalg.norm(z1) / np.linalg.norm(z2)
    path = latent.slerp(z1, z2, np.linspace(0, 1, 9)).astype(np.float64)
    unit = path / np.linalg.norm(path, axis=1, keepdims=True)
    angles = np.arccos(np.clip(np.sum(unit[1:] * unit[:-1], axis=1), -1, 1))
    np.testing.assert_allclose(angles, angles.mean(), rtol=1e-3)


def test_slerp_of_parallel_latents_falls_back_to_lerp():
    z1 = np.ones(D)
    np.testing.assert_allclose(latent.slerp(z1, 2 * z1, 0.5), latent.lerp(z1, 2 * z1, 0.5))


def test_bad_paths_are_refused():
    z1, z2 = _two()
    with pytest.raises(ValueError, match="method"):
        latent.interpolation_path(z1, z2, method="cubic")
    with pytest.raises(ValueError, match="at least 2"):
        latent.interpolation_path(z1, z2, n=1)
    with pytest.raises(ValueError, match="same shape"):
        latent.lerp(z1, z2[:3], 0.5)


def test_projector_schedules():
    lr = [float(latent.projector_learning_rate(t)) for t in (0.0, 0.025, 0.05, 0.5, 0.875, 0.999)]
    assert lr[0] == 0 and lr[1] == pytest.approx(0.05) and lr[2] == pytest.approx(0.1)
    assert lr[3] == pytest.approx(0.1) and lr[4] == pytest.approx(0.05) and lr[5] < 1e-3
    noise = [float(latent.projector_noise(t)) for t in (0.0, 0.375, 0.75, 0.9)]
    assert noise == pytest.approx([0.05, 0.0125, 0.0, 0.0])


# --------------------------------------------------------------------------- inversion


class TinyGenerator:
    """G(z) = sigmoid(reshape(W z)): (N, 16) -> (N, 4, 4, 3) in [0, 1], differentiable."""

    def __init__(self, seed=0):
        self.w = tf.constant(np.random.default_rng(seed).normal(
            size=(D, 4 * 4 * 3)).astype("float32") * 0.5)

    def __call__(self, z):
        z = tf.convert_to_tensor(z, tf.float32)
        return tf.reshape(tf.sigmoid(z @ self.w), (-1, 4, 4, 3))


def test_invert_recovers_a_known_latent_better_than_the_source_loop():
    g = TinyGenerator()
    z_true = np.random.default_rng(5).normal(size=(3, D)).astype("float32")
    targets = g(z_true).numpy()
    course = latent.invert(g, targets, D, steps=200, restarts=4, jit_compile=False)
    source = [latent.source_inversion(g, t, D, steps=200, seed=i) for i, t in enumerate(targets)]
    source_error = np.mean([s.pixel_error[0] for s in source])
    assert course.z.shape == (3, D) and course.images.shape == targets.shape
    assert course.pixel_error.mean() < 0.7 * source_error
    assert course.pixel_error.mean() < 0.02  # close to the target, not only closer
    latent_error = np.linalg.norm(course.z - z_true, axis=1) / np.linalg.norm(z_true, axis=1)
    assert latent_error.mean() < 0.2  # the latent itself is found, not only the image
    assert np.all(course.psnr > 25) and len(course.losses) == 200
    assert course.losses[-1] < course.losses[0]


def test_invert_keeps_the_best_restart():
    g = TinyGenerator(1)
    target = g(np.random.default_rng(6).normal(size=(1, D))).numpy()
    one = latent.invert(g, target, D, steps=30, restarts=1, seed=3, jit_compile=False)
    many = latent.invert(g, target, D, steps=30, restarts=6, seed=3, jit_compile=False)
    # restart 0 of the batch of 6 is the same start as the single run's, so the best of six
    # can only be as good or better
    assert many.pixel_error[0] <= one.pixel_error[0] + 1e-6


def test_source_inversion_follows_the_notebook():
    g = TinyGenerator()
    target = g(np.zeros((1, D), "float32")).numpy()[0]
    result = latent.source_inversion(g, target, D, steps=20, frame_every=5)
    assert len(result.frames) == 4 and result.frames[0].shape == (4, 4, 3)
    assert len(result.losses) == 20 and result.z.shape == (1, D)
    # the first loss is the summed pixel error plus the norm term, as written in the notebook
    z0 = tf.random.Generator.from_seed(0).normal([1, D])
    expected = (np.abs(g(z0).numpy() - target).sum()
                + abs(np.linalg.norm(z0.numpy()) - math.sqrt(D)))
    assert result.losses[0] == pytest.approx(expected, rel=1e-4)


def test_invert_with_a_perceptual_term_and_frames():
    g = TinyGenerator()
    targets = g(np.random.default_rng(7).normal(size=(2, D))).numpy()
    result = latent.invert(g, targets, D, steps=12, restarts=2, frame_every=4,
                           perceptual=lambda x: tf.reduce_mean(x, axis=(1, 2)),
                           jit_compile=False)
    assert len(result.frames) == 3 and result.frames[0].shape == targets.shape
    assert np.all(np.isfinite(result.losses))


def test_invert_runs_the_same_steps_with_or_without_frames():
    # frames split the graph loop into runs of frame_every steps; the optimisation must not
    # notice: the same losses, step for step, and the frames of the best row at steps 0, 5, 10
    g = TinyGenerator()
    targets = g(np.random.default_rng(8).normal(size=(2, D))).numpy()
    plain = latent.invert(g, targets, D, steps=13, restarts=3, jit_compile=False)
    framed = latent.invert(g, targets, D, steps=13, restarts=3, frame_every=5, jit_compile=False)
    assert len(plain.losses) == len(framed.losses) == 13 and not plain.frames
    np.testing.assert_allclose(framed.losses, plain.losses, rtol=1e-5)
    np.testing.assert_allclose(framed.z, plain.z, rtol=1e-5, atol=1e-6)
    assert len(framed.frames) == 3 and plain.step_seconds > 0


def test_many_invert_calls_log_no_retracing_warning(caplog):
    g = TinyGenerator()
    target = g(np.zeros((1, D), "float32")).numpy()
    with caplog.at_level("WARNING"):
        for seed in range(7):  # a new traced loop per call, each called twice
            latent.invert(g, target, D, steps=3, restarts=1, seed=seed, jit_compile=False)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


@pytest.mark.parametrize("bad, message", [
    (np.zeros((1, 5, 4, 3)), "resize"),
    (np.zeros((1, 4, 4, 1)), "channels"),
    (np.full((1, 4, 4, 3), 2.0), r"\[0, 1\]"),
    (np.zeros((4, 3)), "shape"),
])
def test_bad_targets_get_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        latent.invert(TinyGenerator(), bad, D, steps=1)
