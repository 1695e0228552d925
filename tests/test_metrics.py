import math
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage

from gan_course import data, metrics


@pytest.fixture(scope="module")
def fashion():
    """The embedded subset: ((x_train, y_train), (x_test, y_test)), uint8 images."""
    return data.load_embedded_fashion_mnist()


def _random_covariance(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T / dim + 0.1 * np.eye(dim)


# --------------------------------------------------------------------------- Fréchet distance


def test_frechet_distance_is_zero_for_identical_statistics():
    features = np.random.default_rng(0).normal(size=(300, 6))
    mu, sigma = metrics.feature_statistics(features)
    assert mu.shape == (6,) and sigma.shape == (6, 6)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"),
                         [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 3.0, 1.0), (1.0, 2.0, -1.0, 0.5),
                          (0.5, 0.1, 0.5, 4.0)])
def test_frechet_distance_of_1d_gaussians(m1, s1, m2, s2):
    """For N(m, s^2): d^2 = (m1 - m2)^2 + (s1 - s2)^2, with s the standard deviation."""
    expected = (m1 - m2) ** 2 + (s1 - s2) ** 2
    assert metrics.frechet_distance(m1, s1**2, m2, s2**2) == pytest.approx(expected, abs=1e-9)


def test_frechet_distance_of_diagonal_gaussians_adds_up_per_axis():
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, -2.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.0])  # standard deviations
    expected = np.sum((m1 - m2) ** 2) + np.sum((s1 - s2) ** 2)
    value = metrics.frechet_distance(m1, np.diag(s1**2), m2, np.diag(s2**2))
    assert value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frechet_distance_is_symmetric_non_negative_and_matches_eigenvalues(seed):
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    sigma1, sigma2 = _random_covariance(rng, 5), _random_covariance(rng, 5)
    forward = metrics.frechet_distance(mu1, sigma1, mu2, sigma2)
    backward = metrics.frechet_distance(mu2, sigma2, mu1, sigma1)
    assert forward >= 0 and forward == pytest.approx(backward, rel=1e-7)
    # independent route: Tr((S1 S2)^(1/2)) is the sum of the square roots of eig(S1 S2)
    root_trace = np.sum(np.sqrt(np.abs(np.linalg.eigvals(sigma1 @ sigma2))))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2) - 2 * root_trace
    assert forward == pytest.approx(expected, rel=1e-7)


def test_frechet_distance_survives_singular_covariances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20)) + 1.0  # 5 samples, 20 dims
    a[:, :3] = b[:, :3] = 0.0  # dead features
    value = metrics.frechet_distance(*metrics.feature_statistics(a),
                                     *metrics.feature_statistics(b))
    assert math.isfinite(value) and value > 10  # the means differ by 1 on 17 axes


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="covariances of shape"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match=r"\(N, D\) with N >= 2"):
        metrics.feature_statistics(np.zeros((1, 4)))


# --------------------------------------------------------------------------- kernel distance


def test_unbiased_mmd2_matches_the_formula_term_by_term():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))

    def k(u, v):
        return (u @ v / 3 + 1) ** 3

    xx = sum(k(x[i], x[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(x[i], y[j]) for i in range(4) for j in range(5)) / (4 * 5)
    assert metrics.unbiased_mmd2(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_kernel_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(600, 8)), rng.normal(size=(600, 8))
    same_mean, same_std = metrics.kernel_distance(a, b, subsets=5, subset_size=300)
    shifted_mean, _ = metrics.kernel_distance(a, b + 1.0, subsets=5, subset_size=300)
    assert abs(same_mean) < 0.05 and same_std >= 0
    assert shifted_mean > 1.0 and shifted_mean > 20 * abs(same_mean)


def test_kernel_distance_caps_the_subset_size_and_is_seeded():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 4)), rng.normal(size=(40, 4))
    first = metrics.kernel_distance(a, b, subsets=3, subset_size=1000, seed=5)
    assert first == metrics.kernel_distance(a, b, subsets=3, subset_size=1000, seed=5)
    with pytest.raises(ValueError, match="at least 2 samples"):
        metrics.kernel_distance(a[:1], b)
    with pytest.raises(ValueError, match=r"\(N, D\) and \(M, D\)"):
        metrics.kernel_distance(a, b[:, :3])


# --------------------------------------------------------------------------- image inputs


def test_as_model_input_accepts_uint8_floats_and_tensors():
    pixels = np.array([0, 255, 51], np.uint8)
    images = np.broadcast_to(pixels[:, None, None], (3, 28, 28)).copy()
    out = metrics.as_model_input(images)
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0, 0, 0], [-1.0, 1.0, 51 / 127.5 - 1], atol=1e-6)
    floats = tf.constant(out)  # a tensor in [-1, 1], with a channel axis
    np.testing.assert_array_equal(metrics.as_model_input(floats), out)
    np.testing.assert_array_equal(metrics.as_model_input(out[..., 0].astype(np.float16)).shape,
                                  (3, 28, 28, 1))


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.full((2, 28, 28), 200.0, np.float32), r"\[0, 255\].*x / 127.5 - 1"),
        (np.full((2, 28, 28), 1.5, np.float32), r"x \* 2 - 1"),
        (np.full((2, 28, 28), -3.0, np.float32), r"must be in \[-1, 1\]"),
        (np.zeros((2, 32, 32), np.uint8), r"shape \(N, 28, 28\).*\(2, 32, 32\)"),
        (np.zeros((28, 28), np.uint8), r"x\[None\]"),
        (np.zeros((2, 28, 28, 3), np.uint8), "shape"),
        (np.zeros((2, 28, 28), np.int64), r"int64.*astype\('uint8'\)"),
        (np.full((2, 28, 28), np.nan, np.float32), "NaN"),
    ],
)
def test_as_model_input_rejects_bad_images_and_says_how_to_fix_them(images, match):
    with pytest.raises(ValueError, match=match):
        metrics.as_model_input(images)


def test_as_model_input_warns_about_probable_unit_interval_floats():
    with pytest.warns(UserWarning, match=r"x \* 2 - 1"):
        metrics.as_model_input(np.full((2, 28, 28), 0.5, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.as_model_input(np.full((2, 28, 28), -0.5, np.float32))


# --------------------------------------------------------------------------- the classifier


def test_shipped_classifier_is_accurate_on_the_embedded_test_split(fashion):
    _, (x_test, y_test) = fashion
    assert len(x_test) == 2000
    predictions = metrics.classify(x_test)
    assert predictions.shape == (2000,) and predictions.dtype == np.int64
    assert np.mean(predictions == y_test) >= 0.90
    features = metrics.fashion_mnist_features(x_test[:10], batch_size=4)
    assert features.shape == (10, 128) and features.dtype == np.float32
    assert metrics.load_fashion_mnist_classifier() is metrics.load_fashion_mnist_classifier()


def test_missing_or_corrupt_classifier_says_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_fashion_mnist_classifier.py"):
        metrics.load_fashion_mnist_classifier(tmp_path / "nope.keras")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a keras archive")
    with pytest.raises(ValueError, match="broken.keras.*train_fashion_mnist_classifier.py"):
        metrics.load_fashion_mnist_classifier(broken)


def _untrained_generator_samples(n, seed=0):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([
        keras.Input((32,)),
        keras.layers.Dense(7 * 7 * 16, activation="relu"),
        keras.layers.Reshape((7, 7, 16)),
        keras.layers.Conv2DTranspose(16, 4, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ])
    noise = np.random.default_rng(seed).normal(size=(n, 32)).astype(np.float32)
    samples = np.asarray(generator(noise))
    assert samples.shape == (n, 28, 28, 1)
    return samples


@pytest.fixture(scope="module")
def fd_values(fashion):
    """Fashion-MNIST FDs of 1,000 real training images to five other sets of 1,000 images."""
    (x_train, y_train), (x_test, _) = fashion
    real = x_train[:1000]
    others = {
        "held_out": x_test[:1000],
        "three_classes": x_train[np.isin(y_train, [0, 1, 7])][:1000],  # a partial collapse
        "untrained": _untrained_generator_samples(1000),
        "noise": np.random.default_rng(0).uniform(-1, 1, (1000, 28, 28)).astype(np.float32),
    }
    return {name: metrics.fashion_mnist_fd(real, images) for name, images in others.items()}


def test_fd_ranks_real_images_first_then_collapse_then_non_clothes(fd_values):
    assert 0 <= fd_values["held_out"] < 5
    assert 10 * fd_values["held_out"] < fd_values["three_classes"]
    assert fd_values["three_classes"] < min(fd_values["untrained"], fd_values["noise"])


@pytest.mark.xfail(strict=True, reason=(
    "Measured (1,000 images, real train as reference): uniform noise ~189, untrained generators "
    "~194-219 (this test's, the lesson's DCGAN at width 1 and 0.25, in inference and training "
    "mode, and the MLP), real vs real ~1.5. The classifier reads contrast as clothes-like: "
    "clipped-normal noise (184) and +-1 noise (172) are closer still, while untrained generators "
    "make near-flat grey (pixel std 0.02-0.4). Every layer of the classifier, its pre-ReLU "
    "features and a second architecture (BN + global-average-pooled features, Inception-style) "
    "rank the same way, so the spec's ordering needs a decision, not test tuning. Lesson 1 "
    "shows this to learners. If this starts passing, the classifier changed: drop the xfail."))
def test_fd_ranks_an_untrained_generator_before_uniform_noise(fd_values):
    assert fd_values["untrained"] < fd_values["noise"]


def test_kid_separates_real_images_from_noise(fashion):
    (x_train, _), (x_test, _) = fashion
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28)).astype(np.float32)
    kid_real, kid_real_std = metrics.fashion_mnist_kid(x_train[:500], x_test[:500], subsets=3,
                                                       subset_size=300)
    kid_noise, _ = metrics.fashion_mnist_kid(x_train[:500], noise, subsets=3, subset_size=300)
    assert abs(kid_real) < 0.1 and kid_real_std < 0.1
    assert kid_noise > 1.0


def test_class_histogram_and_mode_coverage(fashion):
    _, (x_test, y_test) = fashion
    counts = metrics.class_histogram(x_test)
    assert counts.shape == (10,) and counts.sum() == len(x_test)
    assert np.all(np.abs(counts - np.bincount(y_test)) < 80)  # about 200 per class
    assert metrics.mode_coverage(x_test) == 10

    collapsed = np.repeat(x_test[:1], 50, axis=0)
    counts = metrics.class_histogram(collapsed)
    assert counts.max() == 50 and np.count_nonzero(counts) == 1
    assert metrics.mode_coverage(collapsed) == 1
    labels = metrics.classify(x_test[:20])
    stray = x_test[np.flatnonzero(labels != labels[0])[:1]]  # one image of another class
    nearly_collapsed = np.concatenate([np.repeat(x_test[:1], 99, axis=0), stray])
    assert metrics.mode_coverage(nearly_collapsed) == 1  # 1 % is below the 2 % share
    assert metrics.mode_coverage(nearly_collapsed, min_share=0.01) == 2
    with pytest.raises(ValueError, match="min_share"):
        metrics.mode_coverage(collapsed, min_share=0)


def test_class_probabilities_are_the_classifiers_softmax(fashion):
    _, (x_test, _) = fashion
    probabilities = metrics.class_probabilities(x_test[:50])
    assert probabilities.shape == (50, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), metrics.classify(x_test[:50]))


def test_recognised_classes_needs_confident_samples_in_every_class(fashion):
    _, (x_test, _) = fashion
    shares = metrics.recognised_shares(x_test)
    assert shares.shape == (10,) and 0.5 < shares.sum() <= 1.0
    assert metrics.recognised_classes(x_test) == 10
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28)).astype(np.float32)
    assert metrics.recognised_classes(noise) == 0
    assert metrics.recognised_classes(np.repeat(x_test[:1], 50, axis=0)) == 1
    blurred = ndimage.gaussian_filter(x_test.astype(np.float32), (0, 1.5, 1.5)).astype(np.uint8)
    assert metrics.recognised_classes(blurred) < 9  # blurry clothes are not sure of their class
    # a stricter confidence can only recognise fewer samples
    assert np.all(metrics.recognised_shares(x_test, confidence=0.99) <= shares)
    with pytest.raises(ValueError, match="confidence"):
        metrics.recognised_shares(x_test, confidence=1.0)
    with pytest.raises(ValueError, match="min_share"):
        metrics.recognised_classes(x_test, min_share=0)


# --------------------------------------------------------------------------- memorisation


def test_nearest_neighbours_on_a_hand_made_example():
    references = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]], np.float32)
    queries = np.array([[0.9, 1.0], [-1.0, 0.0], [0.0, 0.0], [0.2, -0.1]], np.float32)
    expected_indices = [1, 2, 0, 0]
    expected_distances = [0.1, 0.5, 0.0, math.hypot(0.2, 0.1)]
    for batch_size in (1, 3, 256):
        distances, indices = metrics.nearest_neighbours(queries, references, batch_size)
        np.testing.assert_array_equal(indices, expected_indices)
        np.testing.assert_allclose(distances, expected_distances, atol=1e-6)


def test_nearest_neighbours_maps_uint8_to_the_unit_scale():
    references = np.array([[[0, 255]], [[255, 255]]], np.uint8)  # (2, 1, 2) images
    queries = np.array([[[1.0, 1.0]], [[-1.0, 0.0]]], np.float32)
    distances, indices = metrics.nearest_neighbours(queries, references)
    np.testing.assert_array_equal(indices, [1, 0])
    np.testing.assert_allclose(distances, [0.0, 1.0], atol=1e-6)
    with pytest.raises(ValueError, match="same size"):
        metrics.nearest_neighbours(queries, np.zeros((2, 3), np.float32))


def test_memorisation_check_flags_copies_but_not_held_out_images(fashion):
    (x_train, _), (x_test, _) = fashion
    copies = metrics.memorisation_check(x_train[:200], x_train, x_test[200:400])
    assert copies["ratio"] < 0.1 and copies["fraction_below_threshold"] == 1.0
    assert copies["median_generated_to_train"] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(copies["generated_nearest_indices"], np.arange(200))

    fresh = metrics.memorisation_check(x_test[:200], x_train, x_test[200:400])
    assert 0.8 < fresh["ratio"] < 1.25 and fresh["fraction_below_threshold"] < 0.05
    assert fresh["n_generated"] == fresh["n_test"] == 200


# --------------------------------------------------------------------------- Inception FID


@pytest.fixture
def no_inception(monkeypatch):
    """A process without a loaded InceptionV3."""
    monkeypatch.setattr(metrics, "_INCEPTION", {})


def test_inception_fid_offline_says_to_use_fashion_mnist_fd(monkeypatch, no_inception):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setattr(metrics, "_inception_weights_cached", lambda: False)

    def must_not_download():
        raise AssertionError("offline mode must not try the network")

    monkeypatch.setattr(metrics, "_build_inception", must_not_download)
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(RuntimeError, match=r"internet.*GAN_COURSE_OFFLINE=1.*fashion_mnist_fd"):
        metrics.inception_fid(images, images)


def test_inception_fid_failed_download_says_why(monkeypatch, no_inception):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")

    def failed_download():  # what keras.utils.get_file raises without a network
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- "
                        "[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(metrics, "_build_inception", failed_download)
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(RuntimeError, match=r"internet.*URL fetch failure.*fashion_mnist_fd"):
        metrics.inception_fid(images, images)


def test_inception_fid_with_an_injected_model(no_inception):
    seen = []
    tiny = keras.Sequential([keras.Input((299, 299, 3)), keras.layers.AveragePooling2D(100),
                             keras.layers.Flatten()])  # 2 x 2 x 3 = 12 features

    def spy(batch):
        seen.append((tuple(batch.shape), float(tf.reduce_min(batch)), float(tf.reduce_max(batch))))
        return tiny(batch)

    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    brighter = np.clip(grey.astype(np.int64) + 80, 0, 255).astype(np.uint8)
    same = metrics.inception_fid(grey, grey.astype(np.float32) / 255, batch_size=16, model=spy)
    assert same == pytest.approx(0.0, abs=1e-3)  # [0, 1] floats are the same images
    assert [s[0] for s in seen[:3]] == [(16, 299, 299, 3), (16, 299, 299, 3), (8, 299, 299, 3)]
    assert all(-1.0 <= low and high <= 1.0 for _, low, high in seen)  # preprocess_input's range
    rgb = np.repeat(grey[..., None], 3, axis=-1).astype(np.float32) / 127.5 - 1
    assert metrics.inception_fid(grey, rgb, model=tiny) == pytest.approx(0.0, abs=1e-3)
    assert metrics.inception_fid(grey, brighter, model=tiny) > 1.0
    with pytest.raises(ValueError, match="uint8"):
        metrics.inception_fid(grey.astype(np.float32), grey, model=tiny)  # [0, 255] floats


# --------------------------------------------------------------------------- textures


def test_laplacian_pyramid_sums_back_to_the_image():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3))
    pyramid = metrics.laplacian_pyramid(images, levels=3)
    assert [level.shape[1] for level in pyramid] == [32, 16, 8]
    rebuilt = pyramid[-1]
    for detail in reversed(pyramid[:-1]):
        up = np.zeros_like(detail)
        up[:, ::2, ::2] = rebuilt
        rebuilt = detail + 4.0 * metrics._blur(up)
    np.testing.assert_allclose(rebuilt, images, atol=1e-12)
    assert np.abs(pyramid[0]).mean() > 0.1  # white noise is mostly fine detail


def test_sliced_wasserstein_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 1))
    assert metrics.sliced_wasserstein(a, a) == 0.0
    # in 1-D every direction is +-1, and W1 of a shifted sample is the shift
    assert metrics.sliced_wasserstein(a, a + 0.3) == pytest.approx(0.3)
    b = rng.normal(size=(500, 5))
    c = rng.normal(size=(500, 5)) * 2
    assert metrics.sliced_wasserstein(b, c) == pytest.approx(metrics.sliced_wasserstein(c, b))
    assert metrics.sliced_wasserstein(b, c) > 5 * metrics.sliced_wasserstein(
        b, rng.normal(size=(500, 5)))
    with pytest.raises(ValueError, match="same shape"):
        metrics.sliced_wasserstein(b, c[:10])


def _crops(image, n, size, rng, rows=slice(None)):
    region = image[rows]
    ys = rng.integers(0, region.shape[0] - size + 1, n)
    xs = rng.integers(0, region.shape[1] - size + 1, n)
    return np.stack([region[y:y + size, x:x + size] for y, x in zip(ys, xs, strict=True)]) * 2 - 1


def test_texture_swd_ranks_same_texture_first():
    from gan_course.data import load_texture

    rng = np.random.default_rng(0)
    gravel, brick, grass = (load_texture(name) for name in ("gravel", "brick", "grass"))
    # two disjoint halves of the gravel image: the same texture, different pixels
    top, bottom = (_crops(gravel, 64, 64, rng, rows) for rows in (slice(0, 256), slice(256, None)))
    kwargs = {"descriptors": 4096}
    same = metrics.texture_swd(top, bottom, **kwargs)
    others = {
        "brick": metrics.texture_swd(top, _crops(brick, 64, 64, rng), **kwargs),
        "grass": metrics.texture_swd(top, _crops(grass, 64, 64, rng), **kwargs),
        "noise": metrics.texture_swd(top, rng.uniform(-1, 1, (64, 64, 64, 1)), **kwargs),
        "blurred gravel": metrics.texture_swd(top, metrics._blur(metrics._blur(bottom)),
                                              **kwargs),
    }
    for name, value in others.items():
        assert value > 1.5 * same, (name, value, same)
    # bigger images of the same texture are still close: the statistics are local
    assert metrics.texture_swd(top, _crops(gravel, 4, 256, rng), **kwargs) < min(others.values())


def test_texture_swd_rejects_bad_input():
    patches = np.zeros((4, 64, 64, 1), np.float32)
    with pytest.raises(ValueError, match="channel"):
        metrics.texture_swd(patches, np.zeros((4, 64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="at least 28"):
        metrics.texture_swd(patches, np.zeros((4, 16, 16, 1), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        metrics.texture_swd(patches, np.full((4, 64, 64, 1), np.nan, np.float32))
    with pytest.raises(ValueError, match="dtype int64"):
        metrics.texture_swd(patches, np.zeros((4, 64, 64, 1), np.int64))


def test_seam_ratio():
    from gan_course.data import load_texture

    gravel = load_texture("gravel")[:, :, 0]
    assert metrics.seam_ratio(gravel) > 2  # a photo: opposite edges are unrelated
    from scipy.ndimage import gaussian_filter

    noise = np.random.default_rng(0).normal(size=(128, 128))
    periodic = gaussian_filter(noise, 2.0, mode="wrap")  # smooth on a torus: tiles seamlessly
    assert metrics.seam_ratio(periodic) == pytest.approx(1.0, abs=0.2)
    assert metrics.seam_ratio(gaussian_filter(noise, 2.0, mode="reflect")) > 2
    with pytest.raises(ValueError, match="one image"):
        metrics.seam_ratio(np.zeros((2, 8, 8, 1)))
