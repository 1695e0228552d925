"""LapStyle for lesson 4: drafting at low resolution, revision up a Laplacian pyramid (Lin et al.
2021, "Drafting and Revision: Laplacian Pyramid Network for Fast High-Quality Artistic Style
Transfer"; official code: PaddleGAN, ``ppgan/models/generators/generater_lapstyle.py`` and
``discriminators/discriminator_lapstyle.py``).

One model per style. With the content pyramid ``laplacian_pyramid(c, levels)`` = [L_0 (finest
band), ..., L_{levels-2}, c_low (low-pass residual)]::

    draft      x_low = Dec(AdaIN(Enc(c_low), style))           DraftingNetwork, e.g. at 128
    revision   x_k   = up(x_{k+1}) + Rev_k([L_k, up(x_{k+1})])  one per band, 256, 512, ...

Enc is a frozen VGG (``features.vgg_encoder``; the paper's is ImageNet VGG-19); the style's per-
channel statistics at relu2_1, relu3_1 and relu4_1 are computed once
(:meth:`DraftingNetwork.set_style`) and kept as weights, so a trained model carries its style.
Each revision network outputs a residual that adds the detail of its band to the upsampled
coarser result. A shallow patch discriminator (:func:`build_lapstyle_discriminator`) judges the
revised images against crops of the style image.

Sizes: the decoder upsamples relu4_1 (1/8 of the side) three times, so the draft's sides must be
multiples of 8; each revision level doubles them. :func:`check_lapstyle_size` says what fits.
Images are RGB in [0, 1] (VGG's convention), and the outputs are not clipped (clip to show them).
"""

from __future__ import annotations

import keras
from keras import layers

from gan_course import hardware, image_ops, losses, settings, shipped
from gan_course.features import write_arrays_npz
from gan_course.hardware import scaled_filters as _scaled
from gan_course.layers import ReflectionPad2D, adain_with_statistics, channel_mean_std

#: Where the drafting decoder takes its AdaIN'd features from, shallow to deep.
DRAFT_LAYERS = ("relu2_1", "relu3_1", "relu4_1")
#: VGG channels at those layers (the same in VGG-16 and VGG-19).
DRAFT_CHANNELS = (128, 256, 512)
#: The draft's resolution in the paper and the official configs (content and style at 128).
DRAFT_SIZE = 128
#: The decoder upsamples 3 times, so draft sides are multiples of 2^3.
DRAFT_MULTIPLE = 8


def _conv(filters: int, name: str, stride: int = 1, activation: str | None = "relu"):
    """3x3 convolution with reflect padding (the official code's ConvBlock)."""
    return keras.Sequential([ReflectionPad2D(1), layers.Conv2D(filters, 3, strides=stride,
                                                               activation=activation)],
                            name=name)


def _res_block(x, name: str):
    """x + conv(relu(conv(x))), 3x3 reflect-padded convolutions keeping the channels."""
    channels = x.shape[-1]
    y = _conv(channels, f"{name}_a")(x)
    y = _conv(channels, f"{name}_b", activation=None)(y)
    return layers.Add(name=name)([x, y])


def _check_width(width: float):
    if not width > 0:
        raise ValueError(f"width={width} must be > 0 (1.0 = the paper's channels).")


def build_drafting_decoder(width: float = 1.0, name: str = "drafting_decoder") -> keras.Model:
    """The drafting network's decoder: AdaIN'd VGG features -> a draft image.

    Inputs ``[a2, a3, a4]``: AdaIN(relu2_1), AdaIN(relu3_1), AdaIN(relu4_1) for an (h, w)
    image: (h/2, w/2, 128), (h/4, w/4, 256), (h/8, w/8, 512). Output (h, w, 3), no activation.
    As in the official decoder (channels x ``width``)::

        a4 -> ResBlock 512 -> conv 256 -> up x2, + a3 -> ResBlock 256 -> conv 128 -> up x2,
        + a2 -> conv 128 -> conv 64 -> up x2 -> conv 64 -> conv 3

    3x3 convolutions with reflect padding and ReLU, nearest-neighbour upsampling. With
    ``width`` < 1 a 1x1 convolution first brings each AdaIN map to the decoder's channels.
    """
    _check_width(width)
    c = [_scaled(n, width) for n in (64, 128, 256, 512)]
    inputs = [keras.Input((None, None, ch), name=f"adain_{layer}")
              for layer, ch in zip(DRAFT_LAYERS, DRAFT_CHANNELS, strict=True)]

    def fit(x, filters, label):
        return x if x.shape[-1] == filters else layers.Conv2D(filters, 1, name=f"fit_{label}")(x)

    x = _res_block(fit(inputs[2], c[3], "relu4_1"), "res4")
    x = _conv(c[2], "conv4")(x)
    x = layers.UpSampling2D(2, name="up4")(x)
    x = layers.Add(name="skip3")([x, fit(inputs[1], c[2], "relu3_1")])
    x = _res_block(x, "res3")
    x = _conv(c[1], "conv3")(x)
    x = layers.UpSampling2D(2, name="up3")(x)
    x = layers.Add(name="skip2")([x, fit(inputs[0], c[1], "relu2_1")])
    x = _conv(c[1], "conv2a")(x)
    x = _conv(c[0], "conv2b")(x)
    x = layers.UpSampling2D(2, name="up2")(x)
    x = _conv(c[0], "conv1")(x)
    x = _conv(3, "to_rgb", activation=None)(x)
    outputs = layers.Activation("linear", dtype="float32", name="draft")(x)
    return keras.Model(inputs, outputs, name=name)


def build_revision_network(width: float = 1.0, name: str = "revision") -> keras.Model:
    """One revision level: [Laplacian band, upsampled coarser result] (H, W, 6) -> a residual
    (H, W, 3) that is added to the upsampled result. H and W must be even.

    As in the official code (channels x ``width``): conv 64 -> conv 64 stride 2 -> ResBlock 64
    -> up x2 (nearest) -> conv 64 -> conv 3, 3x3 reflect-padded, ReLU, no output activation.
    """
    _check_width(width)
    c = _scaled(64, width)
    inputs = keras.Input((None, None, 6), name="band_and_upsampled")
    x = _conv(c, "conv_in")(inputs)
    x = _conv(c, "down", stride=2)(x)
    x = _res_block(x, "res")
    x = layers.UpSampling2D(2, name="up")(x)
    x = _conv(c, "conv_out")(x)
    x = _conv(3, "to_rgb", activation=None)(x)
    outputs = layers.Activation("linear", dtype="float32", name="residual")(x)
    return keras.Model(inputs, outputs, name=name)


def build_lapstyle_discriminator(width: float = 1.0, n_layers: int = 3,
                                 name: str = "lapstyle_discriminator") -> keras.Model:
    """The shallow patch discriminator: ``n_layers`` 3x3 stride-1 convolutions (32 channels x
    ``width``, then 1), BatchNorm and LeakyReLU(0.2) on all but the last; images (H, W, 3) ->
    a map of logits (H, W, 1).

    Its receptive field is only 2 n_layers + 1 pixels (7 for the default 3), so it judges local
    texture and cannot memorise the single style image's layout.
    """
    _check_width(width)
    if int(n_layers) != n_layers or n_layers < 2:
        raise ValueError(f"n_layers={n_layers!r} must be an int >= 2.")
    c = _scaled(32, width)
    inputs = keras.Input((None, None, 3), name="image")
    x = inputs
    for i in range(int(n_layers) - 1):
        x = layers.Conv2D(c, 3, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    x = layers.Conv2D(1, 3, padding="same", name="logits")(x)
    outputs = layers.Activation("linear", dtype="float32", name="patch_logits")(x)
    return keras.Model(inputs, outputs, name=name)


def check_lapstyle_size(height: int, width: int, revisions: int) -> None:
    """Raise ``ValueError`` unless an (height, width) content image fits ``revisions`` levels:
    both sides multiples of 8 x 2^revisions (draft at side / 2^revisions, a multiple of 8)."""
    multiple = DRAFT_MULTIPLE * 2 ** int(revisions)
    bad = [side for side in (height, width) if side is not None and side % multiple]
    if bad:
        fit = [max(multiple, side // multiple * multiple) for side in (height, width)]
        raise ValueError(
            f"A {height}x{width} image does not fit LapStyle with {revisions} revision level(s): "
            f"both sides must be multiples of {multiple} (the draft, at 1/{2 ** revisions} of "
            f"the size, is upsampled 3 times). Crop or resize it, e.g. to {fit[0]}x{fit[1]}.")


class DraftingNetwork(keras.Model):
    """Content (N, h, w, 3) in [0, 1] -> the draft in the style set by :meth:`set_style`.

    Dec(AdaIN(Enc(c))) with AdaIN(c, s) = sigma_s (c - mu_c) / sigma_c + mu_s at relu2_1,
    relu3_1 and relu4_1; the style's mu_s, sigma_s are non-trainable weights. Only the decoder
    trains. ``encoder``: a ``features.VGGEncoder`` with (at least) :data:`DRAFT_LAYERS`.
    """

    def __init__(self, encoder, decoder: keras.Model | None = None, **kwargs):
        kwargs.setdefault("name", "drafting_network")
        super().__init__(**kwargs)
        missing = [name for name in DRAFT_LAYERS if name not in encoder.layers]
        if missing:
            raise ValueError(f"The encoder has no {missing}; build it with "
                             f"features.vgg_encoder(layers=...) including {DRAFT_LAYERS}.")
        self.encoder = encoder
        self._picks = [encoder.layers.index(name) for name in DRAFT_LAYERS]
        self.decoder = decoder if decoder is not None else build_drafting_decoder()
        self.style_mean = [self.add_weight(shape=(ch,), initializer="zeros", trainable=False,
                                           name=f"style_mean_{layer}")
                           for layer, ch in zip(DRAFT_LAYERS, DRAFT_CHANNELS, strict=True)]
        self.style_std = [self.add_weight(shape=(ch,), initializer="ones", trainable=False,
                                          name=f"style_std_{layer}")
                          for layer, ch in zip(DRAFT_LAYERS, DRAFT_CHANNELS, strict=True)]
        self.has_style = False
        self.built = True  # every weight exists now: the decoder is a built functional model

    def draft_features(self, images) -> list:
        """Enc at :data:`DRAFT_LAYERS` (float32)."""
        features = self.encoder(images)
        return [keras.ops.cast(features[i], "float32") for i in self._picks]

    def set_style(self, style_images) -> None:
        """Keep the style's statistics: per channel, the mean and standard deviation over space,
        averaged over the given images (one style image, or several crops of it)."""
        style = image_ops.unit_images(style_images, "the style image(s)")
        for feature, mean_var, std_var in zip(self.draft_features(style), self.style_mean,
                                              self.style_std, strict=True):
            mean, std = channel_mean_std(feature)
            mean_var.assign(keras.ops.reshape(keras.ops.mean(mean, axis=0), (-1,)))
            std_var.assign(keras.ops.reshape(keras.ops.mean(std, axis=0), (-1,)))
        self.has_style = True

    def reconstruct(self, content, training=False, features=None):
        """The content stylised with itself as the style: Dec(Enc(c)), since AdaIN(c, c) = c.
        What LapStyle's identity losses compare with the content (:func:`perceptual_terms`).

        ``features``: this encoder's maps of ``content`` (all of ``encoder.layers``), when they
        are already at hand, so the encoder need not run again."""
        check_lapstyle_size(content.shape[1], content.shape[2], revisions=0)
        if features is None:
            picked = self.draft_features(content)
        else:
            picked = [keras.ops.cast(features[i], "float32") for i in self._picks]
        return self.decoder(picked, training=training)

    def call(self, content, training=False):
        if len(content.shape) != 4:
            raise ValueError(f"The content must be a batch (N, H, W, 3), got {content.shape}.")
        check_lapstyle_size(content.shape[1], content.shape[2], revisions=0)
        adain = [adain_with_statistics(feature, mean, std) for feature, mean, std in
                 zip(self.draft_features(content), self.style_mean, self.style_std, strict=True)]
        return self.decoder(adain, training=training)


class LapStyleNet(keras.Model):
    """The full LapStyle generator: content (N, H, W, 3) in [0, 1] -> the stylised image.

    The content's Laplacian pyramid (``image_ops.laplacian_pyramid``, ``len(revisions) + 1``
    levels) gives the draft its low-pass content and each revision network its band, coarse to
    fine. Only the revisions listed in ``train`` (default: the last, the stage being trained)
    are trainable; the drafting network and earlier revisions are frozen. Inference at a higher
    resolution repeats a trained revision: ``LapStyleNet(draft, [rev1, rev2, rev2])``.
    """

    def __init__(self, drafting: DraftingNetwork, revisions, train=None, **kwargs):
        kwargs.setdefault("name", "lapstyle")
        super().__init__(**kwargs)
        self.drafting = drafting
        self.revisions = list(revisions)
        if not self.revisions:
            raise ValueError("LapStyleNet needs at least one revision network; the draft alone "
                             "is the DraftingNetwork.")
        train = {len(self.revisions) - 1} if train is None else set(train)
        self.drafting.trainable = False
        for i, revision in enumerate(self.revisions):
            if i not in train:
                revision.trainable = False
        self.built = True  # made of built models, no weights of its own

    def call(self, content, training=False):
        check_lapstyle_size(content.shape[1], content.shape[2], revisions=len(self.revisions))
        pyramid = image_ops.laplacian_pyramid(keras.ops.cast(content, "float32"),
                                              len(self.revisions) + 1)
        result = self.drafting(pyramid[-1], training=False)
        for band, revision in zip(reversed(pyramid[:-1]), self.revisions, strict=True):
            upsampled = image_ops.pyramid_up(result, keras.ops.shape(band)[1:3])
            residual = revision(keras.ops.concatenate([band, upsampled], axis=-1),
                                training=training)
            result = upsampled + residual
        return result


def upsampled_draft(drafting: DraftingNetwork, content, revisions: int):
    """The draft alone, brought to the content's size: up(Draft(c_low)) with c_low the low-pass
    residual of a ``revisions + 1``-level Laplacian pyramid (what :class:`LapStyleNet` revises;
    with no revisions it is plain AdaIN-style transfer at low resolution, then upsampling)."""
    check_lapstyle_size(content.shape[1], content.shape[2], revisions=revisions)
    content = keras.ops.cast(content, "float32")
    low = image_ops.laplacian_pyramid(content, revisions + 1)[-1]
    return image_ops.pyramid_up(drafting(low, training=False), keras.ops.shape(content)[1:3])


def draft_with_content_bands(drafting: DraftingNetwork, content, revisions: int):
    """The control that learns nothing beyond the draft: the content's own Laplacian bands
    pasted back onto it, ``fold([L_0(c), ..., L_{r-1}(c), Draft(c_low)])``, i.e.

        x_r = Draft(c_low),   x_k = L_k(c) + up(x_{k+1}),   output x_0,

    with the ``revisions + 1``-level pyramid of :class:`LapStyleNet`. It is LapStyle with
    revision networks that return their input band unchanged, so a trained LapStyle must beat
    it to show that its revisions learned anything."""
    check_lapstyle_size(content.shape[1], content.shape[2], revisions=revisions)
    pyramid = image_ops.laplacian_pyramid(keras.ops.cast(content, "float32"), revisions + 1)
    draft = keras.ops.cast(drafting(pyramid[-1], training=False), "float32")
    return image_ops.fold_laplacian_pyramid([*pyramid[:-1], draft])


#: The row names of :func:`comparison_rows`, before the model's label.
COMPARISON_ROWS = ("draft alone, upsampled", "control: draft + content bands", "LapStyle")


def comparison_rows(drafting: DraftingNetwork, revisions, contents, label: str,
                    levels: int = 2) -> dict:
    """Lesson 4's three rows for one trained LapStyle, ``{f"{row} ({label})": (outputs,
    seconds per image)}`` with the rows of :data:`COMPARISON_ROWS`: the draft alone
    (:func:`upsampled_draft`), the no-learning control (:func:`draft_with_content_bands`) and
    ``LapStyleNet(drafting, revisions[:levels])``. Outputs are clipped to [0, 1]; each row is
    timed image by image on this machine (:func:`gan_course.hardware.seconds_per_image`)."""
    import numpy as np
    if len(revisions) < levels:
        raise ValueError(f"{label}: {len(revisions)} revision network(s), and {levels} are "
                         "needed; train the missing stage (tools/train_lapstyle.py).")
    stylise = LapStyleNet(drafting, list(revisions[:levels]))
    functions = (lambda x: upsampled_draft(drafting, x, revisions=levels),
                 lambda x: draft_with_content_bands(drafting, x, revisions=levels),
                 lambda x: stylise.predict(x, verbose=0))
    rows = {}
    for name, function in zip(COMPARISON_ROWS, functions, strict=True):
        images, seconds = hardware.seconds_per_image(
            lambda x, f=function: keras.ops.convert_to_numpy(f(x)), contents)
        rows[f"{name} ({label})"] = (np.clip(images, 0.0, 1.0), seconds)
    return rows


#: The style image's shorter side for each training crop size: 136 and 280 are PaddleGAN's load
#: sizes for its 128 and 256 crops; 544 keeps about the same margin for 512 crops.
STYLE_SIDES = {128: 136, 256: 280, 512: 544}


def lapstyle_adam(learning_rate: float = 1e-4):
    """The official optimiser for every stage and both players: Adam(beta_1 0.9, beta_2 0.999)
    with lr_t = learning_rate / (1 + 5e-5 t) (PaddleGAN's ``configs/lapstyle_*.yaml``)."""
    schedule = keras.optimizers.schedules.InverseTimeDecay(learning_rate, decay_steps=1,
                                                           decay_rate=5e-5)
    return keras.optimizers.Adam(schedule, beta_1=0.9, beta_2=0.999)


#: The revision stages' perceptual weights: PaddleGAN's (``losses.LAPSTYLE_LOSS_WEIGHTS``) with
#: the content term at 4 instead of 1. At the course's CPU budget (300 and 100 steps) the
#: official weights let the revisions paint over the faces (content SSIM 0.254 at 512 px);
#: content 4 kept them (0.479) and matched the style's texture better too (bench/README.md,
#: recipe 4). The draft keeps the official weights.
REVISION_LOSS_WEIGHTS = {**losses.LAPSTYLE_LOSS_WEIGHTS, "content": 4.0}

#: The layers of the relaxed-EMD and self-similarity terms (PaddleGAN: relu3_1 and relu4_1 for
#: the draft and the first revision; the second revision uses relu4_1 alone, since at 512 px
#: relu3_1's distance matrices take gigabytes).
REMD_LAYERS = ("relu3_1", "relu4_1")


def perceptual_terms(encoder, weights=None, remd_layers=REMD_LAYERS,
                     identity: DraftingNetwork | None = None):
    """LapStyle's four perceptual losses as one group of GAN-core terms, sharing one encoder pass
    per image: ``GAN(..., g_terms={"perceptual": perceptual_terms(encoder)})``.

    Called as ``terms(real, fake, condition)`` with real = crops of the style image, fake = the
    stylised output and condition = the content, all (N, H, W, 3) in [0, 1]. With phi_l the
    encoder's layer l and the weights w (default ``losses.LAPSTYLE_LOSS_WEIGHTS``)::

        content         = w_c    * content_loss(phi(fake), phi(content))        all layers
        style           = w_s    * style_loss(phi(fake), phi(style))             all layers
        relaxed_emd     = w_r    * sum_{l in remd_layers} rEMD(phi_l(fake), phi_l(style))
        self_similarity = w_ss   * sum_{l in remd_layers} SS(phi_l(fake), phi_l(content))

    ``identity``: the drafting network being trained (the draft stage only). Two more terms then
    ask that the content, given itself as the style, come back (PaddleGAN's identity losses,
    weights ``losses.LAPSTYLE_IDENTITY_WEIGHTS`` unless ``weights`` has them), with
    I = ``identity.reconstruct(content)``::

        identity_pixels   = w_ip * MSE(I, content)
        identity_features = w_if * feature_mse(phi(I), phi(content))           all layers
    """
    weights = dict(losses.LAPSTYLE_LOSS_WEIGHTS if weights is None else weights)
    missing = sorted(set(losses.LAPSTYLE_LOSS_WEIGHTS) - set(weights))
    if missing:
        raise ValueError(f"weights lacks {missing}; give all of "
                         f"{list(losses.LAPSTYLE_LOSS_WEIGHTS)} (0 turns a term off).")
    if identity is not None and not isinstance(identity, DraftingNetwork):
        raise ValueError(f"identity={identity!r} must be the DraftingNetwork being trained "
                         "(the draft stage), or None.")
    for name, default in losses.LAPSTYLE_IDENTITY_WEIGHTS.items():
        weights.setdefault(name, default)
    unknown = [name for name in remd_layers if name not in encoder.layers]
    if unknown:
        raise ValueError(f"remd_layers {unknown} are not among the encoder's {encoder.layers}.")
    picks = [encoder.layers.index(name) for name in remd_layers]
    w_content, w_style = float(weights["content"]), float(weights["style"])
    w_remd, w_ss = float(weights["relaxed_emd"]), float(weights["self_similarity"])
    w_ip, w_if = float(weights["identity_pixels"]), float(weights["identity_features"])

    def terms(real, fake, condition):
        import tensorflow as tf

        out = encoder(fake)
        style = [tf.stop_gradient(f) for f in encoder(real)]
        content = [tf.stop_gradient(f) for f in encoder(condition)]
        parts = {
            "content": w_content * losses.content_loss(out, content),
            "style": w_style * losses.style_loss(out, style),
            "relaxed_emd": w_remd * tf.add_n(
                [losses.relaxed_emd([out[i]], [style[i]]) for i in picks]),
            "self_similarity": w_ss * tf.add_n(
                [losses.self_similarity_loss([out[i]], [content[i]]) for i in picks]),
        }
        if identity is not None:
            back = identity.reconstruct(  # reuses the content's maps when encoders match
                condition, training=True,
                features=content if identity.encoder is encoder else None)
            parts["identity_pixels"] = w_ip * tf.reduce_mean(
                tf.square(tf.cast(back, tf.float32) - tf.cast(condition, tf.float32)))
            parts["identity_features"] = w_if * losses.feature_mse(encoder(back), content)
        return parts

    names = ("content", "style", "relaxed_emd", "self_similarity")
    return losses.Terms(names + (tuple(losses.LAPSTYLE_IDENTITY_WEIGHTS) if identity is not None
                          else ()), terms)


# --------------------------------------------------------------------------- weights on disk

#: LapStyle's size per device, for ``hardware.model_scale(**LAPSTYLE_SCALE)``: (decoder width,
#: batch). The official configs use batch 5 for the draft and the first revision; on a CPU the
#: drafting decoder runs at half width (a quarter of the multiply-adds, 1.9 M weights).
LAPSTYLE_SCALE = {"cpu": (0.5, 4), "accelerator": (1.0, 5)}


def save_lapstyle_weights(path, drafting: DraftingNetwork, revisions, record: dict | None = None):
    """Write a trained LapStyle (drafting network with its style, and revision networks) as an
    ``.npz`` of float16 arrays keyed ``drafting/0000`` ..., ``revision0/0000`` ... in the
    models' weight order, plus a ``record`` entry (JSON text: widths, encoder, style, and
    whatever ``record`` adds). Same weights, same file. float16 halves the size; the models
    compute in float32 after loading."""
    import json

    import numpy as np
    arrays = {f"drafting/{i:04d}": w for i, w in enumerate(drafting.get_weights())}
    for k, revision in enumerate(revisions):
        arrays.update({f"revision{k}/{i:04d}": w for i, w in enumerate(revision.get_weights())})
    meta = {**(record or {}), "decoder_width": _model_width(drafting.decoder, "conv1"),
            "revision_widths": [_model_width(r, "conv_out") for r in revisions],
            "encoder_weights": drafting.encoder.weights}  # what the file holds wins
    return write_arrays_npz(path, {**{k: np.asarray(v, np.float16) for k, v in arrays.items()},
                                   "record": np.array(json.dumps(meta, sort_keys=True))})


def _model_width(model, block: str) -> float:
    """The width a builder was given, read back from a block that has 64 x width channels."""
    return model.get_layer(block).layers[-1].filters / 64


def _read_lapstyle_file(path):
    """(arrays, record) of a :func:`save_lapstyle_weights` file; clear errors for a missing or
    corrupt one."""
    import json
    from pathlib import Path

    import numpy as np
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No LapStyle weights at {path}. Train them in the lesson, or "
                                "restore the file (tools/train_lapstyle.py makes it).")
    shipped.verify(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        record = json.loads(str(arrays.pop("record")))
    except Exception as error:
        raise ValueError(f"LapStyle weights {path} are unreadable or corrupt "
                         f"({type(error).__name__}: {error}). Restore or retrain them.") from error
    return arrays, record


def lapstyle_record(path) -> dict:
    """The JSON record of a LapStyle weights file (what trained it: steps, seconds, hardware,
    ``encoder_weights``, ...), read without building the networks."""
    return _read_lapstyle_file(path)[1]


def load_lapstyle_weights(path, encoder):
    """Read :func:`save_lapstyle_weights`' file: ``(drafting, revisions, record)``, built with
    the widths it records and ``encoder`` (which must have the weights it was trained with).
    Raises ``ValueError`` naming the problem for a file that is missing, corrupt, or made for
    another encoder or architecture."""
    arrays, record = _read_lapstyle_file(path)
    return _build_from_file(arrays, record, encoder, path)


def _build_from_file(arrays, record, encoder, path):
    import numpy as np

    if record["encoder_weights"] != encoder.weights:
        raise ValueError(f"LapStyle weights {path} were trained with the "
                         f"{record['encoder_weights']!r} encoder, not the "
                         f"{encoder.weights!r} one in use: their features "
                         "differ, so the decoder would produce noise. Use "
                         f"features.vgg_encoder('{record['encoder_weights']}'), or train anew.")
    drafting = DraftingNetwork(encoder, build_drafting_decoder(record["decoder_width"]))
    revisions = [build_revision_network(width) for width in record["revision_widths"]]

    def assign(model, prefix):
        weights = model.get_weights()
        stored = [arrays.get(f"{prefix}/{i:04d}") for i in range(len(weights))]
        extra = [k for k in arrays if k.startswith(prefix + "/")
                 and int(k.split("/")[1]) >= len(weights)]
        bad = [i for i, (w, s) in enumerate(zip(weights, stored, strict=True))
               if s is None or s.shape != w.shape]
        if bad or extra:
            raise ValueError(f"LapStyle weights {path} do not match the {prefix} network that "
                             "this version of gan_course builds; retrain them "
                             "(tools/train_lapstyle.py).")
        model.set_weights([s.astype(np.float32) for s in stored])

    assign(drafting, "drafting")
    for k, revision in enumerate(revisions):
        assign(revision, f"revision{k}")
    drafting.has_style = True
    return drafting, revisions, record


#: Trained LapStyles that ship in ``data/``: style name (``data.OFFLINE_STYLES``) -> file. Made by
#: ``tools/train_lapstyle.py`` for the course's encoder (HED's VGG-16, ``features.vgg_encoder()``);
#: data/README.md records their budget and measured quality.
SHIPPED_WEIGHTS = {"stained_glass_flower": "lapstyle_stained_glass_flower.npz"}


def shipped_lapstyle(style: str, encoder, verbose: bool = True):
    """The shipped LapStyle for ``style``: ``(drafting, revisions, record)``
    (:func:`load_lapstyle_weights`), or ``None`` when none fits, with one printed line saying
    why: no file ships for that style, or ``encoder`` has other weights than the ones it was
    trained with."""
    def no(reason):
        if verbose:
            print(f"No shipped LapStyle used: {reason}. The LapStyle results below are the "
                  "ones trained in this notebook.")

    if style not in SHIPPED_WEIGHTS:
        return no(f"none ships for the style {style!r} (only for {', '.join(SHIPPED_WEIGHTS)})")
    path = settings.data_dir() / SHIPPED_WEIGHTS[style]
    arrays, record = _read_lapstyle_file(path)
    if record["encoder_weights"] != encoder.weights:
        return no(f"{path.name} was trained with the {record['encoder_weights']!r} encoder, "
                  f"not the {encoder.weights!r} one in use")
    loaded = _build_from_file(arrays, record, encoder, path)
    if verbose:
        record = loaded[2]
        steps = ", ".join(f"{name.replace('_', ' ')} {record[name]['steps']} steps"
                          for name in ("draft", "revision", "second_revision") if name in record)
        print(f"Shipped LapStyle for {style}: {path.name} ({steps}; trained by "
              "tools/train_lapstyle.py on a 2-core CPU, see data/README.md).")
    return loaded

