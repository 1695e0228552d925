"""Progressive growing of GANs (ProGAN; Karras et al. 2018) for 32x32 Fashion-MNIST (lesson 5).

A :class:`ProGAN` holds one set of layers and builds, for every resolution 4, 8, 16, 32, a
generator and a discriminator made from them. Growing to a new resolution reuses every trained
layer and adds one block to each network, blended in through a :class:`~gan_course.layers.FadeIn`
whose ``alpha`` rises from 0 to 1::

    progan = ProGAN(latent_dim=512, width=0.25)
    for resolution in progan.resolutions:
        gan = GAN(progan.generator(resolution), progan.discriminator(resolution),
                  latent_dim=512, loss="wgan-gp", d_terms={"drift": progan_drift}, ema_decay=0.999)
        gan.compile(g_optimizer=progan_adam(), d_optimizer=progan_adam())   # Adam reset per level
        gan.fit(progan.dataset(images, resolution, batch),
                callbacks=[FadeInSchedule(fade_steps, variables=[progan.real_alpha])], ...)

Every level trains through the course's one GAN core (:class:`gan_course.training.GAN`); only
the models, the data's resolution and the fade-in change.

The architecture follows the paper's Table 2 and the official code (tkarras/
progressive_growing_of_gans, ``networks.py``), with fewer channels (:data:`PROGAN_CHANNELS`):

- G: z -> pixel norm -> dense to 4x4 -> conv 3x3; then per resolution: nearest-neighbour
  upsampling x2 -> conv 3x3 -> conv 3x3; every conv followed by LeakyReLU(0.2) and pixel norm;
  "toRGB" is a 1x1 conv with a linear output (images in about [-1, 1]).
- D: "fromRGB" (1x1 conv) -> per resolution: conv 3x3 -> conv 3x3 -> 2x2 average pooling;
  at 4x4: minibatch standard deviation -> conv 3x3 -> dense -> dense to one score.
- Every weight layer has an equalised learning rate.

The course's Fashion-MNIST images are 28x28, padded with black to 32x32 (:func:`pad_to_32`).
"""

from __future__ import annotations

import functools
import math
import os

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_course import files, hardware, losses, messages, settings, shipped
from gan_course.data import gan_dataset
from gan_course.layers import (
    EqualizedConv2D,
    EqualizedDense,
    FadeIn,
    MinibatchStdDev,
    NearestUpsample2D,
    PixelNorm,
    flat_layers,
    nearest_upsample,
)

#: Channels per resolution at width 1 (the paper uses 512 up to 32x32; ours halve above 8x8,
#: which a 32x32 model can afford to lose).
PROGAN_CHANNELS = {4: 512, 8: 512, 16: 256, 32: 128}
#: The lesson's ProGAN size per device, for ``hardware.model_scale(**PROGAN_SCALE)``.
PROGAN_SCALE = {"cpu": (0.25, 32), "accelerator": (1.0, 64)}
#: ProGAN's latent size (the TF-Hub progan-128 module's too).
LATENT_DIM = 512
#: The WGAN-GP weight and the drift weight of the paper.
GP_WEIGHT, DRIFT_WEIGHT = 10.0, 0.001
NEGATIVE_SLOPE = 0.2


def progan_adam():
    """ProGAN's optimiser: Adam(lr 1e-3, beta_1 0, beta_2 0.99, epsilon 1e-8), new per level."""
    return keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)


def progan_drift(real_logits, fake_logits):
    """The drift term, 0.001 E[D(x)^2] over real images (a ``d_terms`` entry)."""
    return DRIFT_WEIGHT * losses.drift(real_logits)


def pad_to_32(images) -> np.ndarray:
    """uint8 (N, 28, 28[, 1]) Fashion-MNIST -> uint8 (N, 32, 32, 1), a black 2-pixel frame."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"pad_to_32 expects uint8 images in [0, 255], got {images.dtype}.")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"pad_to_32 expects (N, 28, 28[, 1]) images, got {images.shape}.")
    return np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))


def fashion_mnist_targets(images) -> np.ndarray:
    """uint8 Fashion-MNIST (N, 28, 28[, 1]) -> float32 (N, 32, 32, 3) in [0, 1]: images the
    shipped ProGAN could have drawn (padded, grey repeated to RGB), e.g. inversion targets."""
    return np.repeat(pad_to_32(images).astype(np.float32) / 255.0, 3, axis=-1)


def crop_to_28(images):
    """(N, 32, 32, C) -> (N, 28, 28, C): undo :func:`pad_to_32` (for the Fashion-MNIST
    classifier and its metrics)."""
    return images[:, 2:-2, 2:-2, :]


def downscale(images, factor: int):
    """Average pooling by an integer ``factor`` (ProGAN's way of making low-resolution reals)."""
    if factor == 1:
        return images
    return tf.nn.avg_pool2d(images, factor, factor, "VALID")


#: Nearest-neighbour upsampling by an integer factor (each pixel becomes a block).
upscale = nearest_upsample


def fade_reals(images, alpha):
    """The real images during a fade-in: lerp(upscale(downscale(x, 2), 2), x, alpha).

    At alpha = 0 they carry only the previous resolution's detail, like the grown G's output,
    which at alpha = 0 is the old G's image upsampled; at alpha = 1 they are the images at full
    resolution (the official code's ``process_reals``).
    """
    low = upscale(downscale(images, 2), 2)
    return low + tf.cast(alpha, images.dtype) * (images - low)


class ProGAN:
    """The layers of a progressive GAN, and its generator and discriminator at each resolution.

    Args:
        latent_dim: the size of z (512 in the paper and in TF-Hub's progan-128).
        channels: ``{resolution: channels}`` at width 1, resolutions 4, 8, 16, ... doubling.
        width: channel multiplier (``hardware.model_scale``); channels = max(4, round(c x w)).
        image_channels: 1 for Fashion-MNIST, 3 for colour.
        group_size: the minibatch-stddev group size (4 in the paper).
        pixel_norm, minibatch_stddev: functions to run in G's ``PixelNorm`` layers and D's
            ``MinibatchStdDev`` layer instead of the course's (:func:`gan_course.layers.
            pixel_norm`, :func:`~gan_course.layers.minibatch_stddev`), with their signatures:
            lesson 5 builds its ProGAN with the learner's, once their checks pass. None: the
            course's.
    """

    def __init__(self, latent_dim: int = LATENT_DIM, channels: dict | None = None,
                 width: float = 1.0, image_channels: int = 1, group_size: int = 4,
                 pixel_norm=None, minibatch_stddev=None):
        channels = dict(PROGAN_CHANNELS if channels is None else channels)
        resolutions = sorted(channels)
        expected = [4 * 2 ** i for i in range(max(1, len(resolutions)))]  # {} is no ProGAN
        if resolutions != expected:
            raise ValueError(f"channels must have the resolutions 4, 8, 16, ... doubling; got "
                             f"{resolutions}. Example: {PROGAN_CHANNELS}.")
        if int(latent_dim) < 1 or int(image_channels) < 1 or not width > 0:
            raise ValueError(f"latent_dim={latent_dim}, image_channels={image_channels} must "
                             f"be >= 1 and width={width} > 0.")
        self.latent_dim, self.image_channels = int(latent_dim), int(image_channels)
        self.resolutions = resolutions
        self.channels = {r: hardware.scaled_filters(c, width) for r, c in channels.items()}
        self.group_size = int(group_size)
        for name, function in (("pixel_norm", pixel_norm),
                               ("minibatch_stddev", minibatch_stddev)):
            if function is not None and not callable(function):
                raise ValueError(f"{name}={function!r} must be a function with the signature "
                                 f"of gan_course.layers.{name}, or None for the course's.")
        self.pixel_norm, self.minibatch_stddev = pixel_norm, minibatch_stddev
        #: The real images' fade-in factor, read by :meth:`dataset`; set it with the
        #: ``variables`` of :class:`FadeInSchedule`.
        self.real_alpha = tf.Variable(1.0, trainable=False, dtype=tf.float32,
                                      name="real_alpha")
        c4 = self.channels[4]
        # G: stem at 4x4, then two convolutions per resolution; a toRGB per resolution.
        self._g_dense = EqualizedDense(4 * 4 * c4, gain=math.sqrt(2) / 4, name="g_dense_4")
        self._g_convs = {4: [EqualizedConv2D(c4, 3, name="g_conv_4")]}
        for r in resolutions[1:]:
            self._g_convs[r] = [EqualizedConv2D(self.channels[r], 3, name=f"g_conv_{r}_{i}")
                                for i in (1, 2)]
        self._to_rgb = {r: EqualizedConv2D(self.image_channels, 1, gain=1.0, name=f"to_rgb_{r}")
                        for r in resolutions}
        # D: a fromRGB per resolution, two convolutions per resolution above 4, then the head.
        self._from_rgb = {r: EqualizedConv2D(self.channels[r], 1, name=f"from_rgb_{r}")
                          for r in resolutions}
        self._d_convs = {r: [EqualizedConv2D(self.channels[r], 3, name=f"d_conv_{r}_1"),
                             EqualizedConv2D(self.channels[r // 2], 3, name=f"d_conv_{r}_2")]
                         for r in resolutions[1:]}
        self._d_head = [EqualizedConv2D(c4, 3, name="d_conv_4"),
                        EqualizedDense(c4, name="d_dense_4"),
                        EqualizedDense(1, gain=1.0, name="d_score")]

    def _check_resolution(self, resolution: int) -> int:
        if resolution not in self.resolutions:
            raise ValueError(f"resolution={resolution}; this ProGAN grows through "
                             f"{self.resolutions}.")
        return int(resolution)

    @staticmethod
    def _act(x):
        return layers.LeakyReLU(NEGATIVE_SLOPE)(x)

    def _g_first_features(self, z):
        """G's first feature layer: pixel-normed z -> Dense -> (N, 4, 4, C_4), pixel-normed."""
        norm = functools.partial(PixelNorm, function=self.pixel_norm)
        x = layers.Reshape((4, 4, self.channels[4]))(self._g_dense(norm()(z)))
        return norm()(self._act(x))

    def _g_features(self, z, resolution, first=None):
        """G's features at every resolution up to ``resolution``: {r: (N, r, r, C_r)}; from
        its ``first`` feature layer instead of z when that is given."""
        norm = functools.partial(PixelNorm, function=self.pixel_norm)
        x = self._g_first_features(z) if first is None else first
        x = norm()(self._act(self._g_convs[4][0](x)))
        features = {4: x}
        for r in self.resolutions[1:self.resolutions.index(resolution) + 1]:
            x = NearestUpsample2D(2)(x)
            for conv in self._g_convs[r]:
                x = norm()(self._act(conv(x)))
            features[r] = x
        return features

    def generator(self, resolution: int, fade: bool = True) -> keras.Model:
        """G at ``resolution``: z (N, latent_dim) -> images (N, r, r, image_channels), linear.

        With ``fade`` (and r > 4) the output is ``FadeIn([upsampled toRGB of r/2, toRGB of r])``,
        whose alpha the fade-in callback raises from 0 to 1. Layers are shared across
        resolutions: training G at 16 also trains the layers G at 8 is made of.
        """
        resolution = self._check_resolution(resolution)
        z = keras.Input((self.latent_dim,), name="z")
        features = self._g_features(z, resolution)
        images = self._to_rgb[resolution](features[resolution])
        if fade and resolution > 4:
            old = self._to_rgb[resolution // 2](features[resolution // 2])
            old = NearestUpsample2D(2)(old)
            images = FadeIn(0.0, name=f"g_fade_{resolution}")([old, images])
        images = layers.Activation("linear", dtype="float32")(images)
        return keras.Model(z, images, name=f"progan_generator_{resolution}")

    def generator_parts(self, resolution: int, cut: int = 4) -> tuple[keras.Model, keras.Model]:
        """G at ``resolution`` (faded in) cut in two: ``(head, tail)`` with ``tail(head(z)) =
        generator(resolution)(z)``, sharing its layers. ``cut=4``: after its first feature
        layer, (N, 4, 4, C_4); a larger ``cut``: after the block of that resolution. Truncation
        pulls the head's features towards their mean (``steering.truncate_features``), as
        StyleGAN truncates in W."""
        resolution = self._check_resolution(resolution)
        if cut not in self.resolutions or cut > resolution:
            raise ValueError(f"cut={cut}: use one of {self.resolutions} up to {resolution}.")
        z = keras.Input((self.latent_dim,), name="z")
        cut_features = (self._g_first_features(z) if cut == 4
                        else self._g_features(z, cut)[cut])
        head = keras.Model(z, cut_features, name=f"progan_head_{cut}")
        inputs = keras.Input(tuple(cut_features.shape[1:]), name="cut_features")
        if cut == 4:
            x = self._g_features(None, resolution, first=inputs)[resolution]
        else:
            norm = functools.partial(PixelNorm, function=self.pixel_norm)
            x = inputs
            for r in self.resolutions[self.resolutions.index(cut) + 1:
                                      self.resolutions.index(resolution) + 1]:
                x = NearestUpsample2D(2)(x)
                for conv in self._g_convs[r]:
                    x = norm()(self._act(conv(x)))
        images = layers.Activation("linear", dtype="float32")(self._to_rgb[resolution](x))
        return head, keras.Model(inputs, images, name=f"progan_tail_{resolution}")

    def discriminator(self, resolution: int, fade: bool = True) -> keras.Model:
        """D at ``resolution``: images (N, r, r, image_channels) -> scores (N, 1).

        With ``fade`` (and r > 4) the first block's output is blended with the previous
        resolution's fromRGB of the 2x2-averaged image. The batch must be a multiple of the
        minibatch-stddev group (4), or smaller than it.
        """
        resolution = self._check_resolution(resolution)
        images = keras.Input((resolution, resolution, self.image_channels), name="images")
        x = self._act(self._from_rgb[resolution](images))
        r = resolution
        while r > 4:
            new = x
            for conv in self._d_convs[r]:
                new = self._act(conv(new))
            new = layers.AveragePooling2D(2)(new)
            if fade and r == resolution:
                old = self._act(self._from_rgb[r // 2](layers.AveragePooling2D(2)(images)))
                new = FadeIn(0.0, name=f"d_fade_{r}")([old, new])
            x, r = new, r // 2
        x = MinibatchStdDev(self.group_size, function=self.minibatch_stddev)(x)
        x = self._act(self._d_head[0](x))
        x = self._act(self._d_head[1](layers.Flatten()(x)))
        score = self._d_head[2](x)
        score = layers.Activation("linear", dtype="float32")(score)
        return keras.Model(images, score, name=f"progan_discriminator_{resolution}")

    def dataset(self, images, resolution: int, batch_size: int, seed: int | None = 0):
        """Real images at ``resolution`` for ``GAN.fit``: uint8 (N, H, W[, C]) at the final
        resolution -> batches in [-1, 1], average-pooled down and faded in by
        :func:`fade_reals` with :attr:`real_alpha` (read at every batch)."""
        resolution = self._check_resolution(resolution)
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[..., None]
        side = self.resolutions[-1]
        if images.ndim != 4 or images.shape[1:] != (side, side, self.image_channels):
            raise ValueError(f"ProGAN.dataset expects images of shape (N, {side}, {side}, "
                             f"{self.image_channels}) (Fashion-MNIST: pad_to_32(x)); got "
                             f"{images.shape}.")
        factor = side // resolution
        alpha = self.real_alpha

        def at_resolution(x):
            x = downscale(x, factor)
            return x if resolution == 4 else fade_reals(x, alpha)

        ds = gan_dataset(images, batch_size, seed=seed, repeat=True)
        return ds.map(at_resolution)


class FadeInSchedule(keras.callbacks.Callback):
    """Drives ProGAN's fade-in: before every step, alpha = min(1, step / ``fade_steps``).

    ``step`` is the GAN's generator step (restored with a checkpoint, so a resumed run fades
    on from where it stopped). alpha is written to every :class:`gan_course.layers.FadeIn` in
    the generator and the discriminator, and to each of ``variables`` (e.g.
    ``ProGAN.real_alpha``, which fades the real images in the same way). ``fade_steps=0``: no
    fade (alpha = 1 at once). :attr:`history` keeps (step, alpha) pairs for a plot.
    """

    def __init__(self, fade_steps: int, variables=()):
        super().__init__()
        if int(fade_steps) < 0:
            raise ValueError(f"fade_steps={fade_steps} must be >= 0.")
        self.fade_steps, self.variables = int(fade_steps), list(variables)
        self.history: list[tuple[int, float]] = []

    def alpha_at(self, step: int) -> float:
        """min(1, step / fade_steps); 1 when there is no fade."""
        return 1.0 if self.fade_steps == 0 else min(1.0, step / self.fade_steps)

    def _targets(self):
        found = [layer.alpha for model in self.model.players() for layer in flat_layers(model)
                 if isinstance(layer, FadeIn)]
        return found + self.variables

    def on_train_begin(self, logs=None):
        self._alphas = self._targets()
        self._set(self.alpha_at(self.model.step))

    def on_train_batch_begin(self, batch, logs=None):
        step = self.model.step
        if not self.history or self.history[-1][1] < 1.0:
            self._set(self.alpha_at(step))
            self.history.append((step, self.alpha_at(step)))

    def _set(self, alpha: float) -> None:
        for variable in self._alphas:
            variable.assign(alpha)


def export_generator(generator, path, latent_dim: int = LATENT_DIM):
    """Save ``generator`` as a TF2 SavedModel with TF-Hub progan-128's interface.

    ``hub.load(path).signatures["default"](default=z)["default"]``: z float32 (N, latent_dim)
    -> images float32 (N, H, W, 3) in [0, 1], as progan-128 gives (its images are 128x128).
    The generator's [-1, 1] output is mapped by (x + 1) / 2 and clipped; a grey image is
    repeated to three channels.
    """
    path = str(path)

    class _Module(tf.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, latent_dim], tf.float32)])
        def default(self, default):
            images = tf.cast(self.model(default, training=False), tf.float32)
            images = tf.clip_by_value((images + 1.0) / 2.0, 0.0, 1.0)
            if images.shape[-1] == 1:  # (concat: tile's gradient logs a oneDNN line on CPUs)
                images = tf.concat([images] * 3, axis=-1)
            return {"default": images}

    module = _Module(generator)
    tf.saved_model.save(module, path, signatures={"default": module.default})
    return path


# --------------------------------------------------------------------------- loading

#: TF-Hub's ProGAN (Karras et al. 2018) trained on CelebA: z (N, 512) -> (N, 128, 128, 3) in [0, 1].
TFHUB_PROGAN = "https://tfhub.dev/google/progan-128/1"
#: The course's ProGAN on Fashion-MNIST, a SavedModel folder in data/ (tools/train_progan.py).
SHIPPED_PROGAN = "progan_fashion_mnist"
SHIPPED_PROGAN_RECORD = "progan_fashion_mnist.json"


def shipped_record() -> dict:
    """The shipped ProGAN's training record (``data/progan_fashion_mnist.json``, written by
    ``tools/train_progan.py``): ``levels`` ({resolution: {"steps", "fade_steps", "seconds",
    ...}}), ``batch``, ``training_seconds``, ``quality`` ({"fd", "recognised_classes", ...}),
    ``hardware``, ``versions`` and the files' sha256."""
    import json
    path = settings.data_dir() / SHIPPED_PROGAN_RECORD
    if not path.is_file():
        raise FileNotFoundError(f"The shipped ProGAN's record is missing from {path}; reinstall "
                                "the package, or run tools/train_progan.py.")
    shipped.verify(path)
    return json.loads(path.read_text())


def images_shown(record: dict) -> dict[int, int]:
    """Images each level of a training record saw: steps x batch, ``{resolution: images}``."""
    return {int(r): int(level["steps"]) * int(record["batch"])
            for r, level in record["levels"].items()}


def shipped_keras_progan() -> tuple[ProGAN, keras.Model]:
    """The shipped ProGAN rebuilt as the course's Keras model: ``(progan, generator)``, with
    ``generator = progan.generator(32)`` holding the SavedModel's variables (read from its
    checkpoint, in the order the saved model made them). Its output is the linear grey image in
    [-1, 1] that the SavedModel's signature maps to [0, 1] RGB; ``progan.generator_parts(32)``
    shares its weights (for truncation in the first feature layer)."""
    record = shipped_record()
    folder = settings.data_dir() / SHIPPED_PROGAN
    shipped.verify(folder)
    model = ProGAN(latent_dim=int(record["latent_dim"]), width=float(record["width"]),
                   image_channels=1)
    generator = model.generator(32)
    reader = tf.train.load_checkpoint(str(folder / "variables" / "variables"))
    keys = [k for k in reader.get_variable_to_shape_map() if k.startswith("model/_operations/")]
    order = {"kernel": 0, "bias": 1, "alpha": 2}
    keys.sort(key=lambda k: (int(k.split("/")[2]), order.get(k.split("/")[3], 3)))
    if [tuple(reader.get_variable_to_shape_map()[k]) for k in keys] != \
            [tuple(w.shape) for w in generator.weights]:
        raise ValueError(f"The shipped ProGAN in {folder} does not match the generator this "
                         "version builds: restore data/ (git checkout data/) or retrain it "
                         "(python tools/train_progan.py).")
    generator.set_weights([reader.get_tensor(k) for k in keys])
    return model, generator


class HubGenerator:
    """A generator loaded with ``hub.load``: ``generator(z)`` -> float32 images in [0, 1].

    ``z`` is (N, latent_dim) float32: a NumPy array, a tensor or a ``tf.Variable`` (whose value
    is read first: a hub signature takes tensors, not variables, tensorflow/hub#711). The
    result is a tensor, so gradients flow back to ``z`` (inversion needs them).
    """

    def __init__(self, module, latent_dim: int, name: str):
        # Keep the loaded module: its signature refers to the module's variables, which are
        # deleted with it.
        self.module, self.signature = module, module.signatures["default"]
        self.latent_dim, self.name = int(latent_dim), name
        signature = self.signature
        kwargs = signature.structured_input_signature[1]
        self._input_name = next(iter(kwargs)) if kwargs else None

    def __call__(self, z):
        if isinstance(z, tf.Variable):
            z = z.read_value()
        z = tf.convert_to_tensor(z, tf.float32)
        if z.shape.rank != 2 or (z.shape[-1] is not None and z.shape[-1] != self.latent_dim):
            raise ValueError(f"{self.name} takes latents of shape (N, {self.latent_dim}); got "
                             f"{tuple(z.shape)}. For one latent use z[None].")
        outputs = (self.signature(**{self._input_name: z}) if self._input_name
                   else self.signature(z))
        return outputs["default"]

    def __repr__(self):
        return f"HubGenerator({self.name!r}, latent_dim={self.latent_dim})"


def _hub_generator(handle: str, name: str) -> HubGenerator:
    import tensorflow_hub as hub

    module = hub.load(handle)
    signature = module.signatures["default"]
    kwargs = signature.structured_input_signature[1]
    spec = next(iter(kwargs.values())) if kwargs else signature.structured_input_signature[0][0]
    return HubGenerator(module, int(spec.shape[-1]), name)


def load_progan(handle: str = "auto", verbose: bool = True):
    """A ProGAN generator and its latent size: ``generator, latent_dim = load_progan()``.

    ``generator(z)`` maps z (N, latent_dim) to float32 images (N, H, W, 3) in [0, 1] (see
    :class:`HubGenerator`). Both worlds go through the same ``hub.load(...)
    .signatures["default"]`` call:

    - ``"auto"`` online: TF-Hub's progan-128 (:data:`TFHUB_PROGAN`, CelebA faces at 128x128),
      downloaded once into the course cache (``TFHUB_CACHE_DIR``, default
      ``<cache>/tfhub``);
    - ``"auto"`` offline (``GAN_COURSE_OFFLINE=1``), or when the download fails: the course's
      ProGAN trained on Fashion-MNIST (``data/progan_fashion_mnist``, 32x32, latent 512, the
      same signature and output range), with one line saying so;
    - ``"shipped"``: the course's model; any other string: a TF-Hub handle or a SavedModel
      folder, loaded as it is (errors are raised).
    """
    folder = settings.data_dir() / SHIPPED_PROGAN

    def say(message):
        if verbose:
            messages.say(message)

    def load_shipped(reason):
        if not (folder / "saved_model.pb").is_file():
            raise FileNotFoundError(f"The course's ProGAN is missing from {folder}; "
                                    "reinstall the package, or run tools/train_progan.py.")
        shipped.verify(folder)
        generator = _hub_generator(str(folder), "course ProGAN (Fashion-MNIST, 32x32)")
        say(f"ProGAN: the course's Fashion-MNIST model ({folder.name}, 32x32) {reason}.")
        return generator, generator.latent_dim

    if handle == "shipped":
        return load_shipped("as asked")
    if handle != "auto":
        generator = _hub_generator(str(handle), str(handle))
        say(f"ProGAN: {handle}")
        return generator, generator.latent_dim
    if settings.offline_mode():
        return load_shipped("instead of TF-Hub's progan-128, because GAN_COURSE_OFFLINE is set")
    os.environ.setdefault("TFHUB_CACHE_DIR", str(settings.cache_dir("tfhub")))
    try:
        with files.download_timeout():
            generator = _hub_generator(TFHUB_PROGAN, "TF-Hub progan-128 (CelebA, 128x128)")
    except Exception as error:  # noqa: BLE001 - no network, a proxy, a server error: fall back
        return load_shipped("instead of TF-Hub's progan-128, because it could not be loaded "
                            f"({messages.short_error(error)})")
    say("ProGAN: TF-Hub's progan-128 (CelebA faces, 128x128).")
    return generator, generator.latent_dim
