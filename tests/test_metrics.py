"""gan_course.metrics is a package split by subject; every name it had as one module still works."""

import pytest

from gan_course import features, image_ops, metrics
from gan_course.metrics import (
    colour,
    distances,
    fashion_mnist,
    images,
    memorisation,
    style_transfer,
    texture,
)

# The public names of gan_course/metrics.py before the split, and where each lives now (plus the
# names added since).
HOMES = {
    distances: ["feature_statistics", "frechet_distance", "polynomial_kernel", "unbiased_mmd2",
                "kernel_distance", "sliced_wasserstein", "inception_features", "inception_fid"],
    fashion_mnist: ["as_model_input", "fashion_mnist_features", "fashion_mnist_fd",
                    "fashion_mnist_kid", "classify", "class_histogram", "mode_coverage",
                    "class_probabilities", "recognised_shares", "recognised_classes",
                    "conditional_accuracy", "conditional_accuracy_per_class",
                    "fashion_mnist_fd_per_class"],
    colour: ["colour_fidelity", "colourfulness", "colourfulness_ratio", "psnr", "ssim",
             "ab_histogram_intersection", "ciede2000", "colourisation_scores",
             "colourisation_table", "palette_scores"],
    texture: ["texture_swd", "seam_ratio"],
    style_transfer: ["style_swd_ratio", "content_ssim", "luminance", "style_transfer_scores",
                     "colour_distance", "match_colour_statistics", "no_learning_rows",
                     "style_distance",
                     "style_transfer_table"],
    memorisation: ["nearest_neighbours", "memorisation_check"],
    images: ["image_features", "image_kid", "image_kid_floor"],
    features: ["load_fashion_mnist_classifier", "load_inception_model", "FEATURE_LAYER",
               "INCEPTION_WEIGHTS_FILE"],
    image_ops: ["laplacian_pyramid"],
}


@pytest.mark.parametrize(("module", "name"),
                         [(module, name) for module, names in HOMES.items() for name in names])
def test_every_old_name_is_re_exported_from_its_new_home(module, name):
    assert getattr(metrics, name) is getattr(module, name)
    assert name in metrics.__all__


def test_renamed_constants_keep_their_old_names():
    assert metrics.CLASSIFIER_FILE == features.CLASSIFIER_WEIGHTS_FILE
    assert metrics.REBUILD_HINT == features.CLASSIFIER_REBUILD_HINT
    assert sorted(metrics.__all__) == sorted(
        [name for names in HOMES.values() for name in names] + ["CLASSIFIER_FILE",
                                                                "REBUILD_HINT"])
