"""Latent paths (norms, end points) and inversion on a tiny generator with a known latent."""

import math

import keras
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


def test_latent_angle_in_degrees_row_by_row():
    e1, e2 = np.eye(3)[0], np.eye(3)[1]
    np.testing.assert_allclose(latent.latent_angle(e1, e2), [90.0])
    np.testing.assert_allclose(latent.latent_angle(2 * e1, e1), [0.0], atol=1e-6)
    np.testing.assert_allclose(latent.latent_angle(-e1, 3 * e1), [180.0])
    np.testing.assert_allclose(latent.latent_angle([[1, 1, 0], [1, 0, 0]], [[1, 0, 0], [0, 0, 1]]),
                               [45.0, 90.0])
    rng = np.random.default_rng(0)
    random = latent.latent_angle(rng.normal(size=(200, 512)), rng.normal(size=(200, 512)))
    assert abs(random.mean() - 90) < 1 and random.std() < 5  # high d: nearly orthogonal


def test_latent_angle_refuses_zero_or_mismatched_latents():
    with pytest.raises(ValueError, match="zero vector"):
        latent.latent_angle(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match="same shape"):
        latent.latent_angle(np.ones(4), np.ones(5))


def test_bad_paths_are_refused():
    z1, z2 = _two()
    with pytest.raises(ValueError, match="method"):
        latent.interpolation_path(z1, z2, method="cubic")
    with pytest.raises(ValueError, match="at least 2"):
        latent.interpolation_path(z1, z2, n=1)
    with pytest.raises(ValueError, match="same shape"):
        latent.lerp(z1, z2[:3], 0.5)
    with pytest.raises(ValueError, match=r"n=2\.7: a path needs a whole number of points"):
        latent.interpolation_path(z1, z2, n=2.7)
    assert latent.interpolation_path(z1, z2, n=np.int64(3)).shape == (3, D)


@pytest.mark.parametrize("path", [latent.slerp, latent.norm_preserving])
def test_paths_that_divide_by_a_norm_refuse_a_zero_or_nan_latent(path):
    z1, z2 = _two()
    with pytest.raises(ValueError, match="z1 is the zero vector"):
        path(np.zeros(D), z2, 0.5)
    with pytest.raises(ValueError, match="z2 is the zero vector"):
        path(z1, np.zeros(D), 0.5)
    with pytest.raises(ValueError, match="z2 contains NaN"):
        path(z1, np.full(D, np.nan), 0.5)
    with pytest.raises(ValueError, match="z1 contains NaN"):
        latent.lerp(np.full(D, np.inf), z2, 0.5)
    # lerp divides by nothing, so it may start at the zero vector
    np.testing.assert_allclose(latent.lerp(np.zeros(D), z2, 1.0)[0], z2, rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, r"steps=0 must be a whole number >= 1"),
    ({"steps": 2.5}, r"steps=2\.5 must be a whole number >= 1"),
    ({"lr": float("nan")}, r"lr=nan must be a finite learning rate > 0"),
    ({"lr": -0.1}, r"lr=-0\.1 must be a finite learning rate > 0"),
])
def test_inversions_refuse_bad_steps_and_learning_rates(kwargs, message):
    target = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(ValueError, match=message):
        latent.source_inversion(TinyGenerator(), target, D, **kwargs)
    with pytest.raises(ValueError, match=message):
        latent.invert(TinyGenerator(), target, D, **kwargs)
    with pytest.raises(ValueError, match=r"restarts=0 must be a whole number >= 1"):
        latent.invert(TinyGenerator(), target, D, restarts=0)


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
    # each kept latent remembers where it started: the best restart's own start
    starts = tf.random.Generator.from_seed(3).normal([6, D]).numpy()
    assert one.z_start.shape == (1, D) and np.allclose(one.z_start[0], starts[0])
    assert any(np.allclose(many.z_start[0], start) for start in starts)
    assert not np.allclose(many.z_start, many.z)  # the search moved


def test_source_inversion_follows_the_notebook():
    g = TinyGenerator()
    target = g(np.zeros((1, D), "float32")).numpy()[0]
    result = latent.source_inversion(g, target, D, steps=20, frame_every=5)
    assert len(result.frames) == 4 and result.frames[0].shape == (4, 4, 3)
    assert len(result.losses) == 20 and result.z.shape == (1, D)
    assert np.allclose(result.z_start, tf.random.Generator.from_seed(0).normal([1, D]).numpy())
    # the first loss as the notebook's MeanAbsoluteError(reduction="sum") computes it: the mean
    # over the 3 channels of each pixel, summed over the pixels, plus the norm term
    z0 = tf.random.Generator.from_seed(0).normal([1, D])
    per_pixel = np.abs(g(z0).numpy()[0] - target).mean(axis=-1)
    expected = per_pixel.sum() + abs(np.linalg.norm(z0.numpy()) - math.sqrt(D))
    assert result.losses[0] == pytest.approx(expected, rel=1e-4)
    assert result.pixel_errors.shape == (20, 1)
    assert result.pixel_errors[0, 0] == pytest.approx(per_pixel.mean(), rel=1e-4)


def test_source_loss_is_keras_mean_absolute_error_with_sum_reduction():
    # the pinned hand computation above, checked against the Keras loss the notebook calls
    rng = np.random.default_rng(3)
    image, target = (rng.uniform(size=(6, 5, 3)).astype("float32") for _ in range(2))
    z = rng.normal(size=(1, 512)).astype("float32")
    keras_mae = tf.keras.losses.MeanAbsoluteError(reduction="sum")(image, target)
    expected = float(keras_mae) + abs(np.linalg.norm(z) - math.sqrt(512))
    assert float(latent.source_loss(image, target, z)) == pytest.approx(expected, rel=1e-5)
    summed_over_channels = np.abs(image - target).sum()  # the old, 3x too large data term
    assert float(keras_mae) == pytest.approx(summed_over_channels / 3, rel=1e-5)


def test_course_loss_is_the_mean_pixel_error_plus_a_soft_prior():
    rng = np.random.default_rng(4)
    images, target = (rng.uniform(size=(2, 4, 4, 3)).astype("float32") for _ in range(2))
    z = np.stack([np.full(16, 1.0), np.full(16, 2.0)]).astype("float32")  # |z| = 4 and 8
    loss, pixel = latent.course_loss(images, target, z, prior_weight=0.5)
    expected_pixel = np.abs(images - target).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(pixel, expected_pixel, rtol=1e-6)
    np.testing.assert_allclose(loss, expected_pixel + 0.5 * np.array([0.0, 1.0]), rtol=1e-6)


def test_invert_records_the_best_restarts_pixel_error_per_step():
    g = TinyGenerator()
    targets = g(np.random.default_rng(9).normal(size=(2, D))).numpy()
    result = latent.invert(g, targets, D, steps=40, restarts=3, jit_compile=False)
    assert result.pixel_errors.shape == (40, 2)
    assert np.all(result.pixel_errors[-1] < result.pixel_errors[0])
    # at the last step the noise is 0, so the recorded error is the final latents' own
    np.testing.assert_allclose(result.pixel_errors[-1], result.pixel_error, rtol=0.05)


def test_invert_noise_is_the_projectors_share_of_the_latent_spread():
    # projector.py: w_noise_scale = w_std * 0.05 * max(0, 1 - t / 0.75)^2, with w_std the RMS
    # distance of a latent from the mean: sqrt(d) for N(0, I)
    assert float(latent.projector_noise(0.0, scale=math.sqrt(512))) == pytest.approx(
        0.05 * math.sqrt(512))
    g = TinyGenerator()
    target = g(np.zeros((1, D), "float32")).numpy()
    quiet = latent.invert(g, target, D, steps=5, restarts=2, jit_compile=False)  # default: off
    noisy = latent.invert(g, target, D, steps=5, restarts=2, noise=0.05, jit_compile=False)
    assert not np.allclose(quiet.losses, noisy.losses)  # the noise argument reaches the step


def test_uint8_targets_mean_the_same_as_their_float_twins():
    g = TinyGenerator()
    as_float = np.round(g(np.random.default_rng(2).normal(size=(2, D))).numpy() * 255) / 255
    as_uint8 = np.round(as_float * 255).astype(np.uint8)
    np.testing.assert_allclose(latent.check_targets(as_uint8, (4, 4, 3)), as_float, atol=1e-6)
    a = latent.invert(g, as_uint8, D, steps=10, restarts=2, jit_compile=False)
    b = latent.invert(g, as_float.astype("float32"), D, steps=10, restarts=2, jit_compile=False)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-5)


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
    (np.zeros((2, 3, 4, 4)), r"channels-first.*np.moveaxis\(targets, 1, -1\)"),
    (np.zeros((1, 4, 4, 1)), "channels"),
    (np.full((1, 4, 4, 3), 2.0), r"\[0, 1\]"),
    (np.full((1, 4, 4, 3), 200.0), r"\[0, 255\]"),  # [0, 255] floats are named, not rescaled
    (np.zeros((4, 3)), "shape"),
])
def test_bad_targets_get_clear_errors(bad, message):
    if "channels-first" in message:
        with pytest.raises(ValueError) as error:
            latent.invert(TinyGenerator(), bad, D, steps=1)
        assert "resize" not in str(error.value)
    with pytest.raises(ValueError, match=message):
        latent.invert(TinyGenerator(), bad, D, steps=1)


# --------------------------------------------------------------------------- the online path


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory):
    """A normal colour photo on disk: scikit-image's coffee cup as a PNG (600x400, uint8; 0.6 %
    of its values are 0 or 255)."""
    import imageio.v3 as iio
    import skimage.data

    path = tmp_path_factory.mktemp("photos") / "coffee.png"
    iio.imwrite(path, skimage.data.coffee())
    return path


@pytest.fixture(scope="module")
def progan_128_like(tmp_path_factory):
    """A tiny SavedModel with TF-Hub progan-128's signature: ``signatures["default"]`` maps
    z float32 (N, 512) to images (N, 128, 128, 3) in [0, 1]."""
    import keras

    from gan_course.layers import NearestUpsample2D
    from gan_course.models import progan

    keras.utils.set_random_seed(0)
    tiny = keras.Sequential([keras.Input((512,)), keras.layers.Dense(8 * 8 * 3),
                             keras.layers.Reshape((8, 8, 3)), NearestUpsample2D(16),
                             keras.layers.Activation("tanh")])
    folder = tmp_path_factory.mktemp("hub") / "progan_128_like"
    progan.export_generator(tiny, folder, latent_dim=512)
    return folder


def test_a_photo_file_becomes_an_unsaturated_target(photo_file):
    target = latent.photo_target(photo_file, side=128)  # what the MY_PHOTO cell calls
    assert target.shape == (128, 128, 3) and target.dtype == np.float32
    assert 0.0 <= target.min() and target.max() <= 1.0
    saturated = np.mean((target == 0.0) | (target == 1.0))
    assert saturated < 0.05, f"{saturated:.1%} of the target's pixels are at 0 or 1"
    # the same photo as an array, uint8 or float in [0, 1], gives the same target
    import imageio.v3 as iio

    pixels = iio.imread(photo_file)
    np.testing.assert_allclose(latent.photo_target(pixels, 128), target, atol=1e-6)
    np.testing.assert_allclose(latent.photo_target(pixels / 255.0, 128), target, atol=1e-6)
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        latent.photo_target(pixels.astype("float32"), 128)  # [0, 255] floats: named, not clipped


def test_a_photo_inverts_through_a_progan_128_signature(photo_file, progan_128_like):
    from gan_course.models import progan

    generator, latent_dim = progan.load_progan(str(progan_128_like), verbose=False)
    assert latent_dim == 512
    target = latent.photo_target(photo_file, side=128)
    course = latent.invert(generator, target, latent_dim, steps=4, restarts=2)
    source = latent.source_inversion(generator, target, latent_dim, steps=3, frame_every=1)
    assert course.images.shape == (1, 128, 128, 3) and len(source.frames) == 3
    assert np.all(np.isfinite(course.losses)) and np.all(np.isfinite(source.losses))
    assert course.pixel_error[0] < 0.5 and source.pixel_error[0] < 0.5


def test_compare_inversions_puts_the_same_quantity_side_by_side():
    g = TinyGenerator()
    targets = g(np.random.default_rng(10).normal(size=(2, D))).numpy()
    comparison = latent.compare_inversions(g, targets, D, steps=30, restarts=2, jit_compile=False)
    source_curve, course_curve = comparison.pixel_error_curves()
    assert source_curve.shape == course_curve.shape == (30,)
    assert comparison.source_pixel_error == pytest.approx(
        np.mean([s.pixel_error[0] for s in comparison.sources]))
    assert comparison.ratio == pytest.approx(
        comparison.course.pixel_error.mean() / comparison.source_pixel_error)
    assert comparison.source_images.shape == targets.shape
    assert "ratio" in comparison.summary("generated")


def test_invert_without_the_schedule_keeps_its_learning_rate():
    g = TinyGenerator()
    target = g(np.zeros((1, D), "float32")).numpy()
    scheduled = latent.invert(g, target, D, steps=6, restarts=1, noise=0.0, jit_compile=False)
    constant = latent.invert(g, target, D, steps=6, restarts=1, noise=0.0, jit_compile=False,
                             lr_schedule=False)
    # step 0 of the schedule has learning rate 0: z does not move, so loss 1 == loss 0
    assert scheduled.losses[1] == pytest.approx(scheduled.losses[0], rel=1e-6)
    assert constant.losses[1] < constant.losses[0]


def test_invert_reads_a_tanh_generators_range_and_checks_it_before_step_1():
    """A [-1, 1] generator inverts like its [0, 1] twin; a wrong range is named at once."""
    unit = TinyGenerator()
    w = unit.w
    signed = keras.Sequential([keras.Input((D,)), keras.layers.Dense(48, use_bias=False),
                               keras.layers.Reshape((4, 4, 3)), keras.layers.Activation("tanh")])
    signed.layers[0].set_weights([w.numpy() / 2.0])  # tanh(x / 2) = 2 sigmoid(x) - 1
    targets = unit(np.random.default_rng(5).normal(size=(2, D)).astype("float32")).numpy()
    a = latent.invert(unit, targets, D, steps=20, restarts=2, jit_compile=False)
    b = latent.invert(signed, targets, D, steps=20, restarts=2, jit_compile=False)
    np.testing.assert_allclose(a.images, b.images, atol=1e-4)  # both in [0, 1]
    np.testing.assert_allclose(a.pixel_error, b.pixel_error, atol=1e-4)
    plain = keras.Sequential([keras.Input((D,)), keras.layers.Dense(48, use_bias=False),
                              keras.layers.Reshape((4, 4, 3))])  # linear: read as [0, 1]
    plain.layers[0].set_weights([w.numpy()])
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*invert\(\.\.\., value_range="):
        latent.invert(plain, targets, D, steps=200, jit_compile=False)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        latent.invert(signed, targets, D, steps=1, value_range=(0, 1))
