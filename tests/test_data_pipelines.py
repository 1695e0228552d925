"""gan_course.data.pipelines: gan_dataset and the fixed prefetch of every pipeline."""

import numpy as np
import pytest

from gan_course import data


def test_gan_dataset_scales_batches_and_drops_remainder():
    images = np.arange(10 * 4 * 4, dtype=np.int64).reshape(10, 4, 4) % 256
    images[0, 0, 0], images[1, 0, 0] = 0, 255
    ds = data.gan_dataset(images.astype(np.uint8), batch_size=4, shuffle=False)
    batches = list(ds)
    assert len(batches) == 2  # 10 images, batch 4: the last 2 are dropped
    assert all(b.shape == (4, 4, 4, 1) and b.dtype.name == "float32" for b in batches)
    assert float(batches[0][0, 0, 0, 0]) == -1.0 and float(batches[0][1, 0, 0, 0]) == 1.0
    assert ds.element_spec.shape.as_list() == [4, 4, 4, 1]  # static batch size


def test_gan_dataset_shuffles_and_pairs_labels():
    images = np.repeat(np.arange(64, dtype=np.uint8)[:, None, None], 2, 1)[..., None]
    images = np.repeat(images, 2, 2)
    labels = np.arange(64)
    ds = data.gan_dataset(images, batch_size=64, labels=labels, seed=1)
    x, y = next(iter(ds))
    # labels still belong to their images after the shuffle
    np.testing.assert_allclose((x.numpy()[:, 0, 0, 0] + 1) * 127.5, y.numpy(), atol=1e-4)
    assert not np.array_equal(y.numpy(), labels)


def test_gan_dataset_mixes_class_sorted_data_beyond_its_shuffle_buffer():
    # 24,000 images sorted by "class" (pixel value = class): the shuffle buffer holds 10,000,
    # so without a global permutation the first batches would come from the first classes only
    images = np.repeat(np.arange(12, dtype=np.uint8), 2000)[:, None, None, None]
    ds = data.gan_dataset(images, batch_size=256, seed=3, cache=False)
    first = np.round((next(iter(ds)).numpy().ravel() + 1) * 127.5).astype(int)
    assert set(first) == set(range(12))  # every class in the first batch
    again = np.round((next(iter(data.gan_dataset(images, batch_size=256, seed=3, cache=False)))
                      .numpy().ravel() + 1) * 127.5).astype(int)
    np.testing.assert_array_equal(first, again)  # the same seed, the same order


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((4, 8, 8), np.float32), {}, TypeError, "uint8"),
        (np.zeros((4, 8), np.uint8), {}, ValueError, "shape"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": 5}, ValueError, "batch_size=5"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": 4.0}, ValueError,
         r"batch_size=4\.0 must be a whole number"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": True}, ValueError, "batch_size=True"),
        (np.zeros((4, 8, 8), np.uint8), {"labels": [1, 2]}, ValueError, "2 labels for 4"),
        (np.zeros((4, 3, 8, 8), np.uint8), {}, ValueError,
         r"channels-first images \(4, 3, 8, 8\).*np.moveaxis\(images, 1, -1\)"),
        (np.zeros((64, 64, 3), np.uint8), {}, ValueError,
         r"one image of shape \(64, 64, 3\).*images\[None\]"),
        (np.zeros((4, 8, 8, 7), np.uint8), {}, ValueError, "7 channels"),
    ],
)
def test_gan_dataset_rejects_bad_input(images, kwargs, error, match):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(error, match=match):
        data.gan_dataset(images, **kwargs)


def test_pipelines_prefetch_without_the_autotuner():
    # The autotuner's thread made every fit() call wait 2.4 s when it dropped its iterator
    # (bench/README.md); the course's pipelines switch it off and prefetch a fixed 2 batches.
    images = np.zeros((8, 28, 28), np.uint8)
    ramp = np.tile(np.linspace(0.0, 1.0, 64, dtype=np.float32), (64, 1))
    for ds in (data.gan_dataset(images, 4), data.patch_sampler(ramp, 16, 2)):
        assert ds.options().autotune.enabled is False


def test_a_course_pipeline_says_its_range_and_which_data_it_holds():
    images = np.random.default_rng(0).integers(0, 256, (8, 4, 4), dtype=np.uint8)
    described = data.pipelines.described_data(data.gan_dataset(images, 2))
    assert described["value_range"] == (-1.0, 1.0)
    assert described["identity"] == data.pipelines.described_data(
        data.gan_dataset(images.copy(), 4))["identity"]  # the same pixels, the same data
    other = images.copy()
    other[0, 0, 0] ^= 1
    assert described["identity"] != data.pipelines.described_data(
        data.gan_dataset(other, 2))["identity"]  # one pixel differs
    assert "8 images of 4x4x1" in described["description"]
    assert data.pipelines.described_data(data.gan_dataset(images, 2).map(lambda x: x)) is None
