"""Layers that several lessons share, each a small ``keras.layers.Layer`` with its formula.

- :class:`CircularPad2D`: torus padding for periodic, tileable textures (lesson 2).
- :class:`ReflectionPad2D`: mirror padding without repeating the edge (LapStyle's convolutions).
- :class:`DiffAugment`: differentiable random translation and cutout of the images a
  discriminator sees (``GAN(..., augment=DiffAugment())``).
- :func:`channel_mean_std`, :func:`adain` and the layer :class:`AdaIN`: per-channel feature
  statistics and adaptive instance normalisation (Huang & Belongie 2017), the style-transfer
  core of LapStyle's drafting network.

- ProGAN's pieces (Karras et al. 2018, lesson 5): :func:`pixel_norm` and :class:`PixelNorm`,
  :func:`minibatch_stddev` and :class:`MinibatchStdDev`, the equalised-learning-rate layers
  :class:`EqualizedDense` and :class:`EqualizedConv2D`, and :class:`FadeIn`, whose ``alpha``
  a callback raises from 0 to 1 while a new resolution blends in.

Every layer is registered for Keras serialisation under the
package name ``gan_course``, so saved models that use it load again.
"""

from __future__ import annotations

import keras
from keras import layers


class _Pad2D(layers.Layer):
    """Pads height and width by ``pad`` pixels on each side; subclasses say with what."""

    #: where the padded pixels come from, for the error message
    source = ""

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        if int(pad) < 0:
            raise ValueError(f"pad={pad} must be >= 0 (pixels {self.source}).")
        self.pad = int(pad)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = (lambda n: None if n is None else n + 2 * self.pad)
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


@keras.saving.register_keras_serializable(package="gan_course")
class CircularPad2D(_Pad2D):
    """Pads height and width by ``pad`` pixels taken from the opposite edge (torus padding).

    (batch, H, W, C) -> (batch, H + 2 pad, W + 2 pad, C). A "valid" convolution after it sees
    the image as periodic, so a network built from such convolutions maps periodic inputs to
    periodic outputs.
    """

    source = "taken from the opposite edge"

    def call(self, x):
        return circular_pad(x, self.pad)


def circular_pad(x, pad: int):
    """Pad (batch, H, W, C) by ``pad`` pixels on each side of H and W with the pixels of the
    opposite edge: the rows above are the last ``pad`` rows, the rows below the first ``pad``,
    and the same for the columns (``x[:, -pad:]`` goes on the left/top). ``pad`` <= H, W."""
    p = int(pad)
    if p == 0:
        return x
    x = keras.ops.concatenate([x[:, -p:], x, x[:, :p]], axis=1)
    return keras.ops.concatenate([x[:, :, -p:], x, x[:, :, :p]], axis=2)


@keras.saving.register_keras_serializable(package="gan_course")
class ReflectionPad2D(_Pad2D):
    """Pads height and width by ``pad`` pixels mirrored about the edge pixel, which is not
    repeated: a row [a, b, c, d] padded by 2 becomes [c, b, a, b, c, d, c, b] (PyTorch's
    ``ReflectionPad2d``, ``tf.pad`` mode "REFLECT"). ``pad`` must be smaller than each side.

    (batch, H, W, C) -> (batch, H + 2 pad, W + 2 pad, C). Style-transfer decoders use it instead
    of zero padding, which darkens the borders of the generated image.
    """

    source = "mirrored at each edge"

    def call(self, x):
        p = self.pad
        if p == 0:
            return x
        import tensorflow as tf

        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")


DIFF_AUGMENT_POLICIES = ("translation", "cutout")


@keras.saving.register_keras_serializable(package="gan_course")
class DiffAugment(layers.Layer):
    """Differentiable augmentation (Zhao et al. 2020, "Differentiable Augmentation for
    Data-Efficient GAN Training"): each call draws new random transforms, one per image.

    - ``"translation"``: shift by whole pixels, t_y, t_x uniform in [-r H, r H] and [-r W, r W]
      (r = ``translation``, the paper's 1/8); pixels shifted in are 0:
      y[i, j] = x[i - t_y, j - t_x], or 0 outside the image.
    - ``"cutout"``: zero a square of side round(``cutout`` x H) (the paper's 1/2) centred at a
      uniform random pixel: y = x * (1 - mask).

    Both are products with index selections, so gradients flow to the images, and D's verdict on
    a fake still teaches G. Applied to real and fake alike, it changes what D can memorise, not
    the distribution G learns. It always augments; the GAN core calls it only while training.
    Zero is the middle of [-1, 1] images and black for [0, 1] ones.
    """

    def __init__(self, policy=DIFF_AUGMENT_POLICIES, translation: float = 0.125,
                 cutout: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        policy = (policy,) if isinstance(policy, str) else tuple(policy)
        unknown = [p for p in policy if p not in DIFF_AUGMENT_POLICIES]
        if not policy or unknown:
            raise ValueError(f"policy={policy!r}: choose from {DIFF_AUGMENT_POLICIES}.")
        if not 0.0 <= translation < 0.5 or not 0.0 <= cutout <= 1.0:
            raise ValueError(f"translation={translation} must be in [0, 0.5) and cutout={cutout} "
                             "in [0, 1] (fractions of the image side).")
        self.policy, self.translation, self.cutout, self.seed = policy, translation, cutout, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _uniform_ints(self, n, high):
        """n integers uniform in [0, high), high an int32 scalar tensor."""
        import tensorflow as tf

        u = keras.random.uniform((n,), seed=self.seed_generator)
        return tf.minimum(tf.cast(u * tf.cast(high, "float32"), "int32"), high - 1)

    def _translate(self, x, axis: int):
        import tensorflow as tf

        n, size = tf.shape(x)[0], tf.shape(x)[axis]
        reach = tf.cast(tf.round(tf.cast(size, "float32") * self.translation), "int32")
        shift = self._uniform_ints(n, 2 * reach + 1) - reach               # (n,)
        source = tf.range(size)[None, :] - shift[:, None]                  # (n, size)
        inside = tf.cast((source >= 0) & (source < size), x.dtype)
        moved = tf.gather(x, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
        shape = [n, 1, 1, 1]
        shape[axis] = size
        return moved * tf.reshape(inside, shape)

    def _cutout(self, x):
        import tensorflow as tf

        n, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]

        def band(size):
            side = tf.cast(tf.round(tf.cast(size, "float32") * self.cutout), "int32")
            start = self._uniform_ints(n, size) - side // 2
            index = tf.range(size)[None, :]
            return (index >= start[:, None]) & (index < start[:, None] + side)  # (n, size)

        hole = band(height)[:, :, None] & band(width)[:, None, :]              # (n, H, W)
        return x * (1.0 - tf.cast(hole, x.dtype))[..., None]

    def call(self, images):
        x = images
        if "translation" in self.policy and self.translation > 0:
            x = self._translate(self._translate(x, 1), 2)
        if "cutout" in self.policy and self.cutout > 0:
            x = self._cutout(x)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "policy": list(self.policy),
                "translation": self.translation, "cutout": self.cutout, "seed": self.seed}


# --------------------------------------------------------------------------- AdaIN

#: dtypes too narrow for the statistics: :func:`adain` computes in float32 for these.
_LOW_PRECISION = ("float16", "bfloat16")


def _check_feature_map(x, name):
    rank = len(x.shape)
    if rank != 4:
        raise ValueError(f"{name} has shape {tuple(x.shape)} (rank {rank}); expected a "
                         "(batch, height, width, channels) feature map of rank 4. Add the batch "
                         "axis with x[None] for a single image.")


def _check_same_channels(a, b, names):
    ca, cb = a.shape[-1], b.shape[-1]
    if ca is not None and cb is not None and ca != cb:
        raise ValueError(f"{names[0]} has {ca} channels but {names[1]} has {cb}; take both "
                         "from the same layer of the same feature extractor.")


def channel_mean_std(features, eps=1e-5):
    """Per-sample, per-channel mean and standard deviation over the spatial axes.

    For features f of shape (N, H, W, C), with the sums over the H W positions p:

        mu_nc    = 1/(HW) sum_p f_npc
        sigma_nc = sqrt( 1/(HW) sum_p (f_npc - mu_nc)^2 + eps )

    Both are returned with shape (N, 1, 1, C), so they broadcast against ``features``. The
    variance is the population one (divided by HW, as in instance normalisation); PaddleGAN's
    ``calc_mean_std`` divides by HW - 1, a difference that vanishes for large maps. ``eps``
    keeps sigma > 0 on constant channels. Computes in the input's dtype.
    """
    _check_feature_map(features, "features")
    mean = keras.ops.mean(features, axis=(1, 2), keepdims=True)
    var = keras.ops.mean(keras.ops.square(features - mean), axis=(1, 2), keepdims=True)
    return mean, keras.ops.sqrt(var + eps)


def adain_with_statistics(content, style_mean, style_std, eps=1e-5):
    """AdaIN with the style given by its statistics: sigma_s (c - mu(c)) / sigma(c) + mu_s.

    ``style_mean``, ``style_std``: per-channel values that broadcast against (N, H, W, C), e.g.
    (C,) kept as a model's weights, or (N, 1, 1, C) from :func:`channel_mean_std`. Computed in
    float32 for float16 / bfloat16 content; the result has ``content``'s dtype.
    """
    _check_feature_map(content, "content")
    out_dtype = keras.backend.standardize_dtype(content.dtype)
    work = "float32" if out_dtype in _LOW_PRECISION else out_dtype
    content = keras.ops.cast(content, work)
    c_mean, c_std = channel_mean_std(content, eps)
    return keras.ops.cast(keras.ops.cast(style_std, work) * (content - c_mean) / c_std
                          + keras.ops.cast(style_mean, work), out_dtype)


def adain(content, style, eps=1e-5):
    """Adaptive instance normalisation (Huang & Belongie 2017).

        AdaIN(c, s) = sigma(s) * (c - mu(c)) / sigma(c) + mu(s)

    with mu, sigma the per-sample, per-channel statistics of :func:`channel_mean_std`: the
    content's spatial pattern, normalised, takes the style's channel means and spreads.
    ``content`` is (N, H, W, C); ``style`` is (N, H', W', C) or (1, H', W', C) (one style for
    the whole batch); the spatial sizes may differ. float16 / bfloat16 inputs are computed in
    float32 (squares of float16 activations overflow); the result has ``content``'s dtype.
    """
    _check_feature_map(content, "content")
    _check_feature_map(style, "style")
    _check_same_channels(content, style, ("content", "style"))
    n_content, n_style = content.shape[0], style.shape[0]
    if n_content is not None and n_style is not None and n_style not in (1, n_content):
        raise ValueError(f"style has batch {n_style} but content has batch {n_content}; pass "
                         "one style per content image or a single style (batch 1).")
    work = "float32" if keras.backend.standardize_dtype(style.dtype) in _LOW_PRECISION \
        else keras.backend.standardize_dtype(style.dtype)
    s_mean, s_std = channel_mean_std(keras.ops.cast(style, work), eps)
    return adain_with_statistics(content, s_mean, s_std, eps)


@keras.saving.register_keras_serializable(package="gan_course")
class AdaIN(layers.Layer):
    """Layer form of :func:`adain`: ``AdaIN()([content, style])`` returns

        sigma(s) * (c - mu(c)) / sigma(c) + mu(s)

    with the shape and dtype of ``content``. No weights; ``eps`` is the variance floor.
    """

    def __init__(self, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        if not float(eps) > 0:
            raise ValueError(f"eps={eps} must be > 0 (it keeps sigma(c) away from 0).")
        self.eps = float(eps)

    def _split(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("AdaIN is called on a list [content, style] of two feature maps, "
                             f"got {type(inputs).__name__} of length "
                             f"{len(inputs) if isinstance(inputs, (list, tuple)) else 1}.")
        return inputs

    def call(self, inputs):
        content, style = self._split(inputs)
        return adain(content, style, self.eps)

    def compute_output_shape(self, input_shape):
        content_shape, _ = self._split(input_shape)
        return tuple(content_shape)

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}


# --------------------------------------------------------------------------- ProGAN
# Karras et al. (2018), "Progressive Growing of GANs for Improved Quality, Stability, and
# Variation", sections 3-4; official code: tkarras/progressive_growing_of_gans (networks.py).

#: ProGAN's epsilon in pixel norm.
PIXEL_NORM_EPS = 1e-8


def pixel_norm(x, eps=PIXEL_NORM_EPS):
    """Pixelwise feature vector normalisation: b = a / sqrt(mean_c a^2 + eps).

    Over the last (channel) axis, at every pixel, so each feature vector has a mean square of
    about 1. ProGAN applies it after each convolution of G, and to the latent z itself, which
    puts every z on the sphere of radius sqrt(d) in R^d.
    """
    return x * keras.ops.rsqrt(keras.ops.mean(keras.ops.square(x), axis=-1, keepdims=True)
                               + eps)


@keras.saving.register_keras_serializable(package="gan_course")
class PixelNorm(layers.Layer):
    """:func:`pixel_norm` as a layer (no weights). ``function(x, eps)``: another pixel norm to
    run instead (a learner's, once ``checks.pixel_norm`` has passed it); it is not saved with
    the layer, which reloads with :func:`pixel_norm`."""

    def __init__(self, eps: float = PIXEL_NORM_EPS, function=None, **kwargs):
        super().__init__(**kwargs)
        self.eps = float(eps)
        self.function = function or pixel_norm

    def call(self, x):
        return self.function(x, self.eps)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}


def minibatch_stddev(x, group_size: int = 4):
    """ProGAN's minibatch standard deviation, appended to x as one extra feature map.

    The batch is split into groups of G = min(group_size, N) samples (N must be a multiple of
    G). In each group, for every feature and pixel, sigma = sqrt(Var_group + 1e-8); the mean of
    sigma over features and pixels is one number s per group, copied into a constant map for
    each of the group's samples: output (N, H, W, C + 1). A generator that draws the same image
    for every z gives s close to 0, which D can see: a cue against mode collapse.
    """
    shape = keras.ops.shape(x)
    n, h, w, c = shape[0], shape[1], shape[2], shape[3]
    g = keras.ops.minimum(group_size, n)
    grouped = keras.ops.reshape(keras.ops.cast(x, "float32"), (g, -1, h, w, c))  # (G, M, ...)
    var = keras.ops.mean(keras.ops.square(grouped - keras.ops.mean(grouped, axis=0)), axis=0)
    s = keras.ops.mean(keras.ops.sqrt(var + 1e-8), axis=(1, 2, 3))  # (M,)
    s = keras.ops.tile(keras.ops.reshape(s, (-1, 1, 1, 1)), (g, h, w, 1))  # sample i -> i % M
    return keras.ops.concatenate([x, keras.ops.cast(s, x.dtype)], axis=-1)


@keras.saving.register_keras_serializable(package="gan_course")
class MinibatchStdDev(layers.Layer):
    """:func:`minibatch_stddev` as a layer: (N, H, W, C) -> (N, H, W, C + 1).
    ``function(x, group_size)``: another version to run instead (a learner's, once
    ``checks.minibatch_stddev`` has passed it); not saved, the layer reloads with
    :func:`minibatch_stddev`."""

    def __init__(self, group_size: int = 4, function=None, **kwargs):
        super().__init__(**kwargs)
        if int(group_size) < 1:
            raise ValueError(f"group_size={group_size} must be >= 1 (ProGAN uses 4).")
        self.group_size = int(group_size)
        self.function = function or minibatch_stddev

    def call(self, x):
        return self.function(x, self.group_size)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], None if input_shape[-1] is None else input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


def equalized_scale(fan_in: int, gain: float = 2 ** 0.5) -> float:
    """The equalised learning rate's run-time weight scale, c = gain / sqrt(fan_in).

    ProGAN keeps every weight w ~ N(0, 1) and multiplies by c in the forward pass (He's
    constant, gain sqrt(2) for LeakyReLU layers, 1 for the output layers). Adam's step is about
    the same size for every weight, so scaling at run time gives every layer the same
    effective learning rate, whatever its fan-in.
    """
    if int(fan_in) < 1:
        raise ValueError(f"fan_in={fan_in} must be >= 1.")
    return float(gain) / float(fan_in) ** 0.5


class _Equalized(layers.Layer):
    """Weights ~ N(0, 1), scaled in the forward pass by :func:`equalized_scale`; zero biases."""

    def __init__(self, units: int, gain: float = 2 ** 0.5, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ValueError(f"{type(self).__name__} needs units/filters >= 1, got {units}.")
        self.gain, self.use_bias = float(gain), bool(use_bias)

    def _make_weights(self, kernel_shape, fan_in, units):
        self.scale = equalized_scale(fan_in, self.gain)
        self.kernel = self.add_weight(shape=kernel_shape, name="kernel",
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = (self.add_weight(shape=(units,), name="bias", initializer="zeros")
                     if self.use_bias else None)

    def _finish(self, y):
        return y if self.bias is None else y + keras.ops.cast(self.bias, y.dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="gan_course")
class EqualizedDense(_Equalized):
    """A dense layer with an equalised learning rate: y = (c W) x + b, c = gain / sqrt(fan_in)."""

    def __init__(self, units: int, gain: float = 2 ** 0.5, use_bias: bool = True, **kwargs):
        super().__init__(units, gain, use_bias, **kwargs)
        self.units = int(units)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self._make_weights((fan_in, self.units), fan_in, self.units)

    def call(self, x):
        kernel = keras.ops.cast(self.kernel * self.scale, x.dtype)
        return self._finish(keras.ops.matmul(x, kernel))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="gan_course")
class EqualizedConv2D(_Equalized):
    """A stride-1 'same' convolution with an equalised learning rate:
    y = (c K) * x + b, c = gain / sqrt(k^2 C_in)."""

    def __init__(self, filters: int, kernel_size: int = 3, gain: float = 2 ** 0.5,
                 use_bias: bool = True, **kwargs):
        super().__init__(filters, gain, use_bias, **kwargs)
        self.filters, self.kernel_size = int(filters), int(kernel_size)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        k = self.kernel_size
        self._make_weights((k, k, channels, self.filters), k * k * channels, self.filters)

    def call(self, x):
        kernel = keras.ops.cast(self.kernel * self.scale, x.dtype)
        return self._finish(keras.ops.conv(x, kernel, strides=1, padding="same"))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size}


def fade_in(old, new, alpha):
    """ProGAN's fade-in of a new block: (1 - alpha) old + alpha new, alpha rising 0 -> 1.

    ``old`` is the previous resolution's path, upsampled (in G) or downsampled (in D) to the
    new block's size, ``new`` the new block's output. At alpha = 0 the grown network computes
    exactly what the smaller one did; at alpha = 1 the old path is gone.
    """
    alpha = keras.ops.cast(alpha, new.dtype)
    return old + alpha * (new - old)


@keras.saving.register_keras_serializable(package="gan_course")
class FadeIn(layers.Layer):
    """:func:`fade_in` of the inputs ``[old, new]``, with ``alpha`` a non-trainable weight.

    A callback (:class:`gan_course.models.progan.FadeInSchedule`) sets ``alpha`` before each step;
    being a weight, it is saved in checkpoints and copied to the EMA generator.
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_alpha = float(alpha)

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(), name="alpha", trainable=False,
                                     initializer=keras.initializers.Constant(
                                         self.initial_alpha))

    def call(self, inputs):
        old, new = inputs
        return fade_in(old, new, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape[1]

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


def nearest_upsample(x, factor: int = 2):
    """Nearest-neighbour upsampling: each pixel of (N, H, W, C) becomes a ``factor`` x
    ``factor`` block, (N, factor H, factor W, C) (through ``keras.ops.image.resize``)."""
    if factor == 1:
        return x
    h, w = x.shape[1], x.shape[2]
    return keras.ops.image.resize(x, (h * factor, w * factor), interpolation="nearest")


@keras.saving.register_keras_serializable(package="gan_course")
class NearestUpsample2D(layers.Layer):
    """:func:`nearest_upsample` as a layer, ProGAN's upsampling in G. Same output as
    ``UpSampling2D(interpolation="nearest")``, whose gradient on CPUs logs an alarming-looking
    oneDNN line ("supports DT_INT32 only on platforms with AVX-512").
    """

    def __init__(self, factor: int = 2, **kwargs):
        super().__init__(**kwargs)
        if int(factor) < 1:
            raise ValueError(f"factor={factor} must be >= 1.")
        self.factor = int(factor)

    def call(self, x):
        return nearest_upsample(x, self.factor)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.factor,
                None if w is None else w * self.factor, c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def flat_layers(model):
    """Every leaf layer of ``model``, in order, looking inside nested models and blocks."""
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            yield from flat_layers(layer)
        else:
            yield layer
