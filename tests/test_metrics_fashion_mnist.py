import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage

from gan_course import data, image_ops
from gan_course.metrics import fashion_mnist as fm


@pytest.fixture(scope="module")
def fashion():
    """The embedded subset: ((x_train, y_train), (x_test, y_test)), uint8 images."""
    return data.load_embedded_fashion_mnist()


# --------------------------------------------------------------------------- image inputs


def test_as_model_input_accepts_uint8_floats_and_tensors():
    pixels = np.array([0, 255, 51], np.uint8)
    images = np.broadcast_to(pixels[:, None, None], (3, 28, 28)).copy()
    out = fm.as_model_input(images)
    assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0, 0, 0], [-1.0, 1.0, 51 / 127.5 - 1], atol=1e-6)
    floats = tf.constant(out)  # a tensor in [-1, 1], with a channel axis
    np.testing.assert_array_equal(fm.as_model_input(floats), out)
    assert fm.as_model_input(out[..., 0].astype(np.float16)).shape == (3, 28, 28, 1)
    unit = images.astype(np.float32) / 255  # [0, 1] floats, said so
    np.testing.assert_allclose(fm.as_model_input(unit, value_range=image_ops.UNIT), out,
                               atol=1e-6)


@pytest.mark.parametrize(
    ("images", "error", "match"),
    [
        (np.full((2, 28, 28), 200.0, np.float32), ValueError, r"\[0, 255\] pixels.*uint8"),
        (np.full((2, 28, 28), 1.5, np.float32), ValueError, r"must be in \[-1, 1\]"),
        (np.full((2, 28, 28), -3.0, np.float32), ValueError, r"must be in \[-1, 1\]"),
        (np.zeros((2, 32, 32), np.uint8), ValueError, r"\(N, 28, 28\).*\(2, 32, 32\)"),
        (np.zeros((28, 28), np.uint8), ValueError, r"x\[None\]"),
        (np.zeros((2, 28, 28, 3), np.uint8), ValueError, "C = 1, got shape"),
        (np.zeros((2, 28, 28), np.int64), TypeError, r"int64.*astype\('uint8'\)"),
        (np.full((2, 28, 28), np.nan, np.float32), ValueError, "NaN"),
    ],
)
def test_as_model_input_rejects_bad_images_and_says_how_to_fix_them(images, error, match):
    with pytest.raises(error, match=match):
        fm.as_model_input(images)


def test_as_model_input_warns_about_probable_unit_interval_floats():
    with pytest.warns(UserWarning, match=r"value_range=\(0, 1\)"):
        fm.as_model_input(np.full((2, 28, 28), 0.5, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.as_model_input(np.full((2, 28, 28), -0.5, np.float32))
        fm.as_model_input(np.full((2, 28, 28), 0.5, np.float32), value_range=image_ops.UNIT)


# --------------------------------------------------------------------------- the classifier


def test_shipped_classifier_is_accurate_on_the_embedded_test_split(fashion):
    _, (x_test, y_test) = fashion
    assert len(x_test) == 2000
    predictions = fm.classify(x_test)
    assert predictions.shape == (2000,) and predictions.dtype == np.int64
    assert np.mean(predictions == y_test) >= 0.90
    features = fm.fashion_mnist_features(x_test[:10], batch_size=4)
    assert features.shape == (10, 128) and features.dtype == np.float32
    as_unit = fm.fashion_mnist_features(x_test[:10] / 255, value_range=image_ops.UNIT)
    np.testing.assert_allclose(as_unit, features, atol=1e-4)
    assert fm.load_fashion_mnist_classifier() is fm.load_fashion_mnist_classifier()


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
    return {name: fm.fashion_mnist_fd(real, images) for name, images in others.items()}


def test_fd_ranks_real_images_first_then_collapse_then_non_clothes(fd_values):
    assert 0 <= fd_values["held_out"] < 5
    assert 10 * fd_values["held_out"] < fd_values["three_classes"]
    assert fd_values["three_classes"] < min(fd_values["untrained"], fd_values["noise"])


def test_fd_puts_degraded_real_images_between_the_floor_and_non_clothes(fashion, fd_values):
    """What lesson 1 teaches: untrained samples and noise both sit far above the real-vs-real
    floor (their order among themselves means nothing), and real images that were degraded, by
    a blur or a shift, land in between. Measured: floor 1.5, shift by 2 pixels 13.6, blur of
    sigma 1 27.9, untrained generator and noise 190-220."""
    (x_train, _), (x_test, _) = fashion
    real, held_out = x_train[:1000], x_test[:1000].astype(np.float32) / 127.5 - 1.0
    degraded = {"blurred": ndimage.gaussian_filter(held_out, sigma=(0, 1, 1)),
                "shifted": np.roll(held_out, 2, axis=2)}
    floor = fd_values["held_out"]
    non_clothes = min(fd_values["untrained"], fd_values["noise"])
    assert non_clothes > 50 * floor
    for name, images in degraded.items():
        fd = fm.fashion_mnist_fd(real, images)
        assert 3 * floor < fd < non_clothes / 3, (name, fd, floor, non_clothes)


def test_kid_separates_real_images_from_noise(fashion):
    (x_train, _), (x_test, _) = fashion
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28)).astype(np.float32)
    kid_real, kid_real_std = fm.fashion_mnist_kid(x_train[:500], x_test[:500], subsets=3,
                                                  subset_size=300)
    kid_noise, _ = fm.fashion_mnist_kid(x_train[:500], noise, subsets=3, subset_size=300)
    assert abs(kid_real) < 0.1 and kid_real_std < 0.1
    assert kid_noise > 1.0


def test_class_histogram_and_mode_coverage(fashion):
    _, (x_test, y_test) = fashion
    counts = fm.class_histogram(x_test)
    assert counts.shape == (10,) and counts.sum() == len(x_test)
    assert np.all(np.abs(counts - np.bincount(y_test)) < 80)  # about 200 per class
    assert fm.mode_coverage(x_test) == 10

    collapsed = np.repeat(x_test[:1], 50, axis=0)
    counts = fm.class_histogram(collapsed)
    assert counts.max() == 50 and np.count_nonzero(counts) == 1
    assert fm.mode_coverage(collapsed) == 1
    labels = fm.classify(x_test[:20])
    stray = x_test[np.flatnonzero(labels != labels[0])[:1]]  # one image of another class
    nearly_collapsed = np.concatenate([np.repeat(x_test[:1], 99, axis=0), stray])
    assert fm.mode_coverage(nearly_collapsed) == 1  # 1 % is below the 2 % share
    assert fm.mode_coverage(nearly_collapsed, min_share=0.01) == 2
    with pytest.raises(ValueError, match="min_share"):
        fm.mode_coverage(collapsed, min_share=0)


def test_class_probabilities_are_the_classifiers_softmax(fashion):
    _, (x_test, _) = fashion
    probabilities = fm.class_probabilities(x_test[:50])
    assert probabilities.shape == (50, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), fm.classify(x_test[:50]))


def test_recognised_classes_needs_confident_samples_in_every_class(fashion):
    _, (x_test, _) = fashion
    shares = fm.recognised_shares(x_test)
    assert shares.shape == (10,) and 0.5 < shares.sum() <= 1.0
    assert fm.recognised_classes(x_test) == 10
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28)).astype(np.float32)
    assert fm.recognised_classes(noise) == 0
    assert fm.recognised_classes(np.repeat(x_test[:1], 50, axis=0)) == 1
    blurred = ndimage.gaussian_filter(x_test.astype(np.float32), (0, 1.5, 1.5)).astype(np.uint8)
    assert fm.recognised_classes(blurred) < 9  # blurry clothes are not sure of their class
    # a stricter confidence can only recognise fewer samples
    assert np.all(fm.recognised_shares(x_test, confidence=0.99) <= shares)
    with pytest.raises(ValueError, match="confidence"):
        fm.recognised_shares(x_test, confidence=1.0)
    with pytest.raises(ValueError, match="min_share"):
        fm.recognised_classes(x_test, min_share=0)


# --------------------------------------------------------------------------- conditional accuracy


def test_conditional_accuracy_reaches_the_ceiling_with_true_labels_and_chance_without(fashion):
    _, (x_test, y_test) = fashion
    images, labels = x_test[:1000], y_test[:1000]
    accuracy = fm.conditional_accuracy(images, labels)
    assert accuracy > 0.85  # the classifier's test accuracy, about 0.91
    assert accuracy == pytest.approx(np.mean(fm.classify(images) == labels))
    shuffled = np.random.default_rng(0).permutation(labels)  # labels unrelated to the images
    assert fm.conditional_accuracy(images, shuffled) < 0.2  # chance is 0.1
    # the same images as floats in [-1, 1], labels as a list or (N, 1) column
    signed = images.astype(np.float32) / 127.5 - 1
    assert fm.conditional_accuracy(signed, labels.tolist()) == pytest.approx(accuracy)
    assert fm.conditional_accuracy(images, labels[:, None]) == accuracy


def test_conditional_accuracy_per_class(fashion):
    _, (x_test, y_test) = fashion
    images, labels = x_test[:1000], y_test[:1000]
    per_class = fm.conditional_accuracy_per_class(images, labels)
    assert per_class.shape == (10,) and per_class.dtype == np.float64
    assert np.all(per_class > 0.5)  # shirts, the hardest class, about 0.7
    counts = np.bincount(labels, minlength=10)
    assert np.sum(per_class * counts) / counts.sum() == pytest.approx(
        fm.conditional_accuracy(images, labels))
    # only trousers requested: the other classes have no value
    trousers = images[labels == 1]
    only = fm.conditional_accuracy_per_class(trousers, np.ones(len(trousers), np.int64))
    assert only[1] > 0.9 and np.all(np.isnan(np.delete(only, 1)))


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.zeros(4, np.int64), ValueError, "5 images but 4 labels"),
        (np.array([0, 1, 2, 3, 10]), ValueError, r"0\.\.9.*from 0 to 10"),
        (np.array([-1, 1, 2, 3, 4]), ValueError, r"0\.\.9"),
        (np.eye(10)[:5], ValueError, r"one-hot.*argmax"),
        (np.zeros((5, 2), np.int64), ValueError, r"shape \(N,\)"),
        (np.array([0.5, 1, 2, 3, 4]), ValueError, "whole numbers"),
        (np.array(["a", "b", "c", "d", "e"]), TypeError, "integer class indices"),
    ],
)
def test_conditional_accuracy_rejects_bad_labels(fashion, labels, error, match):
    _, (x_test, _) = fashion
    for function in (fm.conditional_accuracy, fm.conditional_accuracy_per_class):
        with pytest.raises(error, match=match):
            function(x_test[:5], labels)


def test_fd_per_class_is_low_for_real_classes_and_high_for_a_wrong_class(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    fds = fm.fashion_mnist_fd_per_class(x_train[:2000], y_train[:2000], x_test, y_test)
    assert fds.shape == (10,) and np.all(np.isfinite(fds))
    # real images of each class against real images of the same class: near the floor
    assert fds.max() < 15
    # the same images, labelled one class off: every class is compared with another one
    shifted = fm.fashion_mnist_fd_per_class(x_train[:2000], (y_train[:2000] + 1) % 10,
                                                 x_test, y_test)
    assert np.all(shifted > 3 * fds)
    only_bags = y_train[:2000] == 8
    sparse = fm.fashion_mnist_fd_per_class(x_train[:2000][only_bags], y_train[:2000][only_bags],
                                                x_test, y_test)
    assert np.isfinite(sparse[8]) and np.isnan(np.delete(sparse, 8)).all()
    # a class with a handful of samples gets no FD: 3 images give a Gaussian of noise
    few = np.concatenate([np.flatnonzero(y_train[:2000] == 8)[:3],
                          np.flatnonzero(y_train[:2000] == 1)])
    thin = fm.fashion_mnist_fd_per_class(x_train[few], y_train[few], x_test, y_test)
    assert np.isnan(thin[8]) and np.isfinite(thin[1])
    assert np.isfinite(fm.fashion_mnist_fd_per_class(x_train[few], y_train[few], x_test, y_test,
                                                     min_samples=3)[8])


def test_the_judge_is_another_network_that_reads_real_images_it_never_saw():
    from gan_course import data, features
    from gan_course.checkpoints import architecture
    from gan_course.metrics import fashion_mnist

    judge, record = fashion_mnist.load_judge_classifier()
    assert architecture(judge) != architecture(features.load_fashion_mnist_classifier())
    assert "test part" in record["train_data"] and len(record["accuracy_per_class"]) == 10
    (x_train, y_train), _ = data.load_embedded_fashion_mnist()  # from the npm train part
    predicted = fashion_mnist.judge_logits(x_train[:2000]).argmax(axis=1)
    accuracy = float(np.mean(predicted == y_train[:2000]))
    assert accuracy > 0.85 and abs(accuracy - record["accuracy_embedded_train_split"]) < 0.03
