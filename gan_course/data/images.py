"""Image files: reading one (:func:`load_image`: a path or URL, any mode and bit depth, with
size and corruption checks), listing a folder's (:func:`image_files`), and cutting a photo to a
square of a given side (:func:`centre_square`)."""

from __future__ import annotations

import io
import urllib.parse
import warnings
from pathlib import Path

import numpy as np

from gan_course import files, image_ops
from gan_course.files import MAX_DOWNLOAD_BYTES

#: Images with more pixels than this are refused (decompression-bomb guard): 8192 x 8192.
MAX_IMAGE_PIXELS = 8192 * 8192
#: The modes :func:`load_image` reads images in, and their number of channels.
MODES = {"RGB": 3, "L": 1, "RGBA": 4}
#: File name endings that the folder loaders read (in any case); other files are ignored.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def check_mode(mode: str) -> None:
    """A ``ValueError`` unless ``mode`` is one of :data:`MODES`."""
    if mode not in MODES:
        raise ValueError(f"mode={mode!r} is not supported; use one of {sorted(MODES)}.")


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

    check_mode(mode)
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
        return text, files.download(text)
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
    found = sorted(
        (file for file in candidates
         if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file()
         and not any(part.startswith(".") for part in file.relative_to(folder).parts)),
        key=lambda file: file.relative_to(folder).as_posix(),
    )
    if not found:
        where = "it or its subfolders" if recursive else "it"
        raise ValueError(f"{folder} holds no image files: none of {where} has a name ending in "
                         f"{', '.join(IMAGE_SUFFIXES)}. Put the photos there, or pass the folder "
                         "that holds them.")
    return found


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

