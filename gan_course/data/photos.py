"""Colour photos for lesson 3's colorization: photos that ship with the dependencies
(:func:`colour_photos`, offline) or the TensorFlow flowers (downloaded once), as training
crops and held-out validation crops (:func:`colorization_dataset`), and the colouriser's
``(target, input)`` pairs in CIELAB (:func:`lab_pairs`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gan_course import image_ops, settings
from gan_course.data.folders import image_folder_dataset
from gan_course.data.images import load_image
from gan_course.data.pipelines import (
    check_int,
    check_scales,
    downscale,
    random_crops,
    resize_shorter_side,
)
from gan_course.files import download_timeout
from gan_course.messages import say as _say
from gan_course.messages import short_error as _short

#: Colour photos that ship inside the course's dependencies, so they load offline:
#: name -> (package, item, description and licence). data/README.md records their sources.
COLOUR_PHOTOS = {
    "astronaut": ("scikit-image", "astronaut",
                  "512x512 portrait of astronaut Eileen Collins (NASA), public domain"),
    "coffee": ("scikit-image", "coffee",
               "400x600 cup of coffee on a wooden table (Rachel Michetti), CC0"),
    "chelsea": ("scikit-image", "chelsea", "300x451 Chelsea the cat (Stefan van der Walt), CC0"),
    "rocket": ("scikit-image", "rocket",
               "427x640 launch of DSCOVR on a Falcon 9 (SpaceX), public domain"),
    "immunohistochemistry": ("scikit-image", "immunohistochemistry",
                             "512x512 stained colon tissue under a microscope (CMMI), no known "
                             "copyright restrictions"),
    "hubble_deep_field": ("scikit-image", "hubble_deep_field",
                          "872x1000 Hubble eXtreme Deep Field (NASA), public domain"),
    "retina": ("scikit-image", "retina",
               "1411x1411 fundus photograph of a left eye (Mikael Häggström), CC0"),
    "grace_hopper": ("matplotlib", "grace_hopper.jpg",
                     "600x512 portrait of Grace Hopper (US Navy), public domain"),
    "china": ("scikit-learn", "china.jpg",
              "427x640 a temple in China (danielbuechele on Flickr), CC BY 2.0"),
    "flower": ("scikit-learn", "flower.jpg",
               "427x640 a flower (vultilion on Flickr), CC BY 2.0"),
}

#: The fixed split of :data:`COLOUR_PHOTOS`: the validation photos (an animal and an object,
#: subjects no training photo shows) are never trained on.
COLOUR_PHOTO_SPLIT = {
    "train": ("astronaut", "rocket", "grace_hopper", "china", "flower", "immunohistochemistry",
              "hubble_deep_field", "retina"),
    "validation": ("chelsea", "coffee"),
}

#: The share of every *training* photo's width, on its right, that colorization holds out: its
#: training crops come from the left part only, so the held-out crops cover every photo.
COLOUR_PHOTO_HELD_OUT_STRIP = 0.25


def colour_photos(names=None) -> dict[str, np.ndarray]:
    """The offline colour photos: ``{name: uint8 (H, W, 3) array in [0, 255]}``.

    ``names`` picks some of :data:`COLOUR_PHOTOS` (default: all, in that order). They ship with
    scikit-image, scikit-learn and matplotlib, so no download is needed;
    :data:`COLOUR_PHOTO_SPLIT` says which are for training and which for validation.
    """
    names = tuple(COLOUR_PHOTOS) if names is None else tuple(names)
    unknown = [name for name in names if name not in COLOUR_PHOTOS]
    if unknown:
        raise ValueError(f"No colour photo named {', '.join(map(repr, unknown))}; the photos are "
                         f"{', '.join(COLOUR_PHOTOS)}.")
    return {name: load_colour_photo(name) for name in names}


def load_colour_photo(name: str) -> np.ndarray:
    """One of :data:`COLOUR_PHOTOS`, read from the package that ships it: uint8 (H, W, 3)."""
    package, item, _ = COLOUR_PHOTOS[name]
    if package == "scikit-image":
        import skimage.data

        photo = np.asarray(getattr(skimage.data, item)())
    elif package == "scikit-learn":
        from sklearn.datasets import load_sample_image

        photo = np.asarray(load_sample_image(item))
    else:
        import matplotlib.cbook

        path = matplotlib.cbook.get_sample_data(item, asfileobj=False)
        photo = image_ops.to_uint8(load_image(path), image_ops.UNIT, name=item)
    if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[-1] != 3:
        raise ValueError(f"The colour photo {name!r} from {package} has shape {photo.shape} / "
                         f"{photo.dtype}, not uint8 (H, W, 3): reinstall {package}.")
    return photo


# --------------------------------------------------------------------------- colorization

#: The TensorFlow flowers photos: 3,670 photos of 5 kinds of flower, 218 MiB, CC-BY 2.0.
TF_FLOWERS_URL = ("https://storage.googleapis.com/download.tensorflow.org/example_images/"
                  "flower_photos.tgz")
COLORIZATION_SOURCES = ("auto", "offline", "tf_flowers")


def colorization_dataset(
    size: int = 64,
    batch_size: int = 16,
    source: str = "auto",
    seed: int | None = 0,
    scales=(1.0, 0.75, 0.5),
    verbose: bool = True,
):
    """Colour photos for lesson 3's colorization: ``(train_ds, validation_images)``.

    ``train_ds`` is an endless ``tf.data.Dataset`` of float32 RGB batches in [-1, 1] of shape
    (batch_size, size, size, 3); ``validation_images`` is a float32 NumPy array (N, size, size,
    3) in [-1, 1] of crops of photos never trained on. The model turns them into lightness and
    colour itself (:func:`gan_course.image_ops.rgb_to_model_lab`).

    ``source``:

    - ``"offline"``: all ten colour photos, split two ways. Each photo is resized so that its
      shorter side is ``4 * size`` (but no more than its own, and at least ``2 * size``).
      Training crops come from the left three quarters (``1 - COLOUR_PHOTO_HELD_OUT_STRIP``) of
      the eight training photos of :data:`COLOUR_PHOTO_SPLIT`, and are random: a scale from
      ``scales`` (zoom factors in (0, 1]), a random ``size`` crop and a left-right flip, each
      photo equally often. No rotations: skies stay up. The validation images are never trained
      on: ``size`` crops on a centred grid with stride ``size // 2`` (so neighbours overlap by
      half) of the two validation photos, whole, and of the right-hand strip of every training
      photo: 232 crops of 10 photos at any size (154 of them from the two unseen photos).
      Overlapping crops are not independent: they cover the area of about 90 separate ones.
    - ``"tf_flowers"``: the 3,670 TensorFlow flower photos (CC-BY 2.0), downloaded once (218
      MiB) into the course cache (``settings.cache_dir("datasets", "tf_flowers")``) and read by
      :func:`image_folder_dataset` with the pix2pix jitter and a 10 % validation split
      (``validation_images`` is every validation photo's centre crop: 367 of them). Every
      call decodes all the photos again, which takes a while, and holds them in memory at
      about ``3 * (1.12 size)^2`` bytes each (57 MB at size 64).
      A failed download raises ``ConnectionError``.
    - ``"auto"`` (default): ``"tf_flowers"``, unless ``GAN_COURSE_OFFLINE=1`` or the download
      (or reading the download) fails: then ``"offline"``, with one line saying why.

    With ``verbose``, one line says which photos are used.
    """
    size = check_int(size, "size", 8, "64")
    batch_size = check_int(batch_size, "batch_size", 1, "16")
    if source not in COLORIZATION_SOURCES:
        raise ValueError(f"source={source!r}: use one of {', '.join(COLORIZATION_SOURCES)}.")
    scales = check_scales(scales)

    if source == "tf_flowers":
        return _tf_flowers_colorization(size, batch_size, seed, verbose)
    reason = None
    if source == "auto":
        if settings.offline_mode():
            reason = "GAN_COURSE_OFFLINE=1"
        else:
            try:
                return _tf_flowers_colorization(size, batch_size, seed, verbose)
            except Exception as error:  # any download or read failure: use the offline photos
                reason = f"it could not be loaded ({type(error).__name__}: {_short(error, 200)})"
    train_ds, validation = _offline_colorization(size, batch_size, seed, scales)
    if verbose:
        split = COLOUR_PHOTO_SPLIT
        what = (f"the offline colour photos from scikit-image, scikit-learn and matplotlib "
                f"({len(validation)} held-out crops: {len(split['validation'])} photos never "
                f"trained on and the right {COLOUR_PHOTO_HELD_OUT_STRIP:.0%} of the "
                f"{len(split['train'])} training photos)")
        _say(f"colorization: {what}" + (f" instead of tf_flowers because {reason}."
                                         if reason else "."))
    return train_ds, validation


def lab_pairs(rgb, value_range=image_ops.SIGNED):
    """RGB images (..., 3) -> ``(ab, lightness)`` in model scale: the colouriser's ``(target,
    input)`` pair, as :class:`gan_course.training.GAN` takes it.

    ``rgb``: uint8 in [0, 255], or floats in ``value_range``: by default [-1, 1], what
    :func:`colorization_dataset` yields; say ``value_range=image_ops.UNIT`` for [0, 1] images.
    Converted once by :func:`gan_course.image_ops.tensor_to_unit` (values outside the range
    are an error, also inside ``ds.map``). ``lightness`` = L / 50 - 1 (..., 1) and ``ab`` =
    (a, b) / 110 (..., 2), by :func:`gan_course.image_ops.rgb_to_model_lab`. Map a dataset with
    it: ``train_ds.map(lab_pairs)``.
    """
    unit = image_ops.tensor_to_unit(rgb, value_range, name="lab_pairs' images")
    lightness, ab = image_ops.rgb_to_model_lab(unit)
    return ab, lightness


def _photo_base(photo: np.ndarray, size: int) -> np.ndarray:
    """uint8 photo -> float32 [0, 1], shorter side ``4 * size`` (capped at its own, >= 2 size)."""
    base = resize_shorter_side(photo.astype(np.float32) / 255.0,
                                max(2 * size, min(4 * size, *photo.shape[:2])))
    return np.clip(base, 0.0, 1.0)  # the antialiasing filter overshoots by ~1e-5


def _grid_crops(image: np.ndarray, size: int, stride: int | None = None) -> np.ndarray:
    """The ``size`` crops of a centred grid with ``stride`` (default ``size``: no overlap),
    row by row: (n, size, size, C)."""
    stride = size if stride is None else stride
    height, width = image.shape[:2]
    rows, cols = (height - size) // stride + 1, (width - size) // stride + 1
    top = (height - (rows - 1) * stride - size) // 2
    left = (width - (cols - 1) * stride - size) // 2
    return np.stack([image[top + r * stride:top + r * stride + size,
                           left + c * stride:left + c * stride + size]
                     for r in range(rows) for c in range(cols)])


def _held_out_columns(width: int, size: int) -> int:
    """How many right-hand columns of a training photo colorization holds out (>= ``size``)."""
    return max(size, int(round(COLOUR_PHOTO_HELD_OUT_STRIP * width)))


def _offline_colorization(size: int, batch_size: int, seed: int | None, scales):
    photos = colour_photos()
    stride = max(1, size // 2)
    levels, weights = [], []
    validation = [_grid_crops(_photo_base(photos[name], size), size, stride)
                  for name in COLOUR_PHOTO_SPLIT["validation"]]
    for name in COLOUR_PHOTO_SPLIT["train"]:
        base = _photo_base(photos[name], size)
        split = base.shape[1] - _held_out_columns(base.shape[1], size)
        validation.append(_grid_crops(base[:, split:], size, stride))
        pyramid = [downscale(base[:, :split], s) for s in scales]
        pyramid = [level for level in pyramid if min(level.shape[:2]) >= size]
        levels += pyramid
        weights += [1.0 / len(pyramid)] * len(pyramid)  # each photo equally often
    train_ds = random_crops(levels, size, batch_size, flips=True, rotations=False, seed=seed,
                             weights=weights)
    return train_ds, (np.concatenate(validation) * 2.0 - 1.0).astype(np.float32)


def _tf_flowers_colorization(size: int, batch_size: int, seed: int | None, verbose: bool):
    folder = tf_flowers_dir()
    train_ds, validation_ds = image_folder_dataset(folder, size, batch_size, validation_split=0.1,
                                                   jitter=True, seed=seed, repeat=True)
    validation = np.concatenate([batch.numpy() for batch in validation_ds])
    if verbose:
        _say(f"colorization: tf_flowers from {folder} ({len(validation):,} validation photos; "
             "CC-BY 2.0, credits in its LICENSE.txt).")
    return train_ds, validation


def tf_flowers_dir() -> Path:
    """The extracted tf_flowers folder in the course cache, downloaded on first use.

    The archive (218 MiB) is fetched by ``keras.utils.get_file`` inside
    :func:`download_timeout` and deleted once extracted; a marker file records the extracted
    folder, so later calls (and ``GAN_COURSE_OFFLINE=1``) use it without the network.
    """
    root = settings.cache_dir("datasets", "tf_flowers")
    marker = root / "flower_photos.path"
    if marker.is_file():
        folder = Path(marker.read_text().strip())
        if folder.is_dir():
            return folder
    if settings.offline_mode():
        raise ConnectionError(f"tf_flowers is not in the cache ({root}) and GAN_COURSE_OFFLINE=1 "
                              "forbids downloading it. Use source='offline', or unset "
                              "GAN_COURSE_OFFLINE on a machine with internet.")
    import keras

    try:
        with download_timeout():
            extracted = Path(keras.utils.get_file("flower_photos.tgz", origin=TF_FLOWERS_URL,
                                                  extract=True, cache_dir=str(root),
                                                  cache_subdir="."))
    except Exception as error:
        detail = _short(str(error).replace(TF_FLOWERS_URL, "its URL"))
        raise ConnectionError(f"Cannot download tf_flowers ({type(error).__name__}: {detail}). "
                              "Use source='offline' to work without internet.") from error
    for folder in (extracted / "flower_photos", extracted, root / "flower_photos"):
        if (folder / "daisy").is_dir():
            break
    else:
        raise ValueError(f"The tf_flowers archive extracted into {extracted} has no "
                         "flower_photos/daisy folder. Delete that folder and try again.")
    marker.write_text(str(folder))
    (root / "flower_photos.tgz").unlink(missing_ok=True)  # extracted: 218 MiB less on disk
    return folder
