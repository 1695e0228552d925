"""How good are the samples? Distances between image sets, mode coverage and memorisation.

A GAN has no loss that says "the images are good", so the course measures its samples against
real images. One module per subject:

- :mod:`~gan_course.metrics.distances`: the maths on features and points. **Fréchet distance
  (FD)** between Gaussians fitted to features of two image sets, the **kernel distance** (an
  unbiased MMD estimate, the KID formula), the **sliced Wasserstein distance**, and
  :func:`inception_fid`: FD on ImageNet InceptionV3 features, the FID of the literature (needs
  internet once for the weights).
- :mod:`~gan_course.metrics.fashion_mnist`: the same distances in the 128-d ``features`` layer
  of a small classifier shipped in ``data/`` (:func:`fashion_mnist_fd`,
  :func:`fashion_mnist_kid`, offline), and **class histograms** (:func:`class_histogram`,
  :func:`mode_coverage`, :func:`recognised_classes`): a generator that has collapsed onto a few
  modes fills few classes. Lower distances are better; they are only comparable between runs
  that use the same feature extractor and the same number of images. For conditional
  generators, :func:`conditional_accuracy` (and :func:`conditional_accuracy_per_class`): the
  share of samples the classifier puts in the class they were generated for.
- :mod:`~gan_course.metrics.images`: KID for a learner's own images, offline:
  :func:`image_kid` in :func:`image_features` (spatial means of relu3_1 and relu4_1 of the
  course's VGG-16 encoder, HED's weights, at 64 px), read against :func:`image_kid_floor`, the
  KID between two random halves of the real set.
- :mod:`~gan_course.metrics.texture`: :func:`texture_swd` (multi-scale patch statistics) and
  :func:`seam_ratio` (does a texture tile seamlessly?).
- :mod:`~gan_course.metrics.colour`: colour fidelity of a colouriser (lesson 3):
  :func:`colourfulness` (Hasler & Süsstrunk 2003) and :func:`colourfulness_ratio` (generated
  over real), :func:`psnr`, :func:`ssim` and :func:`ciede2000` against the real photos,
  :func:`ab_histogram_intersection` (Isola et al. 2017); all at once:
  :func:`colourisation_scores`; for a known palette, :func:`palette_scores` (right hue for the
  shape, chroma ratio).
- :mod:`~gan_course.metrics.style_transfer`: lesson 4's :func:`style_distance` (texture of
  fixed random filters on colour-matched images, against a floor from the style image's two
  halves; proven on three styles), :func:`colour_distance` (colour alone),
  :func:`content_ssim` (luminance SSIM against the content), all at once:
  :func:`style_transfer_scores`; a table of several methods: :func:`style_transfer_table`; the
  rows any method must beat: :func:`no_learning_rows`. :func:`style_swd_ratio` is a
  colour-patch similarity, kept for the record.
- :mod:`~gan_course.metrics.memorisation`: :func:`nearest_neighbours`,
  :func:`memorisation_check`: are the samples closer to training images than unseen real
  images are?

The feature extractors live in :mod:`gan_course.features`, the image maths (pixel ranges,
Laplacian pyramid) in :mod:`gan_course.image_ops`. Image inputs follow its convention:
**uint8 in [0, 255]** (as loaded by :func:`gan_course.data.load_fashion_mnist`) or **float in
``value_range``**, by default [-1, 1] (what a tanh generator emits); float images in [0, 1]
need ``value_range=(0, 1)``.

Every name is importable from ``gan_course.metrics`` directly (``metrics.fashion_mnist_fd``).
"""

from gan_course import features as _features
from gan_course.features import (
    FEATURE_LAYER,
    INCEPTION_WEIGHTS_FILE,
    load_fashion_mnist_classifier,
    load_inception_model,
)
from gan_course.image_ops import laplacian_pyramid
from gan_course.metrics.colour import (
    ab_histogram_intersection,
    ciede2000,
    colour_fidelity,
    colourfulness,
    colourfulness_ratio,
    colourisation_scores,
    colourisation_table,
    palette_scores,
    psnr,
    ssim,
)
from gan_course.metrics.distances import (
    feature_statistics,
    frechet_distance,
    inception_features,
    inception_fid,
    kernel_distance,
    polynomial_kernel,
    sliced_wasserstein,
    unbiased_mmd2,
)
from gan_course.metrics.fashion_mnist import (
    as_model_input,
    class_histogram,
    class_probabilities,
    classify,
    conditional_accuracy,
    conditional_accuracy_per_class,
    fashion_mnist_fd,
    fashion_mnist_fd_per_class,
    fashion_mnist_features,
    fashion_mnist_kid,
    mode_coverage,
    recognised_classes,
    recognised_shares,
)
from gan_course.metrics.images import image_features, image_kid, image_kid_floor
from gan_course.metrics.memorisation import memorisation_check, nearest_neighbours
from gan_course.metrics.style_transfer import (
    colour_distance,
    content_ssim,
    luminance,
    match_colour_statistics,
    no_learning_rows,
    style_distance,
    style_swd_ratio,
    style_transfer_scores,
    style_transfer_table,
)
from gan_course.metrics.texture import seam_ratio, texture_swd

#: The classifier's weight file in data/, and what to do when it is missing (older names).
CLASSIFIER_FILE = _features.CLASSIFIER_WEIGHTS_FILE
REBUILD_HINT = _features.CLASSIFIER_REBUILD_HINT

__all__ = [
    "CLASSIFIER_FILE", "FEATURE_LAYER", "INCEPTION_WEIGHTS_FILE", "REBUILD_HINT",
    "ab_histogram_intersection", "as_model_input", "ciede2000", "class_histogram",
    "colour_distance", "match_colour_statistics", "no_learning_rows", "style_distance",
    "class_probabilities", "classify", "colour_fidelity", "colourfulness",
    "colourfulness_ratio", "colourisation_scores", "colourisation_table", "conditional_accuracy",
    "content_ssim",
    "conditional_accuracy_per_class", "fashion_mnist_fd", "fashion_mnist_fd_per_class",
    "fashion_mnist_features", "fashion_mnist_kid", "feature_statistics",
    "frechet_distance", "image_features", "image_kid", "image_kid_floor",
    "inception_features", "inception_fid", "kernel_distance",
    "laplacian_pyramid", "load_fashion_mnist_classifier", "load_inception_model", "luminance",
    "memorisation_check", "mode_coverage", "nearest_neighbours", "palette_scores",
    "polynomial_kernel", "psnr",
    "recognised_classes", "recognised_shares", "seam_ratio", "sliced_wasserstein", "ssim",
    "style_swd_ratio", "style_transfer_scores", "style_transfer_table", "texture_swd",
    "unbiased_mmd2",
]
