"""Folders of photos as training and validation pipelines: one image a file
(:func:`image_folder_dataset`) or pix2pix pairs, two images side by side in a file
(:func:`paired_image_dataset`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from gan_course import image_ops
from gan_course.data.images import (
    MAX_IMAGE_PIXELS,
    MODES,
    centre_square,
    check_mode,
    image_files,
    load_image,
)
from gan_course.data.pipelines import check_int, describe_data, with_fixed_prefetch
from gan_course.messages import say as _say

#: pix2pix's jitter: an image is resized to 286/256 of the crop size, then randomly cropped.
JITTER_RESIZE = 286 / 256


def _folder_arguments(size, batch_size, validation_split, mode: str,
                      examples: tuple[str, str]) -> tuple[int, int, float]:
    """The folder loaders' arguments, checked: ``(size, batch_size, validation_split)``.

    ``size`` must be an int >= 8, ``batch_size`` an int >= 1 (``examples``: a good value of
    each, for the messages), ``validation_split`` a fraction in [0, 1) and ``mode`` one of
    :data:`~gan_course.data.images.MODES`; otherwise a ``ValueError`` names the argument and
    says what it should be.
    """
    size = check_int(size, "size", 8, examples[0])
    batch_size = check_int(batch_size, "batch_size", 1, examples[1])
    if isinstance(validation_split, bool) \
            or not isinstance(validation_split, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(validation_split) < 1.0:
        raise ValueError(f"validation_split={validation_split!r} must be a fraction in [0, 1): "
                         "e.g. 0.1 keeps 10 % of the images for validation, 0 keeps none.")
    check_mode(mode)
    return size, batch_size, float(validation_split)


def _load_size(size: int, jitter: bool) -> int:
    """The side images are stored at: ``size`` without jitter, about ``size * 286 / 256`` with."""
    return max(size + 1, round(size * JITTER_RESIZE)) if jitter else size


def _read_folder(folder: Path, files: list[Path], decode) -> tuple[list[str], list[np.ndarray]]:
    """Decode every file with ``decode``; a bad one is skipped with one line naming it and why."""
    names, images = [], []
    for file in files:
        name = file.relative_to(folder).as_posix()
        try:
            images.append(decode(file))
        except (ValueError, OSError) as error:
            reason = str(error).replace(str(file), "it").replace("\n", " ")
            _say(f"Skipped {name} in {folder}: {reason}")
        else:
            names.append(name)
    if not images:
        raise ValueError(f"None of the {len(files)} image files in {folder} could be read (the "
                         "lines above say why). Replace them with working images.")
    return names, images


def _split_indices(names: list[str], validation_split: float, seed: int | None, folder: Path):
    """(train, validation) indices: fixed by the file names and the seed alone.

    Files are ranked by ``sha256(f"{seed}/{name}")`` and the first ``round(n * split)`` (at least
    one) are validation: the same files every call, and adding or removing a file moves at most
    one other file between the parts.
    """
    if validation_split == 0.0:
        return list(range(len(names))), []
    n_validation = max(1, round(len(names) * validation_split))
    if n_validation >= len(names):
        raise ValueError(f"{folder} has {len(names)} usable image(s): too few to keep "
                         f"{validation_split:.0%} for validation and train on the rest. Add "
                         "images or pass validation_split=0.")
    key = 0 if seed is None else int(seed)
    ranked = sorted(range(len(names)),
                    key=lambda i: hashlib.sha256(f"{key}/{names[i]}".encode()).hexdigest())
    return sorted(ranked[n_validation:]), sorted(ranked[:n_validation])


def _folder_datasets(path, recursive, decode, element, size, batch_size, validation_split,
                     jitter, seed, repeat):
    """``(train_ds, validation_ds)`` of the image files in ``path``: each decoded by ``decode(file,
    side)`` to uint8 (side, side, C) at the stored side of :func:`_load_size`, split by
    :func:`_split_indices`; ``element`` maps a uint8 (size, size, C) tensor to what the model
    gets."""
    import tensorflow as tf

    folder = Path(path).expanduser()
    side = _load_size(size, jitter)
    names, images = _read_folder(folder, image_files(folder, recursive=recursive),
                                 lambda file: decode(file, side))
    train_idx, validation_idx = _split_indices(names, validation_split, seed, folder)
    if len(train_idx) < batch_size:
        raise ValueError(f"{folder} has {len(train_idx)} training image(s) after the split, fewer "
                         f"than batch_size={batch_size}. Use a smaller batch_size or "
                         "validation_split, or add images.")
    train = np.stack([images[i] for i in train_idx])
    ds = tf.data.Dataset.from_tensor_slices(train)
    ds = ds.shuffle(len(train), seed=seed, reshuffle_each_iteration=True)
    if jitter:
        crop_shape = (size, size, train.shape[-1])

        def random_crop_and_flip(x, seed_pair):
            crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed_pair, 2))
            x = tf.image.stateless_random_crop(x, crop_shape, seed=crop_seed)
            return tf.image.stateless_random_flip_left_right(x, seed=flip_seed)

        # A new random stream each epoch (rerandomize), still fixed by the seed.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip((ds, seeds)).map(random_crop_and_flip,
                                                  num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.map(element, num_parallel_calls=tf.data.AUTOTUNE)
    if repeat:
        ds = ds.repeat()
    train_ds = with_fixed_prefetch(ds.batch(batch_size, drop_remainder=True))
    del train
    listing = "\n".join(f"{names[i]} {(folder / names[i]).stat().st_size}" for i in train_idx)
    describe_data(train_ds, (-1.0, 1.0),
                  hashlib.sha256(f"{size} {jitter}\n{listing}".encode()).hexdigest()[:16],
                  f"{len(train_idx)} images of {folder} at {size} px")

    if not validation_idx:
        return train_ds, None
    offset = (images[0].shape[0] - size) // 2  # the centre crop
    validation = np.stack([images[i][offset:offset + size, offset:offset + size]
                           for i in validation_idx])
    validation_ds = tf.data.Dataset.from_tensor_slices(validation).map(element)
    return train_ds, with_fixed_prefetch(validation_ds.batch(batch_size))


def image_folder_dataset(
    path: str | Path,
    size: int,
    batch_size: int = 1,
    validation_split: float = 0.1,
    jitter: bool = True,
    seed: int | None = 0,
    mode: str = "RGB",
    recursive: bool = True,
    repeat: bool = False,
    max_pixels: int = MAX_IMAGE_PIXELS,
):
    """Training and validation pipelines of the photos in a folder: ``(train_ds, validation_ds)``.

    Elements are float32 images in [-1, 1] of shape (batch, size, size, C), C = 3 for
    ``mode="RGB"``, 1 for ``"L"`` (grey), 4 for ``"RGBA"``.

    - Files: every image file of :func:`image_files` (subfolders too unless
      ``recursive=False``), decoded up front by :func:`load_image` (so its checks apply). Each
      photo is kept as its centred square, resized on load to the stored side and held as
      uint8: about ``3 * (1.12 size)^2`` bytes a photo (3,670 photos at size 64: 57 MB; at 256:
      0.9 GB). A bad file (empty, corrupt, not an image, more than ``max_pixels`` pixels) is
      skipped with one line naming it and why.
    - Split: the file names and ``seed`` alone decide which files are validation: the usable
      files ranked by ``sha256(f"{seed}/{relative path}")``, the first ``round(n *
      validation_split)`` (at least one) for validation. The same files every call, never
      trained on; adding or removing a file moves at most one other file between the parts.
      ``validation_split=0`` gives ``validation_ds=None``.
    - Training (``jitter=True``, the pix2pix recipe): each epoch, in a new shuffled order, every
      photo resized to ``round(size * 286 / 256)`` is randomly cropped to ``size`` and flipped
      left-right with probability 1/2; the crops differ between epochs and are fixed by the
      seed (None: different each run). ``jitter=False``: the photos resized to ``size``,
      unflipped. Batches have a fixed size (``drop_remainder=True``); ``repeat=True`` makes
      the dataset endless.
    - Validation: the centre ``size`` crop of the same resized photos, in file order, no
      randomness; the last batch may be smaller.

    Raises ``FileNotFoundError`` for a missing folder and ``ValueError`` for bad arguments
    (``size`` an int >= 8, ``batch_size`` >= 1, ``0 <= validation_split < 1``), a folder with no
    usable image, or fewer training images than ``batch_size``.
    """
    size, batch_size, validation_split = _folder_arguments(size, batch_size, validation_split,
                                                           mode, examples=("64", "16"))
    return _folder_datasets(
        path, recursive, lambda file, side: centre_square(load_image(file, mode, max_pixels), side),
        image_ops.uint8_to_signed, size, batch_size, validation_split, jitter, seed, repeat)


def _decode_pair(file: Path, side: int, mode: str, max_pixels: int) -> np.ndarray:
    """An A|B file -> uint8 (side, side, 2C): A's channels, then B's, each half squared and
    resized the same way (so pixels of A and B still correspond)."""
    image = load_image(file, mode, max_pixels)
    height, width = image.shape[:2]
    if width % 2:
        raise ValueError(f"{file} is {width}x{height} pixels: an odd width cannot hold two "
                         "images side by side (A|B). Crop or pad it to an even width.")
    half = width // 2
    return np.concatenate([centre_square(image[:, :half], side),
                           centre_square(image[:, half:], side)], axis=-1)


def paired_image_dataset(
    path: str | Path,
    size: int,
    batch_size: int = 1,
    direction: str = "AtoB",
    validation_split: float = 0.1,
    jitter: bool = True,
    seed: int | None = 0,
    mode: str = "RGB",
    recursive: bool = True,
    repeat: bool = False,
    max_pixels: int = MAX_IMAGE_PIXELS,
):
    """pix2pix pairs from a folder in the reference pix2pix format: ``(train_ds, validation_ds)``.

    Each file holds two images side by side, A on the left and B on the right (the facades and
    maps sets of the pix2pix paper, ``.../datasets/facades/train/1.jpg``: 512x256 = two 256x256
    images). Elements are ``(target, input)`` pairs, **target first**, as
    :class:`gan_course.training.GAN` expects a pix2pix batch (real image, condition): both
    float32 in [-1, 1] of shape (batch, size, size, C). ``direction="AtoB"`` learns A -> B
    (input A, target B); ``"BtoA"`` the reverse.

    Everything else is as in :func:`image_folder_dataset` (files, the fixed split, jitter,
    validation centre crops, errors), with the two halves treated as one image: they are
    stacked along the channels before the random crop and flip, so both get the same crop and
    flip. A file of odd width is skipped with a line saying so, like a corrupt one. For a set
    that comes already split (``facades/train``, ``facades/val``), load the training folder with
    ``validation_split=0`` and the other one with ``validation_split=0, jitter=False``.
    """
    size, batch_size, validation_split = _folder_arguments(
        size, batch_size, validation_split, mode, examples=("256", "1, as in pix2pix"))
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction={direction!r}: use 'AtoB' (input: the left image A, target: "
                         "the right image B) or 'BtoA' (the reverse).")
    channels = MODES[mode]

    def element(x):
        x = image_ops.uint8_to_signed(x)
        a, b = x[..., :channels], x[..., channels:]
        return (b, a) if direction == "AtoB" else (a, b)

    return _folder_datasets(path, recursive,
                            lambda file, side: _decode_pair(file, side, mode, max_pixels),
                            element, size, batch_size, validation_split, jitter, seed, repeat)
