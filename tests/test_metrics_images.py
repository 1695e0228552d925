"""metrics.images: KID on the course's VGG-16 encoder, proven on 64x64 crops of the offline
scikit-image photos. Real against real is the smallest; noise, flat colours and blurred crops
are clearly larger; the real set's floor is about the real-against-real value."""

import numpy as np
import pytest
import tensorflow as tf

from gan_course import data, image_ops, metrics
from gan_course.metrics import images

#: The colour photos that ship inside scikit-image (data.COLOUR_PHOTOS).
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry",
          "hubble_deep_field", "retina")
SIDE = 64
PER_PHOTO = 14  # per set; chelsea (300x451) has 28 tiles of 64 px


def _tiles(photo: np.ndarray, rng) -> list[np.ndarray]:
    """The photo's non-overlapping SIDE x SIDE tiles (grid at a random offset), shuffled."""
    height, width = photo.shape[:2]
    top, left = rng.integers(0, height % SIDE + 1), rng.integers(0, width % SIDE + 1)
    tiles = [photo[y:y + SIDE, x:x + SIDE] for y in range(top, height - SIDE + 1, SIDE)
             for x in range(left, width - SIDE + 1, SIDE)]
    return [tiles[i] for i in rng.permutation(len(tiles))]


@pytest.fixture(scope="module")
def crops():
    """Two disjoint sets of real uint8 crops (98 each, 14 per photo), and three fakes made
    from set B: uniform noise, each crop's mean colour, each crop shrunk 8x and enlarged."""
    rng = np.random.default_rng(0)
    set_a, set_b = [], []
    for photo in data.colour_photos(PHOTOS).values():
        tiles = _tiles(photo, rng)[:2 * PER_PHOTO]
        set_a += tiles[0::2]
        set_b += tiles[1::2]
    real_a, real_b = np.stack(set_a), np.stack(set_b)
    small = tf.image.resize(real_b.astype(np.float32), (SIDE // 8, SIDE // 8), method="area")
    blurred = tf.image.resize(small, (SIDE, SIDE), method="bilinear").numpy()
    flat = np.broadcast_to(real_b.mean(axis=(1, 2), keepdims=True), real_b.shape)
    return {"a": real_a, "b": real_b,
            "noise": rng.integers(0, 256, real_b.shape, dtype=np.uint8),
            "flat": np.round(flat).astype(np.uint8),
            "blurred": np.round(blurred).clip(0, 255).astype(np.uint8)}


def test_kid_ranks_real_below_noise_flat_and_blurred_crops(crops):
    kid = {name: images.image_kid(crops["a"], crops[name])
           for name in ("b", "noise", "flat", "blurred")}
    floor = images.image_kid_floor(np.concatenate([crops["a"], crops["b"]]))
    print("image KID:", {name: round(value, 3) for name, value in kid.items()},
          "floor:", round(floor, 3))
    assert len(crops["a"]) == len(crops["b"]) == 7 * PER_PHOTO
    assert abs(kid["b"]) < 0.3  # two samples of one distribution: about 0
    smallest_fake = min(kid["noise"], kid["flat"], kid["blurred"])
    assert smallest_fake > 1.0 and smallest_fake > 5 * abs(kid["b"])
    assert kid["noise"] > kid["flat"] > kid["blurred"]  # noise is the least photo-like
    assert abs(floor) < 0.3
    assert abs(floor - kid["b"]) < 0.25 * (smallest_fake - kid["b"])


def test_kid_is_symmetric(crops):
    subset = crops["a"][::4]
    forward = images.image_kid(subset, crops["b"][::4])
    backward = images.image_kid(crops["b"][::4], subset)
    assert forward == pytest.approx(backward, abs=1e-9)


def test_uint8_and_float_inputs_give_the_same_features(crops):
    pixels = crops["a"][:6]
    from_uint8 = images.image_features(pixels)
    signed = pixels.astype(np.float32) / 127.5 - 1.0
    unit = pixels.astype(np.float32) / 255.0
    assert from_uint8.shape == (6, 768) and from_uint8.dtype == np.float32
    np.testing.assert_allclose(images.image_features(signed), from_uint8, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(images.image_features(unit, value_range=image_ops.UNIT),
                               from_uint8, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(images.image_features(pixels, batch_size=4), from_uint8,
                               rtol=1e-4, atol=1e-4)


def test_grey_images_are_repeated_to_rgb(crops):
    grey = crops["a"][:4, :, :, :1]
    expected = images.image_features(np.repeat(grey, 3, axis=-1))
    np.testing.assert_allclose(images.image_features(grey), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(images.image_features(grey[..., 0]), expected, rtol=1e-5,
                               atol=1e-5)


def test_channels_first_is_refused_with_the_transpose():
    with pytest.raises(ValueError, match=r"channels-first.*transpose\(0, 2, 3, 1\)"):
        images.image_features(np.zeros((4, 3, 64, 64), np.uint8))


def test_a_single_image_is_refused():
    with pytest.raises(ValueError, match=r"one image \(H, W, C\).*batch"):
        images.image_features(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="at least 2"):
        images.image_kid(np.zeros((1, 64, 64, 3), np.uint8), np.zeros((4, 64, 64, 3), np.uint8))


def test_floats_outside_the_value_range_are_refused():
    pixels = np.full((4, 64, 64, 3), 200.0, np.float32)
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\].*\[0, 255\] pixels"):
        images.image_features(pixels)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        images.image_features(pixels / 255.0 * 2.0, value_range=image_ops.UNIT)


def test_images_below_32_pixels_are_refused():
    with pytest.raises(ValueError, match=r"16x16 px.*at least 32 px.*fashion_mnist_kid"):
        images.image_features(np.zeros((4, 16, 16, 3), np.uint8))


def test_the_floor_needs_four_images():
    with pytest.raises(ValueError, match="at least 4"):
        images.image_kid_floor(np.zeros((3, 64, 64, 3), np.uint8))


def test_the_metrics_package_exports_them():
    for name in ("image_features", "image_kid", "image_kid_floor"):
        assert getattr(metrics, name) is getattr(images, name)
        assert name in metrics.__all__
