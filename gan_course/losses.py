"""GAN losses as small pure functions of the discriminator's raw scores (logits).

Notation: ``real`` = D(x) and ``fake`` = D(G(z)) are the discriminator's *logits*, one per
sample; sigma is the logistic sigmoid, so the probability "x is real" is sigma(D(x)).
Every function returns a float32 scalar; inputs are cast to float32 first, so they are safe
to call under mixed precision. Each pair (d_loss, g_loss) is minimised by its player.

Working on logits (``softplus``) instead of probabilities (``log(sigmoid)``) keeps the
losses finite when D is very sure: ``-log sigmoid(t) = softplus(-t)`` never takes a log of 0.
"""

from __future__ import annotations

import tensorflow as tf


def _f32(t):
    return tf.cast(t, tf.float32)


# --------------------------------------------------------------------------- BCE (the original GAN)


def ns_d_loss(real, fake):
    """Discriminator BCE, real labelled 1 and fake labelled 0, the two halves averaged.

    L_D = 1/2 * ( E[-log sigma(D(x))] + E[-log(1 - sigma(D(G(z))))] )
        = 1/2 * ( E[softplus(-real)] + E[softplus(fake)] )

    This is -1/2 V(D, G), the minimax objective V = E[log D(x)] + E[log(1 - D(G(z)))] with
    D's probabilities, so minimising it maximises V.
    """
    return 0.5 * (tf.reduce_mean(tf.nn.softplus(-_f32(real)))
                  + tf.reduce_mean(tf.nn.softplus(_f32(fake))))


def ns_g_loss(fake):
    """Non-saturating generator loss: L_G = E[-log sigma(D(G(z)))] = E[softplus(-fake)].

    G maximises log D(G(z)) instead of minimising log(1 - D(G(z))): same fixed point, but
    strong gradients early on, when D easily rejects G's samples (see :func:`minimax_g_loss`).
    """
    return tf.reduce_mean(tf.nn.softplus(-_f32(fake)))


def minimax_g_loss(fake):
    """The original (saturating) generator loss.

    L_G = E[log(1 - sigma(D(G(z))))] = -E[softplus(fake)]

    Its gradient vanishes when D confidently rejects fakes (fake << 0): d/dfake = -sigma(fake)
    -> 0. Shown in lesson 1 to explain why the non-saturating loss is used in practice.
    """
    return -tf.reduce_mean(tf.nn.softplus(_f32(fake)))


# --------------------------------------------------------------------------- least squares


def lsgan_d_loss(real, fake):
    """Least-squares GAN (Mao et al. 2017): L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    real, fake = _f32(real), _f32(fake)
    return 0.5 * (tf.reduce_mean(tf.square(real - 1.0)) + tf.reduce_mean(tf.square(fake)))


def lsgan_g_loss(fake):
    """Least-squares GAN: L_G = 1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * tf.reduce_mean(tf.square(_f32(fake) - 1.0))


# --------------------------------------------------------------------------- hinge


def hinge_d_loss(real, fake):
    """Hinge loss (Lim & Ye 2017; used by SAGAN and BigGAN).

    L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]
    """
    real, fake = _f32(real), _f32(fake)
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


def hinge_g_loss(fake):
    """Hinge loss, generator side: L_G = -E[D(G(z))]."""
    return -tf.reduce_mean(_f32(fake))


# --------------------------------------------------------------------------- Wasserstein


def wasserstein_d_loss(real, fake):
    """WGAN critic loss (Arjovsky et al. 2017): L_D = E[D(G(z))] - E[D(x)].

    Minimising it maximises E[D(x)] - E[D(G(z))], an estimate of the Wasserstein-1 distance
    when D is 1-Lipschitz; :func:`gradient_penalty` enforces that softly (WGAN-GP).
    """
    return tf.reduce_mean(_f32(fake)) - tf.reduce_mean(_f32(real))


def wasserstein_g_loss(fake):
    """WGAN generator loss: L_G = -E[D(G(z))]."""
    return -tf.reduce_mean(_f32(fake))


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
    x_hat = interpolate(real, fake, alpha)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = _f32(critic(x_hat))
    grads = _f32(tape.gradient(scores, x_hat))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(grads.shape)))) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


# --------------------------------------------------------------------------- extra terms
# For GAN(g_terms=..., d_terms=...): a lesson multiplies them by their weight.


def l1(target, output):
    """Mean absolute error, L1 = E[|y - G(x)|] (pix2pix's reconstruction term, weight 100)."""
    return tf.reduce_mean(tf.abs(_f32(target) - _f32(output)))


def drift(real):
    """ProGAN's drift penalty, E[D(x)^2] (Karras et al. 2018, weight 0.001): it keeps the
    critic's scores near 0, which the Wasserstein loss alone leaves free to wander."""
    return tf.reduce_mean(tf.square(_f32(real)))


#: name -> (d_loss, g_loss); "wgan-gp" also turns on the gradient penalty in the trainer.
LOSSES = {
    "ns": (ns_d_loss, ns_g_loss),
    "minimax": (ns_d_loss, minimax_g_loss),
    "lsgan": (lsgan_d_loss, lsgan_g_loss),
    "hinge": (hinge_d_loss, hinge_g_loss),
    "wgan-gp": (wasserstein_d_loss, wasserstein_g_loss),
}

#: losses whose logits are probabilities through a sigmoid (their scores are shown as D(x))
PROBABILISTIC = {"ns", "minimax"}


def get_losses(name: str):
    """``(d_loss, g_loss)`` for a loss name in :data:`LOSSES`."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"Unknown GAN loss {name!r}; choose one of {sorted(LOSSES)}.") from None
