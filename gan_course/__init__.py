"""gan_course: the helpers shared by the GAN course notebooks.

Modules, each named for what it holds:

- ``settings``: quick / offline modes, folders, seeding, time budgets;
- ``data``: Fashion-MNIST (online or embedded), tf.data pipelines, ``load_image``;
- ``hardware``: device description, precision, XLA and distribution setup;
- ``losses``, ``training`` (the one GAN core), ``callbacks``: training;
- ``metrics``: Fashion-MNIST FD / KID, mode coverage, memorisation, Inception FID;
- ``viz``: grids, curves, GIFs; ``models``: the lessons' builders;
- ``lessons``: run notebooks headless, ``report_metric`` for a lesson's headline number.

Submodules import TensorFlow lazily, so ``import gan_course`` itself is cheap.
"""

__version__ = "0.1.0"
