"""Data for the lessons: Fashion-MNIST, textures, folders of photos, colour photos and style
images, as arrays or tf.data pipelines.

Every loader tries the real source first and falls back to the embedded copy in ``data/`` (or
to images that ship with the dependencies) when offline (``GAN_COURSE_OFFLINE=1``) or when the
download fails, printing one line that says which source it used and why. One module per
source:

- :mod:`~gan_course.data.images`: image files. :func:`load_image` (a path or URL, any mode and
  bit depth, checked: :data:`MAX_IMAGE_PIXELS`), :func:`image_files` (a folder's, by
  :data:`IMAGE_SUFFIXES`) and :func:`centre_square`.
- :mod:`~gan_course.data.pipelines`: tf.data. :func:`gan_dataset` (uint8 arrays to batches in
  [-1, 1] for ``GAN.fit``) and :func:`with_fixed_prefetch`; also the random crops, resizing
  and argument checks the other modules share.
- :mod:`~gan_course.data.fashion_mnist`: lessons 1 and 3. :func:`load_fashion_mnist` (official
  or :func:`load_embedded_fashion_mnist`), :data:`FASHION_MNIST_CLASSES`, and the garments
  painted in their class's hue for colourisation: :func:`paint_fashion_mnist`,
  :func:`painted_fashion_mnist`, :data:`GARMENT_HUES`.
- :mod:`~gan_course.data.textures`: lesson 2. :func:`load_texture` (:data:`TEXTURES` ship with
  scikit-image), :func:`patch_sampler` and :func:`random_patches`.
- :mod:`~gan_course.data.folders`: your own photos. :func:`image_folder_dataset` and pix2pix
  pairs, :func:`paired_image_dataset`, with a fixed validation split and the pix2pix jitter
  (:data:`JITTER_RESIZE`).
- :mod:`~gan_course.data.photos`: lesson 3's colorization. :func:`colour_photos`
  (:data:`COLOUR_PHOTOS`, split by :data:`COLOUR_PHOTO_SPLIT`), :func:`colorization_dataset`
  (those photos or tf_flowers, :data:`TF_FLOWERS_URL`) and :func:`lab_pairs`.
- :mod:`~gan_course.data.mixtures`: lesson 1's 2-D game. :func:`toy_2d` (points from
  :data:`TOY_2D`'s mixtures of Gaussians) and :func:`toy_2d_modes` (their centres, weights
  and width, a :class:`Mixture`).
- :mod:`~gan_course.data.style`: lesson 4's style transfer. :func:`style_image`
  (:data:`STYLE_PAINTINGS`, or :func:`offline_style_image`), :func:`content_images`
  (:data:`STYLE_CONTENT_SPLIT`) and :func:`style_transfer_dataset`.

Downloads go through :mod:`gan_course.files` (:data:`DOWNLOAD_TIMEOUT`,
:data:`MAX_DOWNLOAD_BYTES`, :func:`download_timeout`, re-exported here).

Every name is importable from ``gan_course.data`` directly (``data.load_fashion_mnist``).
"""

from gan_course.data.fashion_mnist import (
    EMBEDDED_FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    GARMENT_CHROMA,
    GARMENT_HUES,
    load_embedded_fashion_mnist,
    load_fashion_mnist,
    paint_fashion_mnist,
    painted_fashion_mnist,
)
from gan_course.data.folders import JITTER_RESIZE, image_folder_dataset, paired_image_dataset
from gan_course.data.images import (
    IMAGE_SUFFIXES,
    MAX_IMAGE_PIXELS,
    centre_square,
    image_files,
    load_image,
)
from gan_course.data.mixtures import TOY_2D, Mixture, toy_2d, toy_2d_modes
from gan_course.data.photos import (
    COLORIZATION_SOURCES,
    COLOUR_PHOTO_HELD_OUT_STRIP,
    COLOUR_PHOTO_SPLIT,
    COLOUR_PHOTOS,
    TF_FLOWERS_URL,
    colorization_dataset,
    colour_photos,
    lab_pairs,
)
from gan_course.data.pipelines import gan_dataset, with_fixed_prefetch
from gan_course.data.style import (
    DEFAULT_OFFLINE_STYLE,
    DEFAULT_PAINTING,
    OFFLINE_STYLE_SIDE,
    OFFLINE_STYLES,
    STYLE_CONTENT_SPLIT,
    STYLE_PAINTINGS,
    content_images,
    offline_style_image,
    style_image,
    style_transfer_dataset,
)
from gan_course.data.textures import TEXTURES, load_texture, patch_sampler, random_patches
from gan_course.files import DOWNLOAD_TIMEOUT, MAX_DOWNLOAD_BYTES, download_timeout

__all__ = [
    "COLORIZATION_SOURCES", "COLOUR_PHOTOS", "COLOUR_PHOTO_HELD_OUT_STRIP", "COLOUR_PHOTO_SPLIT",
    "DEFAULT_OFFLINE_STYLE", "DEFAULT_PAINTING", "DOWNLOAD_TIMEOUT", "EMBEDDED_FASHION_MNIST",
    "FASHION_MNIST_CLASSES", "GARMENT_CHROMA", "GARMENT_HUES", "IMAGE_SUFFIXES", "JITTER_RESIZE",
    "MAX_DOWNLOAD_BYTES", "MAX_IMAGE_PIXELS", "Mixture", "OFFLINE_STYLES", "OFFLINE_STYLE_SIDE",
    "STYLE_CONTENT_SPLIT", "STYLE_PAINTINGS", "TEXTURES", "TF_FLOWERS_URL", "TOY_2D",
    "centre_square", "colorization_dataset", "colour_photos", "content_images", "download_timeout",
    "gan_dataset",
    "image_files", "image_folder_dataset", "lab_pairs", "load_embedded_fashion_mnist",
    "load_fashion_mnist", "load_image", "load_texture", "offline_style_image",
    "paint_fashion_mnist", "painted_fashion_mnist", "paired_image_dataset", "patch_sampler",
    "random_patches", "style_image", "style_transfer_dataset", "toy_2d", "toy_2d_modes",
    "with_fixed_prefetch",
]
