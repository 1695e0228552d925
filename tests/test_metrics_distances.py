import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_course import features, image_ops
from gan_course.metrics import distances


def _random_covariance(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T / dim + 0.1 * np.eye(dim)


# --------------------------------------------------------------------------- Fréchet distance


def test_frechet_distance_is_zero_for_identical_statistics():
    features_ = np.random.default_rng(0).normal(size=(300, 6))
    mu, sigma = distances.feature_statistics(features_)
    assert mu.shape == (6,) and sigma.shape == (6, 6)
    assert distances.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"),
                         [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 3.0, 1.0), (1.0, 2.0, -1.0, 0.5),
                          (0.5, 0.1, 0.5, 4.0)])
def test_frechet_distance_of_1d_gaussians(m1, s1, m2, s2):
    """For N(m, s^2): d^2 = (m1 - m2)^2 + (s1 - s2)^2, with s the standard deviation."""
    expected = (m1 - m2) ** 2 + (s1 - s2) ** 2
    assert distances.frechet_distance(m1, s1**2, m2, s2**2) == pytest.approx(expected, abs=1e-9)


def test_frechet_distance_of_diagonal_gaussians_adds_up_per_axis():
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, -2.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.0])  # standard deviations
    expected = np.sum((m1 - m2) ** 2) + np.sum((s1 - s2) ** 2)
    value = distances.frechet_distance(m1, np.diag(s1**2), m2, np.diag(s2**2))
    assert value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frechet_distance_is_symmetric_non_negative_and_matches_eigenvalues(seed):
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    sigma1, sigma2 = _random_covariance(rng, 5), _random_covariance(rng, 5)
    forward = distances.frechet_distance(mu1, sigma1, mu2, sigma2)
    backward = distances.frechet_distance(mu2, sigma2, mu1, sigma1)
    assert forward >= 0 and forward == pytest.approx(backward, rel=1e-7)
    # independent route: Tr((S1 S2)^(1/2)) is the sum of the square roots of eig(S1 S2)
    root_trace = np.sum(np.sqrt(np.abs(np.linalg.eigvals(sigma1 @ sigma2))))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2) - 2 * root_trace
    assert forward == pytest.approx(expected, rel=1e-7)


def test_frechet_distance_survives_singular_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20)) + 1.0  # 5 samples, 20 dims
    a[:, :3] = b[:, :3] = 0.0  # dead features
    value = distances.frechet_distance(*distances.feature_statistics(a),
                                       *distances.feature_statistics(b))
    assert math.isfinite(value) and value > 10  # the means differ by 1 on 17 axes


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="covariances of shape"):
        distances.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match=r"\(N, D\) with N >= 2"):
        distances.feature_statistics(np.zeros((1, 4)))


# --------------------------------------------------------------------------- kernel distance


def test_unbiased_mmd2_matches_the_formula_term_by_term():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))

    def k(u, v):
        return (u @ v / 3 + 1) ** 3

    xx = sum(k(x[i], x[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(x[i], y[j]) for i in range(4) for j in range(5)) / (4 * 5)
    assert distances.unbiased_mmd2(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_kernel_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 8)), rng.normal(size=(600, 8))
    same_mean, same_std = distances.kernel_distance(a, b, subsets=5, subset_size=300)
    shifted_mean, _ = distances.kernel_distance(a, b + 1.0, subsets=5, subset_size=300)
    assert abs(same_mean) < 0.05 and same_std >= 0
    assert shifted_mean > 1.0 and shifted_mean > 20 * abs(same_mean)


def test_kernel_distance_caps_the_subset_size_and_is_seeded():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(40, 4))
    first = distances.kernel_distance(a, b, subsets=3, subset_size=1000, seed=5)
    assert first == distances.kernel_distance(a, b, subsets=3, subset_size=1000, seed=5)
    with pytest.raises(ValueError, match="at least 2 samples"):
        distances.kernel_distance(a[:1], b)
    with pytest.raises(ValueError, match=r"\(N, D\) and \(M, D\)"):
        distances.kernel_distance(a, b[:, :3])


# --------------------------------------------------------------------------- sliced Wasserstein


def test_sliced_wasserstein_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 1))
    assert distances.sliced_wasserstein(a, a) == 0.0
    # in 1-D every direction is +-1, and W1 of a shifted sample is the shift
    assert distances.sliced_wasserstein(a, a + 0.3) == pytest.approx(0.3)
    b = rng.normal(size=(500, 5))
    c = rng.normal(size=(500, 5)) * 2
    assert distances.sliced_wasserstein(b, c) == pytest.approx(distances.sliced_wasserstein(c, b))
    assert distances.sliced_wasserstein(b, c) > 5 * distances.sliced_wasserstein(
        b, rng.normal(size=(500, 5)))
    with pytest.raises(ValueError, match="same shape"):
        distances.sliced_wasserstein(b, c[:10])


# --------------------------------------------------------------------------- Inception FID


def test_inception_fid_uses_the_feature_extractor_and_its_offline_advice(monkeypatch):
    monkeypatch.setattr(features, "_CACHE", {})
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setattr(features, "keras_weights_cached", lambda name: False)
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(RuntimeError, match=r"internet.*GAN_COURSE_OFFLINE=1.*fashion_mnist_fd"):
        distances.inception_fid(images, images)


def test_inception_fid_with_an_injected_model():
    seen = []
    tiny = keras.Sequential([keras.Input((299, 299, 3)), keras.layers.AveragePooling2D(100),
                             keras.layers.Flatten()])  # 2 x 2 x 3 = 12 features

    def spy(batch):
        seen.append((tuple(batch.shape), float(tf.reduce_min(batch)), float(tf.reduce_max(batch))))
        return tiny(batch)

    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    brighter = np.clip(grey.astype(np.int64) + 80, 0, 255).astype(np.uint8)
    unit = grey.astype(np.float32) / 255
    same = distances.inception_fid(grey, unit, batch_size=16, model=spy,
                                   value_range=image_ops.UNIT)
    assert same == pytest.approx(0.0, abs=1e-3)  # [0, 1] floats, said so, are the same images
    assert [s[0] for s in seen[:3]] == [(16, 299, 299, 3), (16, 299, 299, 3), (8, 299, 299, 3)]
    assert all(-1.0 <= low and high <= 1.0 for _, low, high in seen)  # preprocess_input's range
    # without value_range, floats are read as [-1, 1]: the same [0, 1] floats look brighter
    assert distances.inception_fid(grey, unit, model=tiny) > 1.0
    rgb = np.repeat(grey[..., None], 3, axis=-1).astype(np.float32) / 127.5 - 1
    assert distances.inception_fid(grey, rgb, model=tiny) == pytest.approx(0.0, abs=1e-3)
    assert distances.inception_fid(grey, brighter, model=tiny) > 1.0
    with pytest.raises(ValueError, match=r"\[0, 255\] pixels.*uint8"):
        distances.inception_fid(grey.astype(np.float32), grey, model=tiny)


def test_sliced_wasserstein_along_given_directions():
    a = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    b = a + [0.5, 3.0]
    x_axis = np.array([[1.0], [0.0]])
    assert distances.sliced_wasserstein_along(a, b, x_axis) == pytest.approx(0.5)
    both = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert distances.sliced_wasserstein_along(a, b, both) == pytest.approx((0.5 + 3.0) / 2)
    # the random-direction version is this one along its own directions
    directions = np.random.default_rng(4).normal(size=(2, 16))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    assert distances.sliced_wasserstein(a, b, projections=16, seed=4) == pytest.approx(
        distances.sliced_wasserstein_along(a, b, directions))
