"""Model builders for the lessons, one module per family (``textures``, ...).

Lesson 3's builders are importable from here as well::

    from gan_course.models import build_unet_generator, build_patch_discriminator, receptive_field
"""

from gan_course.models.conditional import (
    CGAN_SCALE,
    build_conditional_discriminator,
    build_conditional_generator,
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
    "build_conditional_discriminator",
    "build_conditional_generator",
    "build_patch_discriminator",
    "build_unet_generator",
    "patch_layers_for",
    "receptive_field",
    "receptive_field_table",
]
