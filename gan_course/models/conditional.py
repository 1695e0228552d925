"""Class-conditional GANs for 28x28x1 Fashion-MNIST (10 classes), lesson 3.

Both players take the class label y as a second input, as the training core calls them:
G([z, y]) and D([x, y]), with y an integer label per sample, shape (batch,) (int32 or int64;
(batch, 1) works too: Keras squeezes it to the model's input shape). The networks are lesson 1's
DCGAN (:mod:`gan_course.models.fashion_mnist`) with the label added in one of two ways:

- **concatenation** (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"; the
  layout of keras-io's "Conditional GAN" example): G reads [z, one_hot(y)]; D reads the image
  with 10 more channels beside it, channel k all ones when y = k (label maps);
- **projection** (Miyato & Koyama 2018, "cGANs with Projection Discriminator"), for D only:
  D(x, y) = psi(phi(x)) + V[y] . phi(x). The label never enters the convolutions: it chooses a
  learned class vector V[y] and D adds its inner product with the image features phi(x) to an
  unconditional logit psi(phi(x)). Miyato & Koyama show this is the form the optimal D takes
  when p(y|x) is a log-linear model of phi(x).

Generators return images (batch, 28, 28, 1) in [-1, 1] (tanh); discriminators one logit per
sample, (batch, 1) (no sigmoid). Final layers are float32, so the outputs stay float32 under
mixed precision.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from gan_course import settings, shipped
from gan_course.hardware import scaled_filters

IMAGE_SHAPE = (28, 28, 1)
N_CLASSES = 10
#: Lesson 3's conditional DCGAN size per device, for ``hardware.model_scale(**CGAN_SCALE)``:
#: (width, batch). The label adds a few weights to the first layers (10 inputs to G's Dense, 10
#: channels to D's first convolution, or one class vector per class), so a quarter-width
#: conditional pair costs about what a quarter-width lesson 1 DCGAN does; its 10-minute results
#: are in bench/README.md (``cgan_quality.py``).
CGAN_SCALE = {"cpu": (0.25, 128), "accelerator": (1.0, 128)}
EMBEDDINGS = ("one_hot", "learned")
CONDITIONINGS = ("concat", "projection")


def _channels(widths, width: float):
    return [scaled_filters(c, width) for c in widths]


def _label_input(name: str = "label"):
    """An integer class label per sample: shape (batch,)."""
    return keras.Input((), dtype="int32", name=name)


def build_conditional_generator(latent_dim: int = 100, n_classes: int = N_CLASSES,
                                width: float = 1.0, embedding: str = "one_hot",
                                embedding_dim: int = 50) -> keras.Model:
    """Lesson 1's DCGAN generator with the label concatenated to the noise.

    [z (latent_dim), y (int)] -> concat(z, e(y)) -> Dense 7*7*256 -> BN -> LeakyReLU(0.2)
      -> (7, 7, 256)
      -> ConvTranspose 128, 5x5, stride 1 -> BN -> LeakyReLU(0.2) -> (7, 7, 128)
      -> ConvTranspose 64, 5x5, stride 2 -> BN -> LeakyReLU(0.2) -> (14, 14, 64)
      -> ConvTranspose 1, 5x5, stride 2, tanh -> (28, 28, 1)

    e(y) is ``embedding``: ``"one_hot"`` (the 10-dimensional one-hot vector, as in keras-io's
    conditional GAN) or ``"learned"`` (a trainable ``Embedding(n_classes, embedding_dim)``, as
    in the TensorFlow/Keras tutorials that embed the label into 50 numbers). ``width`` scales
    every channel count, as in lesson 1.
    """
    if embedding not in EMBEDDINGS:
        raise ValueError(f"embedding={embedding!r}; use one of {EMBEDDINGS}.")
    c1, c2, c3 = _channels((256, 128, 64), width)
    z = keras.Input((latent_dim,), name="z")
    y = _label_input()
    if embedding == "one_hot":
        label = ops.one_hot(y, n_classes)
    else:
        label = layers.Embedding(n_classes, embedding_dim, name="label_embedding")(y)
    x = layers.Concatenate(name="z_and_label")([z, label])
    x = layers.Dense(7 * 7 * c1, use_bias=False)(x)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, c1))(x)
    for filters, stride in ((c2, 1), (c3, 2)):
        x = layers.Conv2DTranspose(filters, 5, strides=stride, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same")(x)
    images = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model([z, y], images, name="conditional_generator")


def _dcgan_features(x, width: float, dropout: float):
    """Lesson 1's DCGAN discriminator without its last Dense: phi(x), flattened.

    (28, 28, C) -> Conv 64, 5x5, stride 2 -> LeakyReLU(0.2) -> Dropout -> (14, 14, 64)
      -> Conv 128, 5x5, stride 2 -> LeakyReLU(0.2) -> Dropout -> (7, 7, 128)
      -> Flatten -> (6272,)
    """
    for filters in _channels((64, 128), width):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.Dropout(dropout)(layers.LeakyReLU(0.2)(x))
    return layers.Flatten(name="phi")(x)


def build_conditional_discriminator(n_classes: int = N_CLASSES, width: float = 1.0,
                                    conditioning: str = "concat",
                                    dropout: float = 0.3) -> keras.Model:
    """Lesson 1's DCGAN discriminator told the class, by concatenation or by projection.

    ``conditioning="concat"`` (label maps beside the image, as in keras-io's conditional GAN)::

        [x (28, 28, 1), y] -> concat(x, one_hot(y) repeated at every pixel) -> (28, 28, 1 + 10)
          -> phi: Conv 64, 5x5, s2 -> LeakyReLU(0.2) -> Dropout -> (14, 14, 64)
                  Conv 128, 5x5, s2 -> LeakyReLU(0.2) -> Dropout -> (7, 7, 128) -> Flatten
          -> Dense 1 -> (1,) logit

    ``conditioning="projection"`` (Miyato & Koyama 2018)::

        x -> phi (the same layers on the image alone) -> (6272,) --> psi: Dense 1 ----+
        y -> V: Embedding(n_classes, 6272) -> V[y] --> inner product V[y] . phi(x) --+--> logit

    so logit = psi(phi(x)) + sum(V[y] * phi(x)). The paper's ResNet features end with global sum
    pooling; here phi keeps lesson 1's Flatten, so both conditionings share one body and differ
    only in where the label enters. (The paper also uses spectral normalisation; this builder
    does not, so the comparison with concatenation changes one thing.) The layers are named
    ``phi``, ``psi`` and ``class_embedding`` (V) for inspection.

    ``width`` scales the channel counts and ``dropout`` is the rate after each convolution.
    """
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning={conditioning!r}; use one of {CONDITIONINGS}.")
    image = keras.Input(IMAGE_SHAPE, name="image")
    y = _label_input()
    if conditioning == "concat":
        height, width_px, _ = IMAGE_SHAPE
        label_maps = ops.tile(ops.reshape(ops.one_hot(y, n_classes), (-1, 1, 1, n_classes)),
                              (1, height, width_px, 1))
        x = layers.Concatenate(name="image_and_label_maps")([image, label_maps])
        features = _dcgan_features(x, width, dropout)
        logits = layers.Dense(1, dtype="float32", name="psi")(features)
        return keras.Model([image, y], logits, name="concat_discriminator")
    features = _dcgan_features(image, width, dropout)
    unconditional = layers.Dense(1, dtype="float32", name="psi")(features)
    class_vector = layers.Embedding(n_classes, features.shape[-1], dtype="float32",
                                    name="class_embedding")(y)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")(
        [class_vector, features])
    logits = layers.Add(dtype="float32", name="logit")([unconditional, projection])
    return keras.Model([image, y], logits, name="projection_discriminator")


def projection_logit(features, labels, psi_kernel, psi_bias, class_vectors):
    """The projection discriminator's head (Miyato & Koyama 2018) on features phi(x):

        logit_i = phi_i . w + b  +  V[y_i] . phi_i

    ``features`` phi (N, F); ``labels`` y (N,) integers; ``psi_kernel`` w (F, 1) and
    ``psi_bias`` b (1,): psi, the unconditional Dense layer; ``class_vectors`` V (n_classes, F),
    one learned vector per class. Returns (N, 1) float32, what
    :func:`build_conditional_discriminator` (``conditioning="projection"``) computes from its
    layers ``psi`` and ``class_embedding``.
    """
    phi = ops.cast(features, "float32")
    unconditional = ops.matmul(phi, ops.cast(psi_kernel, "float32")) + ops.cast(psi_bias,
                                                                              "float32")
    chosen = ops.take(ops.cast(class_vectors, "float32"), ops.cast(labels, "int32"), axis=0)
    return unconditional + ops.sum(chosen * phi, axis=1, keepdims=True)


#: The class-conditional GAN that ships in ``data/`` (projection discriminator, lesson 3's recipe
#: for 12,000 steps), so that quick mode shows a generator that follows its label.
#: ``tools/train_shipped_gans.py cgan`` makes it; data/README.md records its budget and quality.
SHIPPED_CGAN = "cgan_projection_fashion_mnist.npz"


def save_conditional_generator(path, generator: keras.Model, record: dict):
    """Write a conditional generator for :func:`shipped_conditional_generator` (float16 weights
    and a JSON ``record`` that holds at least ``latent_dim``, ``width`` and ``embedding``)."""
    missing = {"latent_dim", "width", "embedding"} - set(record)
    if missing:
        raise ValueError(f"the record needs {sorted(missing)}: the loader rebuilds G from them.")
    return shipped.save_model_weights(path, {"generator": generator}, record)


def shipped_conditional_generator(verbose: bool = True):
    """The shipped class-conditional generator (EMA weights): ``(generator, record)``;
    ``generator([z, y])`` takes z (N, latent_dim) and integer labels (N,)."""
    path = settings.data_dir() / SHIPPED_CGAN
    models, record = shipped.load_model_weights(
        path, lambda r: {"generator": build_conditional_generator(
            int(r["latent_dim"]), width=float(r["width"]), embedding=r["embedding"])},
        fix="restore it (git checkout data/) or retrain it (python tools/train_shipped_gans.py "
            "cgan)")
    if verbose:
        print(f"Shipped conditional GAN ({record['conditioning']} discriminator): {path.name}, "
              f"{record['steps']:,} steps of batch {record['batch']} ({record['hardware']}; "
              "tools/train_shipped_gans.py).")
    return models["generator"], record
