"""Model builders for the lessons, one module per family.

Every family's models and its ``*_SCALE`` (the size per device, for ``hardware.model_scale``)
are importable from here; everything else a family holds (its constants, losses, loaders) is
used through its module, e.g. ``from gan_course.models import progan; progan.LATENT_DIM``.

=====================  ====================================================================
module                 family
=====================  ====================================================================
``dcgan``              your own images: the DCGAN in general form, 32-128 px, grey or RGB
``toy_2d``             lesson 1: the 2-D game's MLPs (points in the plane)
``fashion_mnist``      lesson 1: MLP and DCGAN generators and discriminators for 28x28
``textures``           lesson 2: texture DCGAN and the spatial (fully convolutional) GAN
``conditional``        lesson 3: class-conditional G and D (concatenation or projection)
``pix2pix``            lesson 3: U-Net generator, PatchGAN discriminator, colourisers
``receptive_field``    lessons 3-4: the receptive field of a convolutional stack
``gatys``              lesson 4: Gatys et al.'s optimisation-based style transfer
``lapstyle``           lesson 4: LapStyle's drafting and revision networks
``fast_style``         lesson 4: Magenta's pretrained fast stylisation (ONNX, TF-Hub, shipped)
``progan``             lesson 5: progressive growing, its fade-in callback, the TF-Hub model
=====================  ====================================================================
"""

from gan_course.models import (
    conditional,
    dcgan,
    fashion_mnist,
    fast_style,
    gatys,
    lapstyle,
    pix2pix,
    progan,
    textures,
    toy_2d,
)
from gan_course.models.conditional import (
    CGAN_SCALE,
    build_conditional_discriminator,
    build_conditional_generator,
)
from gan_course.models.dcgan import build_dcgan
from gan_course.models.fashion_mnist import (
    DCGAN_SCALE,
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp_discriminator,
    build_mlp_generator,
)
from gan_course.models.gatys import gatys_transfer
from gan_course.models.lapstyle import (
    LAPSTYLE_SCALE,
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
from gan_course.models.progan import PROGAN_SCALE, FadeInSchedule, ProGAN, load_progan
from gan_course.models.receptive_field import receptive_field, receptive_field_table
from gan_course.models.textures import (
    TEXTURE_SCALE,
    build_spatial_discriminator,
    build_spatial_generator,
    build_texture_dcgan_discriminator,
    build_texture_dcgan_generator,
)

__all__ = [
    # the families
    "conditional", "dcgan", "fashion_mnist", "fast_style", "gatys", "lapstyle", "pix2pix", "progan",
    "textures",
    "toy_2d",
    # your own images
    "build_dcgan",
    # lesson 1
    "DCGAN_SCALE", "build_dcgan_discriminator", "build_dcgan_generator",
    "build_mlp_discriminator", "build_mlp_generator",
    # lesson 2
    "TEXTURE_SCALE", "build_spatial_discriminator", "build_spatial_generator",
    "build_texture_dcgan_discriminator", "build_texture_dcgan_generator",
    # lesson 3
    "CGAN_SCALE", "COLORIZATION_IMAGE_SIZE", "PIX2PIX_SCALE", "build_conditional_discriminator",
    "build_conditional_generator", "build_patch_discriminator", "build_unet_generator",
    "patch_layers_for",
    # lessons 3 and 4 (``receptive_field`` here is the function; its module is
    # ``gan_course.models.receptive_field``)
    "receptive_field", "receptive_field_table",
    # lesson 4
    "LAPSTYLE_SCALE", "DraftingNetwork", "LapStyleNet", "build_drafting_decoder",
    "build_lapstyle_discriminator", "build_revision_network", "gatys_transfer",
    "perceptual_terms",
    # lesson 5
    "PROGAN_SCALE", "FadeInSchedule", "ProGAN", "load_progan",
]
