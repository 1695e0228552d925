import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gan_course import image_ops

ALL_BYTES = np.arange(256, dtype=np.uint8)

# --------------------------------------------------------------------------- check_images


def test_check_images_adds_the_channel_axis_and_keeps_dtype_and_values():
    grey = np.random.default_rng(0).uniform(-1, 1, (2, 5, 4)).astype(np.float16)
    out = image_ops.check_images(grey)
    assert out.shape == (2, 5, 4, 1) and out.dtype == np.float16
    np.testing.assert_array_equal(out[..., 0], grey)
    colour = tf.zeros((3, 4, 4, 3), tf.uint8)  # an eager tensor works too
    assert image_ops.check_images(colour).shape == (3, 4, 4, 3)
    single = image_ops.check_images(np.ones((6, 7)), batched=False, value_range=image_ops.UNIT)
    assert single.shape == (6, 7, 1)
    rgba = image_ops.check_images(np.zeros((1, 2, 2, 4), np.uint8), channels=None)
    assert rgba.shape == (1, 2, 2, 4)


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        ("cat.png", {}, TypeError, r"image array, got the path 'cat.png'.*load_image"),
        (np.zeros((2, 4, 4), np.int64), {}, TypeError, r"dtype int64.*astype\('uint8'\)"),
        (np.full((2, 4, 4), np.nan, np.float32), {}, ValueError, "NaN"),
        (np.full((2, 4, 4), 200.0), {}, ValueError,
         r"must be in \[-1, 1\].*span \[200, 200\].*uint8.*value_range=\(0, 255\)"),
        (np.full((2, 4, 4), -0.5), {"value_range": image_ops.UNIT}, ValueError,
         r"must be in \[0, 1\].*value_range=\(-1, 1\)"),
        (np.full((2, 4, 4), 1.5), {}, ValueError, r"must be in \[-1, 1\]"),
        (np.zeros((4, 4), np.uint8), {}, ValueError, r"got shape \(4, 4\).*x\[None\]"),
        (np.zeros((1, 4, 4, 1), np.uint8), {"batched": False}, ValueError, r"x\[0\]"),
        (np.zeros((2, 4, 4, 4), np.uint8), {}, ValueError, r"C = 1 or 3.*RGBA.*mode='RGB'"),
        (np.zeros((2, 4, 4, 3), np.uint8), {"channels": (1,)}, ValueError, r"C = 1, got shape"),
        (np.zeros((2, 32, 32), np.uint8), {"size": (28, 28)}, ValueError,
         r"\(N, 28, 28\).*got shape \(2, 32, 32\)"),
        (np.zeros((0, 4, 4), np.uint8), {}, ValueError, "empty"),
        (np.zeros((2, 4, 4)), {"value_range": (1, 0)}, ValueError, "low < high"),
        (np.zeros((2, 4, 4)), {"value_range": 1.0}, ValueError, r"pair \(low, high\)"),
    ],
)
def test_check_images_names_the_problem_and_the_fix(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        image_ops.check_images(images, **kwargs)


def test_check_images_allows_round_off_but_not_more():
    slack = image_ops.RANGE_TOLERANCE * 2  # the width of [-1, 1] is 2
    image_ops.check_images(np.full((1, 2, 2), 1 + 0.9 * slack))
    image_ops.check_images(np.full((1, 2, 2), -1 - 0.9 * slack))
    with pytest.raises(ValueError, match="span"):
        image_ops.check_images(np.full((1, 2, 2), 1 + 1.1 * slack))


# --------------------------------------------------------------------------- conversions


def test_uint8_conversions_cover_every_byte_value():
    np.testing.assert_allclose(image_ops.to_signed(ALL_BYTES), ALL_BYTES / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(image_ops.to_unit(ALL_BYTES), ALL_BYTES / 255, atol=1e-6)
    np.testing.assert_array_equal(image_ops.to_uint8(ALL_BYTES), ALL_BYTES)
    # every byte survives a trip through either float range
    signed, unit = image_ops.to_signed(ALL_BYTES), image_ops.to_unit(ALL_BYTES)
    np.testing.assert_array_equal(image_ops.to_uint8(signed), ALL_BYTES)
    np.testing.assert_array_equal(image_ops.to_uint8(unit, image_ops.UNIT), ALL_BYTES)


def test_floats_are_read_as_value_range_never_guessed():
    unit_looking = np.array([0.0, 0.5, 1.0])
    # read as [-1, 1] by default, even though no value is negative
    np.testing.assert_array_equal(image_ops.to_uint8(unit_looking), [128, 191, 255])
    np.testing.assert_array_equal(image_ops.to_uint8(unit_looking, image_ops.UNIT), [0, 128, 255])
    np.testing.assert_allclose(image_ops.to_signed(unit_looking, image_ops.UNIT), [-1, 0, 1])
    np.testing.assert_allclose(image_ops.to_unit(np.array([-1.0, 0.0, 1.0])), [0, 0.5, 1])
    np.testing.assert_allclose(image_ops.to_signed(np.array([0.0, 255.0]), (0, 255)), [-1, 1])
    out = image_ops.to_signed(np.array([1.0005]))  # round-off is clipped
    assert out.dtype == np.float32 and out[0] == 1.0


def test_rescale_is_the_stated_affine_map_on_arrays_and_tensors():
    x = np.array([2.0, 3.0, 5.0])
    expected = 10 + (x - 2) * (40 - 10) / (5 - 2)
    np.testing.assert_allclose(image_ops.rescale(x, (2, 5), (10, 40)), expected)
    np.testing.assert_allclose(image_ops.rescale(tf.constant(x), (2, 5), (10, 40)).numpy(),
                               expected)


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=1, max_size=50))
def test_uint8_to_signed_is_an_exact_affine_map(values):
    pixels = np.array(values, dtype=np.uint8)
    scaled = image_ops.uint8_to_signed(pixels).numpy()
    assert scaled.dtype == np.float32 and scaled.min() >= -1 and scaled.max() <= 1
    np.testing.assert_allclose((scaled + 1) * 127.5, pixels, atol=1e-3)


def test_uint8_to_signed_maps_over_a_dataset():
    ds = tf.data.Dataset.from_tensor_slices(np.array([[0, 255]], np.uint8))
    np.testing.assert_array_equal(next(iter(ds.map(image_ops.uint8_to_signed))).numpy(), [-1, 1])


# --------------------------------------------------------------------------- sRGB <-> Lab


@pytest.fixture(scope="module")
def srgb_cube():
    """33^3 points on a regular grid over the whole sRGB cube, and skimage's Lab for them."""
    from skimage.color import rgb2lab

    axis = np.linspace(0.0, 1.0, 33)
    rgb = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    return rgb, rgb2lab(rgb)


def test_rgb_to_lab_agrees_with_skimage_over_the_srgb_cube(srgb_cube):
    rgb, reference = srgb_cube
    lab = image_ops.rgb_to_lab(rgb.astype(np.float32))
    assert lab.dtype == tf.float32 and lab.shape == rgb.shape
    assert np.abs(lab.numpy() - reference).max() < 0.01  # measured: 0.0049


def test_lab_to_rgb_agrees_with_skimage_and_round_trips(srgb_cube):
    from skimage.color import lab2rgb

    rgb, reference = srgb_cube
    back = image_ops.lab_to_rgb(reference.astype(np.float32)).numpy()
    assert np.abs(back - lab2rgb(reference)).max() < 0.01  # measured: 4e-5
    round_trip = image_ops.lab_to_rgb(image_ops.rgb_to_lab(rgb.astype(np.float32))).numpy()
    assert np.abs(round_trip - rgb).max() < 1e-4  # measured: 7e-6


def test_lab_keeps_leading_axes_and_float64():
    rgb = np.random.default_rng(0).uniform(size=(2, 3, 4, 3))
    lab = image_ops.rgb_to_lab(rgb)
    assert lab.shape == (2, 3, 4, 3) and lab.dtype == tf.float64
    np.testing.assert_allclose(image_ops.lab_to_rgb(lab).numpy(), rgb, atol=1e-10)
    assert image_ops.rgb_to_lab(rgb[0, 0, 0]).shape == (3,)  # one colour


def test_lab_of_black_white_and_greys():
    lab = image_ops.rgb_to_lab(np.array([[0.0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5]])).numpy()
    np.testing.assert_allclose(lab[0], [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(lab[1], [100, 0, 0], atol=1e-3)
    np.testing.assert_allclose(lab[2, 1:], [0, 0], atol=1e-3)  # a grey has no colour
    assert 0 < lab[2, 0] < 100


def test_lab_gradients_are_finite_everywhere_including_black():
    rgb = tf.constant([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.04045, 0.0031308, 1e-9],
                       [0.2, 0.5, 0.9], [1e-7, 0.0, 0.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(rgb)
        lab = image_ops.rgb_to_lab(rgb)
        round_trip = image_ops.lab_to_rgb(lab)
        lightness_of_black = lab[0, 0]
    for target in (lab, round_trip):
        gradient = tape.gradient(target, rgb).numpy()
        assert np.all(np.isfinite(gradient)), gradient
    # the lightness of black still reacts to a little more light
    assert tape.gradient(lightness_of_black, rgb).numpy()[0].sum() > 0
    lab_black = tf.zeros((1, 3))
    with tf.GradientTape() as tape:
        tape.watch(lab_black)
        rgb_black = image_ops.lab_to_rgb(lab_black + tf.constant([[1.0, 0.0, 0.0]]))
    assert np.all(np.isfinite(tape.gradient(rgb_black, lab_black).numpy()))


def test_lab_rejects_wrong_input():
    with pytest.raises(ValueError, match="last axis of size 3"):
        image_ops.rgb_to_lab(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="uint8"):
        image_ops.rgb_to_lab(np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"\[0, 255\] pixels"):  # L would reach 8,840
        image_ops.rgb_to_lab(np.full((2, 3), 200.0))
    with pytest.raises(ValueError, match="last axis of size 3"):
        image_ops.lab_to_rgb(np.zeros((2, 2)))


def test_lesson3_scaling_and_its_inverses(srgb_cube):
    _, lab = srgb_cube
    lightness, ab = lab[:, :1], lab[:, 1:]
    np.testing.assert_allclose(image_ops.lightness_to_model(np.array([0.0, 50, 100])), [-1, 0, 1])
    np.testing.assert_allclose(image_ops.ab_to_model(np.array([-110.0, 55])), [-1, 0.5])
    np.testing.assert_allclose(image_ops.lightness_from_model(
        image_ops.lightness_to_model(lightness)), lightness)
    np.testing.assert_allclose(image_ops.ab_from_model(image_ops.ab_to_model(ab)), ab)
    assert np.abs(image_ops.ab_to_model(ab)).max() < 1  # the sRGB gamut fits a tanh output


def test_rgb_rebuilt_from_model_lightness_and_ab():
    rgb = np.random.default_rng(1).uniform(size=(2, 5, 5, 3)).astype(np.float32)
    lightness, ab = image_ops.rgb_to_model_lab(rgb)
    assert lightness.shape == (2, 5, 5, 1) and ab.shape == (2, 5, 5, 2)
    assert -1 <= float(tf.reduce_min(lightness)) and float(tf.reduce_max(lightness)) <= 1
    np.testing.assert_allclose(image_ops.model_lab_to_rgb(lightness, ab).numpy(), rgb, atol=1e-4)
    grey = image_ops.model_lab_to_rgb(lightness, tf.zeros_like(ab)).numpy()  # no colour
    np.testing.assert_allclose(grey[..., 0], grey[..., 2], atol=1e-4)
    with pytest.raises(ValueError, match="last axis of size 2"):
        image_ops.model_lab_to_rgb(lightness, lightness)


# --------------------------------------------------------------------------- Laplacian pyramid


@pytest.mark.parametrize("shape", [(2, 32, 32, 3), (2, 37, 53, 1), (1, 5, 3, 2)])
@pytest.mark.parametrize("levels", [1, 2, 4])
def test_fold_rebuilds_the_images_exactly(shape, levels):
    images = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    pyramid = image_ops.laplacian_pyramid(images, levels)
    assert len(pyramid) == levels
    rebuilt = image_ops.fold_laplacian_pyramid(pyramid).numpy()
    assert rebuilt.shape == shape and np.abs(rebuilt - images).max() < 1e-5


def test_pyramid_shapes_finest_first_and_what_each_level_holds():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, 37, 53, 1)).astype(np.float32)
    pyramid = image_ops.laplacian_pyramid(images, levels=4)
    assert [tuple(level.shape[1:3]) for level in pyramid] == [(37, 53), (18, 26), (9, 13),
                                                               (4, 6)]
    assert float(tf.reduce_mean(tf.abs(pyramid[0]))) > 0.2  # white noise is mostly fine detail
    # a constant image has no detail at all: every band is 0 and the residual is the constant
    flat = image_ops.laplacian_pyramid(np.full((1, 16, 16, 1), 0.3, np.float32), levels=3)
    assert max(float(tf.reduce_max(tf.abs(band))) for band in flat[:-1]) < 1e-6
    np.testing.assert_allclose(flat[-1].numpy(), 0.3, atol=1e-6)


def test_pyramid_down_is_the_antialiased_bilinear_halving_inside_the_image():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 48, 3)).astype(np.float32)
    down = image_ops.pyramid_down(images).numpy()
    antialiased = tf.image.resize(images, (16, 24), "bilinear", antialias=True).numpy()
    assert down.shape == (2, 16, 24, 3)
    np.testing.assert_allclose(down[:, 1:-1, 1:-1], antialiased[:, 1:-1, 1:-1], atol=1e-6)


def test_pyramid_compiles_with_xla_and_passes_gradients():
    images = tf.random.stateless_uniform((1, 20, 20, 2), seed=(1, 2))

    @tf.function(jit_compile=True)
    def round_trip(x):
        return image_ops.fold_laplacian_pyramid(image_ops.laplacian_pyramid(x, 3))

    np.testing.assert_allclose(round_trip(images).numpy(), images.numpy(), atol=1e-5)
    pyramid = image_ops.laplacian_pyramid(images, 3)
    with tf.GradientTape() as tape:
        tape.watch(pyramid)
        total = tf.reduce_sum(image_ops.fold_laplacian_pyramid(pyramid))
    gradients = tape.gradient(total, pyramid)
    np.testing.assert_allclose(gradients[0].numpy(), 1.0, atol=1e-6)  # the finest band adds up
    assert all(np.all(np.isfinite(g.numpy())) for g in gradients)


def test_pyramid_rejects_bad_input():
    with pytest.raises(ValueError, match="levels=0"):
        image_ops.laplacian_pyramid(np.zeros((1, 8, 8, 1), np.float32), 0)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\).*x\[None\]"):
        image_ops.laplacian_pyramid(np.zeros((8, 8, 1), np.float32), 2)
    with pytest.raises(TypeError, match="to_signed"):
        image_ops.laplacian_pyramid(np.zeros((1, 8, 8, 1), np.uint8), 2)
    with pytest.raises(ValueError, match="non-empty list"):
        image_ops.fold_laplacian_pyramid([])


# --------------------------------------------------------------------------- tint


def test_tint_keeps_lightness_and_sets_the_hue():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (4, 8, 8), dtype=np.uint8)
    hues = np.array([0.0, 90.0, 180.0, 270.0])
    rgb = image_ops.tint(grey, hues, chroma=60)
    assert rgb.shape == (4, 8, 8, 3) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1
    lab = image_ops.rgb_to_lab(rgb).numpy()
    np.testing.assert_allclose(lab[..., 0], 100 * grey.astype(float) / 255.0, atol=0.6)
    # mid greys carry colour at the requested hue angle
    mid = np.abs(100 * grey.astype(float) / 255.0 - 55) < 15
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    assert chroma[mid].mean() > 30
    angle = np.rad2deg(np.arctan2(lab[..., 2], lab[..., 1])) % 360
    for k, hue in enumerate(hues):
        difference = (angle[k][mid[k]] - hue + 180) % 360 - 180
        assert np.abs(difference).max() < 3
    # black stays black and white nearly white (the gamut leaves it almost no chroma)
    ends = image_ops.tint(np.array([[[0, 255]]], np.uint8), [30.0])
    np.testing.assert_allclose(ends[0, 0, 0], 0, atol=1e-3)
    np.testing.assert_allclose(ends[0, 0, 1], 1, atol=5e-3)


def test_tint_two_hues_of_one_image_share_their_lightness():
    grey = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 8, 8)
    red, blue = (image_ops.tint(grey, [hue]) for hue in (30.0, 210.0))
    lightness = [image_ops.rgb_to_lab(x).numpy()[..., 0] for x in (red, blue)]
    np.testing.assert_allclose(lightness[0], lightness[1], atol=0.6)
    assert np.abs(red - blue).max() > 0.2


def test_tint_refuses_bad_input():
    with pytest.raises(ValueError, match="one hue per image"):
        image_ops.tint(np.zeros((2, 4, 4), np.uint8), [0.0])
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        image_ops.tint(np.full((1, 4, 4), 200.0), [0.0])
    with pytest.raises(ValueError, match="chroma"):
        image_ops.tint(np.zeros((1, 4, 4), np.uint8), [0.0], chroma=-1)
    with pytest.raises(ValueError, match="C = 1"):
        image_ops.tint(np.zeros((1, 4, 4, 3), np.uint8), [0.0])
