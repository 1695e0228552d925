"""gan_course: the helpers shared by the GAN course notebooks.

Modules, each named for what it holds:

- ``settings``: quick / offline modes, folders, seeding, time budgets;
- ``data``: Fashion-MNIST (online or embedded), tf.data pipelines, ``load_image``;
- ``hardware``: device description, precision, XLA and distribution setup, model size;
- ``losses``, ``training`` (the one GAN core), ``callbacks``: training;
- ``image_ops``: pixel ranges, sRGB <-> Lab, the Laplacian pyramid; ``layers``: shared layers;
- ``features``: frozen feature extractors; ``metrics``: distances, Fashion-MNIST, textures,
  colour, memorisation;
- ``viz``: grids, curves, GIFs; ``reports``: results pages (input | output | target);
  ``models``: the lessons' builders;
- ``lessons``: run notebooks headless, ``report_metric`` for a lesson's headline number;
- ``checks``: the "your turn" checks, the learner's function beside the course's;
- ``tf_logging``: TensorFlow's start-up log lines kept out of the notebooks.

Importing the package imports TensorFlow once, quietly (see :mod:`gan_course.tf_logging`):
import ``gan_course`` before ``keras`` or ``tensorflow`` and the notebook shows no start-up noise.
"""

from gan_course.tf_logging import import_tensorflow_quietly as _import_tensorflow_quietly

__version__ = "0.1.0"

_import_tensorflow_quietly()
