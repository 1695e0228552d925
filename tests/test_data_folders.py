"""gan_course.data.folders: folders of photos and pix2pix pairs as training and validation
pipelines."""

import io

import numpy as np
import pytest
from PIL import Image

from gan_course import data
from gan_course.data import folders


def _constant_photos(write, folder, n=10):
    """n photos of one flat colour each (value 20 i): any crop tells which photo it came from.
    PNG and JPEG, of several sizes and aspect ratios, some in a subfolder."""
    for i in range(n):
        shape = (20 + 2 * i, 30 - i, 3)
        name = f"sub/photo{i}.jpg" if i % 3 == 0 else f"photo{i}.png"
        write(folder / name, np.full(shape, 20 * i, np.uint8))
    return [20 * i for i in range(n)]


def _photo_ids(ds):
    """The photo values (see _constant_photos) of every image in one pass of ``ds``."""
    ids = []
    for batch in ds:
        for image in batch.numpy():
            value = (image.mean() + 1) * 127.5
            assert np.ptp(image) < 0.05  # one flat photo per crop
            ids.append(int(round(value / 20)) * 20)
    return ids


def test_image_folder_skips_bad_files_with_one_line_each(tmp_path, capsys, write_image):
    folder = tmp_path / "photos"
    values = _constant_photos(write_image, folder)
    (folder / "empty.jpg").write_bytes(b"")
    noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    (folder / "sub" / "cut.png").write_bytes(buffer.getvalue()[:200])  # truncated
    (folder / "notes.txt").write_text("not an image, and not named like one: ignored")
    (folder / ".hidden.png").write_bytes(b"")  # hidden: ignored

    train_ds, validation_ds = data.image_folder_dataset(folder, size=8, batch_size=2,
                                                        validation_split=0.2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "empty.jpg" in lines[0] and "empty (0 bytes)" in lines[0]
    assert "sub/cut.png" in lines[1] and "corrupt or truncated" in lines[1]

    batches = list(train_ds)
    assert len(batches) == 4  # 10 usable photos: 8 train, 2 validation
    for batch in batches:
        assert batch.shape == (2, 8, 8, 3) and batch.dtype.name == "float32"
        assert -1.0 <= batch.numpy().min() and batch.numpy().max() <= 1.0
    assert train_ds.element_spec.shape.as_list() == [2, 8, 8, 3]
    validation = np.concatenate([b.numpy() for b in validation_ds])
    assert validation.shape == (2, 8, 8, 3) and validation.dtype == np.float32
    train_ids, validation_ids = _photo_ids(train_ds), _photo_ids(validation_ds)
    assert sorted(train_ids + validation_ids) == values  # every photo once, in one part only


def test_image_folder_split_is_fixed_and_disjoint(tmp_path, write_image):
    folder = tmp_path / "photos"
    values = _constant_photos(write_image, folder)
    splits = []
    for seed in (0, 0, 1, 2):
        train_ds, validation_ds = data.image_folder_dataset(folder, 8, validation_split=0.3,
                                                            seed=seed)
        train, validation = set(_photo_ids(train_ds)), set(_photo_ids(validation_ds))
        assert len(validation) == 3 and not train & validation
        assert train | validation == set(values)
        splits.append(validation)
    assert splits[0] == splits[1]  # same files, same seed: same validation photos
    assert len({frozenset(s) for s in splits}) > 1  # the seed picks them

    grey_train, none = data.image_folder_dataset(folder, 8, validation_split=0, mode="L")
    assert none is None
    assert sorted(_photo_ids(grey_train)) == values  # no split: everything trains
    assert next(iter(grey_train)).shape == (1, 8, 8, 1)


def _noise_photos(write, folder, n=4, shape=(40, 48, 3)):
    rng = np.random.default_rng(1)
    for i in range(n):
        write(folder / f"noise{i}.png", rng.integers(0, 256, shape, dtype=np.uint8))


def test_jitter_changes_every_epoch_but_validation_and_seeds_are_fixed(tmp_path, write_image):
    # one training photo: only the jitter can change an epoch
    _noise_photos(write_image, tmp_path, n=2)
    train_ds, validation_ds = data.image_folder_dataset(tmp_path, 16, validation_split=0.5,
                                                        seed=3)
    epochs = [np.concatenate([b.numpy() for b in train_ds]) for _ in range(4)]
    assert epochs[0].shape == (1, 16, 16, 3)
    assert len({e.tobytes() for e in epochs}) > 1  # new crops and flips each epoch
    again, _ = data.image_folder_dataset(tmp_path, 16, validation_split=0.5, seed=3)
    np.testing.assert_array_equal(next(iter(again)).numpy(), epochs[0])  # seeded
    views = [np.concatenate([b.numpy() for b in validation_ds]) for _ in range(2)]
    np.testing.assert_array_equal(*views)  # validation: no randomness
    assert not np.array_equal(views[0], epochs[0])  # the other photo

    _noise_photos(write_image, tmp_path, n=4)
    plain, _ = data.image_folder_dataset(tmp_path, 16, batch_size=3, validation_split=0.25,
                                         jitter=False)
    first, second = ([np.concatenate([b.numpy() for b in plain]) for _ in range(2)])
    by_sum = np.argsort(first.sum(axis=(1, 2, 3))), np.argsort(second.sum(axis=(1, 2, 3)))
    np.testing.assert_array_equal(first[by_sum[0]], second[by_sum[1]])  # only the order changes


def test_image_folder_errors_name_the_folder_and_the_fix(tmp_path, capsys, write_image):
    with pytest.raises(FileNotFoundError, match="No folder at .*nowhere"):
        data.image_folder_dataset(tmp_path / "nowhere", 8)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no photos here")
    with pytest.raises(ValueError, match="empty holds no image files.*Put the photos there"):
        data.image_folder_dataset(tmp_path / "empty", 8)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.png").write_bytes(b"")
    (bad / "b.jpg").write_text("text")
    with pytest.raises(ValueError, match="None of the 2 image files in .*bad could be read"):
        data.image_folder_dataset(bad, 8)
    assert capsys.readouterr().out.count("Skipped") == 2
    one = tmp_path / "one"
    write_image(one / "x.png", np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="1 usable image.*validation_split=0"):
        data.image_folder_dataset(one, 8)
    with pytest.raises(ValueError, match="is a file, not a folder"):
        data.image_folder_dataset(one / "x.png", 8)
    with pytest.raises(ValueError, match="1 training image.*batch_size=2"):
        data.image_folder_dataset(one, 8, batch_size=2, validation_split=0)
    assert data.image_folder_dataset(one, 8, validation_split=0, recursive=False)[1] is None


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 4}, "size=4 must be an int >= 8"),
    ({"size": 8.0}, "size=8.0"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"validation_split": 1.0}, r"validation_split=1.0 must be a fraction in \[0, 1\)"),
    ({"validation_split": -0.1}, "validation_split=-0.1"),
    ({"mode": "CMYK"}, "mode='CMYK'"),
])
def test_image_folder_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.image_folder_dataset(tmp_path, **{"size": 8, **kwargs})


def test_folder_arguments_are_checked_by_one_helper_with_each_loaders_examples(tmp_path):
    """Both folder loaders check size, batch_size, validation_split and mode with one helper; its
    messages name the argument, say what it must be, and give the loader's own example."""
    check = folders._folder_arguments
    assert check(np.int64(64), 4, 0, "L", examples=("64", "16")) == (64, 4, 0.0)
    pix2pix = ("256", "1, as in pix2pix")
    for args, message in [
        ((4, 1, 0.1, "RGB"), "size=4 must be an int >= 8 (e.g. 256)."),
        ((8, 0, 0.1, "RGB"), "batch_size=0 must be an int >= 1 (e.g. 1, as in pix2pix)."),
        ((8, 1, True, "RGB"), "validation_split=True must be a fraction in [0, 1): e.g. 0.1 keeps "
                              "10 % of the images for validation, 0 keeps none."),
        ((8, 1, 0.1, "CMYK"), "mode='CMYK' is not supported; use one of ['L', 'RGB', 'RGBA']."),
    ]:
        with pytest.raises(ValueError) as info:
            check(*args, examples=pix2pix)
        assert str(info.value) == message
    # the loaders themselves, each with its own examples
    with pytest.raises(ValueError, match=r"batch_size=0 must be an int >= 1 \(e.g. 1, as in pix2"):
        data.paired_image_dataset(tmp_path, 8, batch_size=0)
    with pytest.raises(ValueError, match=r"size=4 must be an int >= 8 \(e.g. 64\)"):
        data.image_folder_dataset(tmp_path, 4)


# --------------------------------------------------------------------------- paired images


def _pair_file(write, path, green_a=0, green_b=255, half=(24, 30)):
    """A|B side by side: both halves share a left-to-right ramp in red (so crops and flips can
    be compared) and differ in green (A: ``green_a``, B: ``green_b``)."""
    height, width = half
    ramp = np.tile(np.linspace(0, 255, width), (height, 1))
    a = np.stack([ramp, np.full_like(ramp, green_a), np.zeros_like(ramp)], axis=-1)
    b = np.stack([ramp, np.full_like(ramp, green_b), np.full_like(ramp, 128)], axis=-1)
    return write(path, np.round(np.concatenate([a, b], axis=1)))


def test_paired_dataset_crops_and_flips_both_halves_alike(tmp_path, write_image):
    for i in range(6):
        _pair_file(write_image, tmp_path / f"{i}.png", half=(24 + i, 30))
    train_ds, validation_ds = data.paired_image_dataset(tmp_path, 16, batch_size=1,
                                                        validation_split=0.2)
    assert len(list(validation_ds)) == 1
    slopes, starts = set(), set()
    for _ in range(8):  # epochs
        for target, condition in train_ds:
            target, condition = target.numpy()[0], condition.numpy()[0]
            assert target.shape == condition.shape == (16, 16, 3)
            np.testing.assert_allclose(target[..., 1], 1.0)  # target: B (AtoB)
            np.testing.assert_allclose(condition[..., 1], -1.0)  # input: A
            np.testing.assert_allclose(target[..., 0], condition[..., 0], atol=1e-6)  # same crop
            slopes.add(int(np.sign(np.diff(target[..., 0], axis=1).mean())))
            starts.add(round(float(target[0, 0, 0]), 3))
    assert slopes == {-1, 1}  # some pairs flipped, always both halves
    assert len(starts) > 4  # crops at different places

    reverse, _ = data.paired_image_dataset(tmp_path, 16, direction="BtoA", validation_split=0)
    target, condition = next(iter(reverse))
    assert target.numpy()[..., 1].max() == -1.0 and condition.numpy()[..., 1].min() == 1.0
    assert len(train_ds.element_spec) == 2


def test_paired_dataset_skips_odd_widths_and_checks_direction(tmp_path, capsys, write_image):
    for i in range(3):
        _pair_file(write_image, tmp_path / f"{i}.jpg")
    write_image(tmp_path / "odd.png", np.zeros((20, 41, 3)))
    train_ds, _ = data.paired_image_dataset(tmp_path, 8, jitter=False, validation_split=0)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "odd.png" in out and "odd width" in out
    assert sum(1 for _ in train_ds) == 3
    with pytest.raises(ValueError, match="direction='A2B'.*'AtoB'"):
        data.paired_image_dataset(tmp_path, 8, direction="A2B")
