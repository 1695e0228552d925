"""Model builders for the lessons, one module per family (``textures``, ...).

Lessons 3 and 4's builders are importable from here as well::

    from gan_course.models import build_unet_generator, build_patch_discriminator, receptive_field
    from gan_course.models import DraftingNetwork, LapStyleNet, build_revision_network
"""

from gan_course.models.conditional import (
    CGAN_SCALE,
    build_conditional_discriminator,
    build_conditional_generator,
)
from gan_course.models.lapstyle import (
    DraftingNetwork,
    LapStyleNet,
    build_drafting_decoder,
    build_lapstyle_discriminator,
    build_revision_network,
    perceptual_terms,
)
from gan_course.models.pix2pix import (
    COLORIZATION_IMAGE_SIZE,
    PIX2PIX_SCALE,
    build_patch_discriminator,
    build_unet_generator,
    patch_layers_for,
)
from gan_course.models.receptive_field import receptive_field, receptive_field_table

__all__ = [
    "CGAN_SCALE",
    "COLORIZATION_IMAGE_SIZE",
    "PIX2PIX_SCALE",
    "DraftingNetwork",
    "LapStyleNet",
    "build_drafting_decoder",
    "build_lapstyle_discriminator",
    "build_revision_network",
    "perceptual_terms",
    "build_conditional_discriminator",
    "build_conditional_generator",
    "build_patch_discriminator",
    "build_unet_generator",
    "patch_layers_for",
    "receptive_field",
    "receptive_field_table",
]
