"""Style transfer data for lesson 4: the style image (a painting downloaded once, or an
offline painting-like rendering of a shipped photo, or your own), the content photos, and
``(style, content)`` crop batches for LapStyle (:func:`style_transfer_dataset`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gan_course import image_ops
from gan_course.data.folders import image_folder_dataset
from gan_course.data.images import centre_square, load_image
from gan_course.data.photos import COLOUR_PHOTOS, colour_photos, load_colour_photo, tf_flowers_dir
from gan_course.data.pipelines import check_int, downscale, random_crops, resize_shorter_side
from gan_course.messages import say as _say
from gan_course.messages import short_error as _short

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

#: Lesson 4's split of :data:`COLOUR_PHOTOS` for style transfer. LapStyle's last stage works at
#: 512 px, so its validation photos are two that are at least 512 px on each side (their 512 px
#: centre squares need no resizing); the training photos are all the others. A photo smaller than
#: a crop size is never enlarged for it: the 512 px stage trains on the three photos that large.
STYLE_CONTENT_SPLIT = {
    "train": ("hubble_deep_field", "retina", "immunohistochemistry", "rocket", "china", "flower",
              "coffee", "chelsea"),
    "validation": ("astronaut", "grace_hopper"),
}


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

    side = check_int(side, "side", 32, "512")
    photo = colour_photos([OFFLINE_STYLES[name][0]])[OFFLINE_STYLES[name][0]]
    image = resize_shorter_side(photo.astype(np.float32) / 255.0, OFFLINE_STYLE_SIDE)
    labels = skimage.segmentation.slic(image, n_segments=400, compactness=10, start_label=0,
                                       channel_axis=-1)
    flat = skimage.color.label2rgb(labels, image, kind="avg", bg_label=-1)
    hsv = skimage.color.rgb2hsv(flat)
    hsv[..., 1] = np.minimum(1.0, 1.5 * hsv[..., 1])
    painted = skimage.color.hsv2rgb(hsv)
    strokes = skimage.segmentation.find_boundaries(labels, mode="thick")
    painted[strokes] = 0.08
    return resize_shorter_side(np.clip(painted, 0.0, 1.0).astype(np.float32), side)


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
    side = check_int(side, "side", 32, "512")
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
        image = resize_shorter_side(image, side)
    description = f"{source_text}: {what}"
    if verbose:
        _say(f"style image: {description}" + (
            f" -- instead of the painting {DEFAULT_PAINTING}, because {reason}" if reason
            else ""))
    return image, description


def content_images(sources=STYLE_CONTENT_SPLIT["validation"], size: int = 512) -> np.ndarray:
    """Content images for style transfer, as lesson 4 measures on them: float32 (N, size, size,
    3) in [0, 1], each the centre square of its image, resized (:func:`centre_square`).

    ``sources``: names of shipped photos (:data:`COLOUR_PHOTOS`; the default is lesson 4's
    validation photos, :data:`STYLE_CONTENT_SPLIT`, never trained on and 512 px natively) or
    paths and URLs of your own images, read by :func:`load_image`
    with all its checks. A single source may be given as a string.
    """
    size = check_int(size, "size", 8, "512")
    sources = [sources] if isinstance(sources, (str, Path)) else list(sources)
    if not sources:
        raise ValueError("sources is empty: give photo names, paths or URLs.")
    images = []
    for source in sources:
        image = (load_colour_photo(source).astype(np.float32) / 255.0
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
        photo = load_colour_photo(name).astype(np.float32) / 255.0
        base = downscale(photo, min(1.0, 4 * size / min(photo.shape[:2])))
        kept = [np.clip(downscale(base, zoom), 0.0, 1.0) for zoom in (1.0, 0.75, 0.5)]
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

    size = check_int(size, "size", 8, "128")
    batch_size = check_int(batch_size, "batch_size", 1, "4")
    style = image_ops.unit_images(style, "the style image", batched=False)
    if style.shape[-1] != 3 or min(style.shape[:2]) < size:
        raise ValueError(f"The style image is {style.shape[1]}x{style.shape[0]}x"
                         f"{style.shape[-1]}; it must be RGB and at least {size} px on each "
                         f"side for {size} px crops. Load it with style_image(side={size}) or "
                         "larger.")
    style_ds = random_crops([style.astype(np.float32)], size, batch_size, flips=True,
                             rotations=False, seed=seed)
    if content == "offline":
        levels, weights = _style_content_levels(size)
        if not levels:
            raise ValueError(f"No offline training photo is {size} px on each side; use a crop "
                             "size of at most 1024, or content=<a folder of larger photos>.")
        content_ds = random_crops(levels, size, batch_size, flips=True, rotations=False,
                                   seed=None if seed is None else seed + 1000, weights=weights)
    elif content == "tf_flowers":
        content_ds, _ = image_folder_dataset(tf_flowers_dir(), size, batch_size,
                                             validation_split=0.1, seed=seed, repeat=True)
    else:
        content_ds, _ = image_folder_dataset(content, size, batch_size, validation_split=0.0,
                                             seed=seed, repeat=True)
    to_unit = (lambda x: (x + 1.0) / 2.0)
    return tf.data.Dataset.zip((style_ds.map(to_unit), content_ds.map(to_unit)))
