"""GAN losses as small pure functions of the discriminator's raw scores (logits).

Notation: ``real_logits`` = D(x) and ``fake_logits`` = D(G(z)) are the discriminator's raw
scores, one per sample (or per patch); sigma is the logistic sigmoid, so the probability "x is
real" is sigma(D(x)). ``real`` and ``fake`` without ``_logits`` are images.
Every function returns a float32 scalar; inputs are cast to float32 first, so they are safe
to call under mixed precision. Each pair (d_loss, g_loss) is minimised by its player.

Working on logits (``softplus``) instead of probabilities (``log(sigmoid)``) keeps the
losses finite when D is very sure: ``-log sigmoid(t) = softplus(-t)`` never takes a log of 0.

The last section holds the perceptual losses of style transfer (LapStyle, Lin et al. 2021):
functions of frozen-network feature maps instead of logits, also float32 scalars.
"""

from __future__ import annotations

import tensorflow as tf

from gan_course.layers import channel_mean_std


def _f32(t):
    return tf.cast(t, tf.float32)


# --------------------------------------------------------------------------- BCE (the original GAN)


def ns_d_loss(real_logits, fake_logits):
    """Discriminator BCE, real labelled 1 and fake labelled 0, the two halves averaged.

    L_D = 1/2 * ( E[-log sigma(D(x))] + E[-log(1 - sigma(D(G(z))))] )
        = 1/2 * ( E[softplus(-real_logits)] + E[softplus(fake_logits)] )

    This is -1/2 V(D, G), the minimax objective V = E[log D(x)] + E[log(1 - D(G(z)))] with
    D's probabilities, so minimising it maximises V.
    """
    return 0.5 * (tf.reduce_mean(tf.nn.softplus(-_f32(real_logits)))
                  + tf.reduce_mean(tf.nn.softplus(_f32(fake_logits))))


def ns_g_loss(fake_logits):
    """Non-saturating generator loss: L_G = E[-log sigma(D(G(z)))] = E[softplus(-fake_logits)].

    G maximises log D(G(z)) instead of minimising log(1 - D(G(z))): same fixed point, but
    strong gradients early on, when D easily rejects G's samples (see :func:`minimax_g_loss`).
    """
    return tf.reduce_mean(tf.nn.softplus(-_f32(fake_logits)))


def minimax_g_loss(fake_logits):
    """The original (saturating) generator loss.

    L_G = E[log(1 - sigma(D(G(z))))] = -E[softplus(fake_logits)]

    Its gradient vanishes when D confidently rejects fakes (fake_logits << 0): the derivative,
    -sigma(fake_logits), goes to 0. Shown in lesson 1 to explain why the non-saturating loss is
    used in practice.
    """
    return -tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


# --------------------------------------------------------------------------- least squares


def lsgan_d_loss(real_logits, fake_logits):
    """Least-squares GAN (Mao et al. 2017): L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    real, fake = _f32(real_logits), _f32(fake_logits)
    return 0.5 * (tf.reduce_mean(tf.square(real - 1.0)) + tf.reduce_mean(tf.square(fake)))


def lsgan_g_loss(fake_logits):
    """Least-squares GAN: L_G = 1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * tf.reduce_mean(tf.square(_f32(fake_logits) - 1.0))


# --------------------------------------------------------------------------- hinge


def hinge_d_loss(real_logits, fake_logits):
    """Hinge loss (Lim & Ye 2017; used by SAGAN and BigGAN).

    L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]
    """
    real, fake = _f32(real_logits), _f32(fake_logits)
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


def hinge_g_loss(fake_logits):
    """Hinge loss, generator side: L_G = -E[D(G(z))]."""
    return -tf.reduce_mean(_f32(fake_logits))


# --------------------------------------------------------------------------- Wasserstein


def wasserstein_d_loss(real_logits, fake_logits):
    """WGAN critic loss (Arjovsky et al. 2017): L_D = E[D(G(z))] - E[D(x)].

    Minimising it maximises E[D(x)] - E[D(G(z))], an estimate of the Wasserstein-1 distance
    when D is 1-Lipschitz; :func:`gradient_penalty` enforces that softly (WGAN-GP).
    """
    return tf.reduce_mean(_f32(fake_logits)) - tf.reduce_mean(_f32(real_logits))


def wasserstein_g_loss(fake_logits):
    """WGAN generator loss: L_G = -E[D(G(z))]."""
    return -tf.reduce_mean(_f32(fake_logits))


def interpolate(real, fake, alpha):
    """x_hat = alpha * x + (1 - alpha) * x_fake, with ``alpha`` of shape (batch,) in [0, 1]."""
    alpha = tf.reshape(tf.cast(alpha, real.dtype), [-1] + [1] * (len(real.shape) - 1))
    return alpha * real + (1.0 - alpha) * tf.cast(fake, real.dtype)


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP penalty (Gulrajani et al. 2017): E[(||grad_x_hat D(x_hat)||_2 - 1)^2].

    ``x_hat`` = :func:`interpolate` (real, fake, alpha); draw ``alpha`` uniform in [0, 1], one
    per sample. ``critic`` maps images to logits (any extra inputs bound already). The caller
    adds ``weight * penalty`` (weight 10 in the paper) to the critic loss.
    """
    norms = tf.sqrt(_squared_input_gradient_norms(critic, interpolate(real, fake, alpha)) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def _squared_input_gradient_norms(critic, x):
    """||grad_x D(x)||_2^2 per sample: float32 (N,)."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = _f32(critic(x))
    grads = _f32(tape.gradient(scores, x))
    return tf.reduce_sum(tf.square(grads), axis=list(range(1, len(grads.shape))))


def r1_penalty(critic, real):
    """R1 penalty (Mescheder et al. 2018): E[||grad_x D(x)||_2^2] on *real* images only.

    It keeps D flat on the data, so D's gradient cannot push G around it; it goes with any loss
    (StyleGAN uses it with the non-saturating one). The caller adds ``gamma / 2 * penalty``.
    """
    return tf.reduce_mean(_squared_input_gradient_norms(critic, real))


# --------------------------------------------------------------------------- extra terms
# For GAN(g_terms=..., d_terms=...): a lesson multiplies them by their weight.


def l1(target, output):
    """Mean absolute error, L1 = E[|y - G(x)|] (pix2pix's reconstruction term, weight 100)."""
    return tf.reduce_mean(tf.abs(_f32(target) - _f32(output)))


def pix2pix_g_loss(fake_logits, target, output, l1_weight: float = 100.0):
    """pix2pix's generator loss (Isola et al. 2017, Eq. 4), the non-saturating BCE plus the
    weighted L1 reconstruction:

        L_G = mean(softplus(-D(x, G(x))))  +  lambda * mean(|y - G(x)|),   lambda = ``l1_weight``

    ``fake_logits``: D's scores for G's output (a PatchGAN's map is averaged); ``target`` y and
    ``output`` G(x): images of one shape. The course's core adds the same two parts when a GAN
    has ``g_terms={"l1": lambda real, fake, c: 100 * l1(real, fake)}``.
    """
    return ns_g_loss(fake_logits) + float(l1_weight) * l1(target, output)


def drift(real_logits):
    """ProGAN's drift penalty, E[D(x)^2] (Karras et al. 2018, weight 0.001): it keeps the
    critic's scores near 0, which the Wasserstein loss alone leaves free to wander."""
    return tf.reduce_mean(tf.square(_f32(real_logits)))


# --------------------------------------------------------------------------- perceptual losses
# for style transfer. Features are (N, H, W, C) maps of a frozen network (VGG's relu1_1 ..
# relu5_1 in LapStyle: the paper's ImageNet VGG-19, the course's HED VGG-16); the "list"
# arguments take one map per layer, or a single map.

#: LapStyle's weights for the four perceptual terms (PaddleGAN configs/lapstyle_draft.yaml,
#: lapstyle_rev_first.yaml, lapstyle_rev_second.yaml: content_weight 1, style_weight 3; rEMD 10
#: and self-similarity 16 are written into ppgan/models/lapstyle_model.py). The drafting network
#: also adds identity terms (weights 50 and 1), the revision networks a GAN loss (weight 1).
LAPSTYLE_LOSS_WEIGHTS = {"content": 1.0, "style": 3.0, "relaxed_emd": 10.0,
                         "self_similarity": 16.0}
#: The drafting stage's identity terms and their weights in PaddleGAN's LapStyle code: the
#: content stylised with itself as the style must come back, pixel for pixel (50) and feature
#: for feature (1).
LAPSTYLE_IDENTITY_WEIGHTS = {"identity_pixels": 50.0, "identity_features": 1.0}


def _feature_list(features, name):
    maps = list(features) if isinstance(features, (list, tuple)) else [features]
    if not maps:
        raise ValueError(f"{name} is empty; pass one (N, H, W, C) feature map per layer.")
    maps = [_f32(f) for f in maps]
    for k, f in enumerate(maps):
        if len(f.shape) != 4:
            raise ValueError(f"{name}[{k}] has shape {tuple(f.shape)} (rank {len(f.shape)}); "
                             "expected a (batch, height, width, channels) feature map of rank "
                             "4. Add the batch axis with f[None] for a single image.")
    return maps


def _paired_lists(output_features, other_features, other_name, same_size=False):
    out = _feature_list(output_features, "output_features")
    other = _feature_list(other_features, other_name)
    if len(out) != len(other):
        raise ValueError(f"output_features has {len(out)} maps but {other_name} has "
                         f"{len(other)}; pass the same layers, in the same order, for both.")
    for k, (a, b) in enumerate(zip(out, other, strict=True)):
        if a.shape[-1] != b.shape[-1]:
            raise ValueError(f"layer {k}: output_features has {a.shape[-1]} channels but "
                             f"{other_name} has {b.shape[-1]}; take both from the same layer "
                             "of the same feature extractor, in the same order.")
        if same_size and a.shape[1:3] != b.shape[1:3]:
            raise ValueError(f"layer {k}: output_features is {tuple(a.shape[1:3])} but "
                             f"{other_name} is {tuple(b.shape[1:3])} (height, width); this "
                             "loss compares positions, so feed images of the same size.")
    return out, other


def _mse(a, b):
    return tf.reduce_mean(tf.square(a - b))


def mean_variance_norm(f, eps=1e-5):
    """Per-sample, per-channel standardisation of an (N, H, W, C) feature map.

        norm(f)_npc = (f_npc - mu_nc) / sigma_nc

    with mu, sigma over the H W positions (:func:`gan_course.layers.channel_mean_std`,
    sigma = sqrt(var + eps)). Cast to float32; returns a float32 map of ``f``'s shape.
    """
    if isinstance(f, (list, tuple)):
        raise ValueError("mean_variance_norm takes one (N, H, W, C) feature map, not a list; "
                         "call it once per layer.")
    f = _feature_list(f, "f")[0]
    mean, std = channel_mean_std(f, eps)
    return (f - mean) / std


def content_loss(output_features, content_features):
    """LapStyle's normalised content loss, summed over layers l:

        L_c = sum_l MSE( norm(phi_l(output)), norm(phi_l(content)) )

    with ``norm`` = :func:`mean_variance_norm` and MSE the mean of squares over (N, H, W, C).
    The normalisation makes it blind to each channel's mean and spread (those are the style's,
    see :func:`style_loss`): it only asks for the content's spatial pattern. Lists of maps,
    one per layer (or one map), of the same shapes.
    """
    out, content = _paired_lists(output_features, content_features, "content_features",
                                 same_size=True)
    return tf.add_n([_mse(mean_variance_norm(o), mean_variance_norm(c))
                     for o, c in zip(out, content, strict=True)])


def feature_mse(output_features, target_features):
    """Plain mean squared error, summed over layers l (no normalisation):

        L = sum_l MSE( phi_l(output), phi_l(target) )

    LapStyle's identity loss on features (PaddleGAN's ``calc_content_loss`` with
    ``norm=False``): a drafting decoder given the content as its own style should give back
    the content's features. Lists of maps, one per layer (or one map), of the same shapes.
    """
    out, target = _paired_lists(output_features, target_features, "target_features",
                                same_size=True)
    return tf.add_n([_mse(o, t) for o, t in zip(out, target, strict=True)])


def style_loss(output_features, style_features):
    """AdaIN's style loss (Huang & Belongie 2017), summed over layers l:

        L_s = sum_l MSE( mu(phi_l(output)), mu(phi_l(style)) )
                  + MSE( sigma(phi_l(output)), sigma(phi_l(style)) )

    with mu, sigma the per-sample, per-channel statistics over space
    (:func:`gan_course.layers.channel_mean_std`) and MSE the mean over (N, C). It ignores where
    things are, so any spatial rearrangement of the features scores the same. The style maps may
    have batch 1 (one style image for the whole batch: broadcast) and another spatial size.
    """
    out, style = _paired_lists(output_features, style_features, "style_features")
    terms = []
    for o, s in zip(out, style, strict=True):
        (o_mean, o_std), (s_mean, s_std) = channel_mean_std(o), channel_mean_std(s)
        terms.append(_mse(o_mean, s_mean) + _mse(o_std, s_std))
    return tf.add_n(terms)


def cosine_distance_matrix(x, y):
    """Pairwise cosine distances between two sets of feature vectors.

        D_nij = 1 - <x_ni, y_nj> / (|x_ni| |y_nj|)

    ``x`` is (N, P, C), ``y`` is (N, Q, C) or (1, Q, C) (broadcast over the batch); the result
    is float32 (N, P, Q), with values in [0, 2]. A zero vector (possible after a ReLU) is given
    norm 1e-6 instead of 0, so its distance to everything, itself included, is 1 rather than
    NaN (PaddleGAN's ``calc_emd_loss`` has no such floor).
    """
    x, y = _f32(x), _f32(y)
    for name, t in (("x", x), ("y", y)):
        if len(t.shape) != 3:
            raise ValueError(f"{name} has shape {tuple(t.shape)} (rank {len(t.shape)}); "
                             "expected (batch, vectors, channels): flatten a feature map with "
                             "tf.reshape(f, [n, h * w, c]).")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x has {x.shape[-1]} channels but y has {y.shape[-1]}; cosine "
                         "distances need vectors of the same length.")
    x = tf.math.l2_normalize(x, axis=-1, epsilon=1e-12)
    y = tf.math.l2_normalize(y, axis=-1, epsilon=1e-12)
    return 1.0 - tf.matmul(x, y, transpose_b=True)


def _hypercolumns(maps):
    """Bilinear-resize maps to the first one's (H, W), concatenate channels -> (N, HW, C)."""
    height, width = maps[0].shape[1], maps[0].shape[2]
    if height is None or width is None:
        height, width = tf.shape(maps[0])[1], tf.shape(maps[0])[2]
    resized = [maps[0]] + [tf.image.resize(f, (height, width), method="bilinear")
                           for f in maps[1:]]
    stacked = tf.concat(resized, axis=-1) if len(resized) > 1 else resized[0]
    return tf.reshape(stacked, [tf.shape(stacked)[0], -1, stacked.shape[-1]])


def relaxed_emd(output_features, style_features):
    """Relaxed Earth Mover's distance between output and style features (Kolkin et al. 2019,
    STROTSS; LapStyle's style term).

    Each list of maps (e.g. [relu3_1, relu4_1]) becomes one set of feature vectors: every map
    is resized bilinearly to the first map's (H, W), the maps are concatenated along channels,
    and space is flattened, giving x (N, P, C) from the output and y (N or 1, Q, C) from the
    style. With C_ij = :func:`cosine_distance_matrix` (x, y)_ij,

        rEMD = max( 1/P sum_i min_j C_ij ,  1/Q sum_j min_i C_ij )

    per sample (every output vector near some style vector, and every style vector used), then
    the mean over the batch. It is 0 when both sets hold the same vectors in any order.

    Reproducing PaddleGAN exactly: ``ppgan/models/lapstyle_model.py`` does not concatenate
    layers; it calls its rEMD once per layer and adds the terms (relu3_1 + relu4_1 for the
    drafting and first revision network, relu4_1 alone for the second), i.e.
    ``relaxed_emd([o31], [s31]) + relaxed_emd([o41], [s41])``; and it takes the max of the two
    batch-averaged means, not the batch mean of per-sample maxima (equal for batch 1).

    Memory: the matrix has N * P * Q float32 entries, and P, Q grow with the square of the
    image side, so the cost grows with its 4th power. relu3_1 of a 256 x 256 image is 64 x 64:
    P = Q = 4096, 16.8 M entries = 64 MiB per sample (plus as much again for the gradient); at
    512 x 512 it is 1 GiB per sample. STROTSS samples a few thousand positions to bound it.
    """
    out, style = _paired_lists(output_features, style_features, "style_features")
    distances = cosine_distance_matrix(_hypercolumns(out), _hypercolumns(style))
    output_to_style = tf.reduce_mean(tf.reduce_min(distances, axis=2), axis=1)  # (N,)
    style_to_output = tf.reduce_mean(tf.reduce_min(distances, axis=1), axis=1)  # (N,)
    return tf.reduce_mean(tf.maximum(output_to_style, style_to_output))


def self_similarity_loss(output_features, content_features):
    """STROTSS's self-similarity content loss (Kolkin et al. 2019), LapStyle's "relative" term.

    Each list of maps becomes (N, P, C) feature vectors as in :func:`relaxed_emd`. With
    D = :func:`cosine_distance_matrix` (x, x), the (P, P) distances of a map to itself,
    normalised by its column sums,

        M_ij = D_ij / sum_k D_kj          (each column sums to 1)

    the loss compares output and content layouts:

        L = 1/P sum_ij | M_ij(output) - M_ij(content) |,   averaged over the batch,

    i.e. P times the mean of |M_out - M_content| over (N, P, P) -- the scaling of PaddleGAN's
    ``CalcContentReltLoss`` (ppgan/models/criterions/pixel_loss.py, ``Mx / Mx.sum(1)`` then
    ``abs(Mx - My).mean() * H * W``) and of the STROTSS code, for which the weight 16 of
    :data:`LAPSTYLE_LOSS_WEIGHTS` is set: it is the mean L1 distance between matching columns,
    which are distributions over the P positions, so it does not shrink with the image size.
    (D is symmetric, so normalising rows instead gives the transposes and the same L.)
    A column of zeros (all vectors parallel) is divided by 1e-8 instead of 0. Cosine distances
    ignore the vectors' lengths, so positive rescaling of either input leaves L unchanged.
    Output and content must have the same spatial sizes. PaddleGAN applies it per layer and
    sums, like :func:`relaxed_emd`. Memory: N * P^2 floats, see :func:`relaxed_emd`.
    """
    out, content = _paired_lists(output_features, content_features, "content_features",
                                 same_size=True)

    def normalised_self_distances(maps):
        x = _hypercolumns(maps)
        distances = cosine_distance_matrix(x, x)
        return distances / (tf.reduce_sum(distances, axis=1, keepdims=True) + 1e-8)

    m_out, m_content = normalised_self_distances(out), normalised_self_distances(content)
    per_sample = tf.reduce_sum(tf.abs(m_out - m_content), axis=[1, 2])
    positions = tf.cast(tf.shape(m_out)[1], tf.float32)
    return tf.reduce_mean(per_sample / positions)


#: name -> (d_loss, g_loss). The gradient penalty is a separate setting, ``GAN(gp_weight=...)``.
LOSSES = {
    "ns": (ns_d_loss, ns_g_loss),
    "minimax": (ns_d_loss, minimax_g_loss),
    "lsgan": (lsgan_d_loss, lsgan_g_loss),
    "hinge": (hinge_d_loss, hinge_g_loss),
    "wgan": (wasserstein_d_loss, wasserstein_g_loss),
}
#: Loss names that stand for a loss plus settings: ``"wgan-gp"`` is ``"wgan"`` with the gradient
#: penalty at the paper's weight, 10 (Gulrajani et al. 2017), unless ``gp_weight`` is given.
ALIASES = {"wgan-gp": ("wgan", {"gp_weight": 10.0})}

#: losses whose logits are probabilities through a sigmoid (their scores are shown as D(x))
PROBABILISTIC = {"ns", "minimax"}


def get_losses(name: str):
    """``(d_loss, g_loss)`` for a loss name in :data:`LOSSES` or :data:`ALIASES`."""
    try:
        return LOSSES[ALIASES[name][0] if name in ALIASES else name]
    except KeyError:
        raise ValueError(f"Unknown GAN loss {name!r}; choose one of "
                         f"{sorted(LOSSES) + sorted(ALIASES)}.") from None


# --------------------------------------------------------------------------- bundles of terms


class Terms:
    """Several loss terms computed together: ``function`` returns ``{part: scalar}`` with the
    keys ``parts``, each a weighted term of its own, tracked as ``g_<part>`` (or ``d_<part>``).

    For terms that share work, e.g. four perceptual losses from one pass of a feature
    extractor: ``g_terms={"perceptual": Terms(("content", "style"), f)}``.
    """

    def __init__(self, parts, function):
        self.parts = tuple(parts)
        if not self.parts or not all(isinstance(p, str) and p.isidentifier() for p in self.parts):
            raise ValueError(f"Terms needs part names like ('content', 'style'); got {parts!r}.")
        if len(set(self.parts)) != len(self.parts):
            raise ValueError(f"Terms' part names repeat: {parts!r}.")
        if not callable(function):
            raise ValueError(f"Terms' function {function!r} is not callable.")
        self.function = function

    def __call__(self, *args):
        return self.function(*args)

    def __repr__(self):
        name = getattr(self.function, "__qualname__", type(self.function).__name__)
        return f"Terms({self.parts!r}, {name})"
