"""The words of the "your turn" exercises, one home for all of them: where to start, then hints
in three steps, each given only when the learner asks (:func:`hint`).

For each check's ``NAME``:

- ``start``: what the untouched stub's message says: what to write and where to begin, not how;
- ``levels``: 1, a nudge (the question to ask yourself); 2, the idea, in words; 3, the
  formula, close to code;
- ``ours``: the course's own version(s), shown by :func:`gan_course.checks.compare_with_ours`
  once the learner's check has passed.

The lessons' markdown has no words to spare, so none of this lives there.
"""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass

#: What each level of :func:`hint` gives.
LEVELS = {1: "a nudge", 2: "the idea", 3: "the formula"}


@dataclass(frozen=True)
class Hints:
    """One exercise's words: ``start``, three ``levels`` and the dotted names of ``ours``."""

    start: str
    levels: tuple[str, str, str]
    ours: tuple[str, ...]


HINTS = {
    "ns_d_loss": Hints(
        "write D's loss for one batch: a number that is small when D scores the real logits "
        "high and the fake logits low. Begin with the label each half should get.",
        ("D is a classifier with two classes: real images are class 1, G's fakes class 0. Its "
         "inputs are logits (any real number), not probabilities: which loss takes those?",
         "the binary cross-entropy of each half, averaged over its batch, and the two halves "
         "averaged. For a logit t, -log sigma(t) is the loss of label 1, -log(1 - sigma(t)) "
         "that of label 0. Written literally, log(sigmoid(t)) gives -inf once sigmoid(t) rounds "
         "to 0 (t below about -100 in float32); a stable function does the same job.",
         "L_D = 1/2 (mean(softplus(-real_logits)) + mean(softplus(fake_logits))), since "
         "-log sigma(t) = softplus(-t) and -log(1 - sigma(t)) = softplus(t); or "
         "keras.losses.BinaryCrossentropy(from_logits=True) with labels 1 and 0."),
        ("gan_course.losses.ns_d_loss",)),
    "ns_g_loss": Hints(
        "write G's loss: a number that falls as D is fooled. It sees only D's logits for G's "
        "fakes.",
        ("G could minimise minus D's loss on the fakes, but that gradient vanishes just when D "
         "wins. What does G want D to say about its fakes instead?",
         "G wants its fakes called real: the binary cross-entropy of fake_logits with label 1, "
         "averaged over the batch (Goodfellow et al. 2014's non-saturating loss).",
         "L_G = mean(softplus(-fake_logits))."),
        ("gan_course.losses.ns_g_loss", "gan_course.losses.minimax_g_loss")),
    "train_step": Hints(
        "write one round of the game: D takes a step, then G takes a step against the updated "
        "D; return (d_loss, g_loss). Begin with D's turn.",
        ("each player has its own tape, loss, gradient and optimizer. A tape can give a "
         "gradient only for what was computed inside it: where must G(z) be computed for G's "
         "gradient to exist?",
         "D's turn: inside a tape, D's loss on D(real) and D(G(z)); its gradient for D's "
         "variables only, applied by d_optimizer. G's turn: inside a second tape, G(z) through "
         "the updated D and G's loss; its gradient for G's variables, applied by g_optimizer.",
         "with tf.GradientTape() as tape: d_loss = ns_d_loss(discriminator(real, "
         "training=True), discriminator(generator(z, training=True), training=True)); grads = "
         "tape.gradient(d_loss, discriminator.trainable_variables); "
         "d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables)); then "
         "the same for G with g_loss = ns_g_loss(discriminator(generator(z, training=True), "
         "training=True)); return d_loss, g_loss."),
        ("gan_course.training.GAN.train_step", "gan_course.training.GAN.discriminator_losses",
         "gan_course.training.GAN.generator_losses")),
    "circular_pad": Hints(
        "write padding that wraps around, as if the image were drawn on a torus: (N, H, W, C) "
        "in, (N, H + 2 pad, W + 2 pad, C) out. Begin with the height (axis 1).",
        ("walk off the top of a torus and you arrive at the bottom. Which rows of x belong "
         "just above row 0, and which just below the last row?",
         "stack three pieces along the height: the image's last pad rows, the image, its first "
         "pad rows. Then do the same to that result along the width; the corners come out "
         "right by themselves.",
         "x = concat([x[:, -pad:], x, x[:, :pad]], axis=1); then "
         "concat([x[:, :, -pad:], x, x[:, :, :pad]], axis=2)."),
        ("gan_course.layers.circular_pad",)),
    "seam_ratio": Hints(
        "write one number for one image (H, W, C): the jump across its wrap-around border, "
        "relative to an ordinary step between neighbouring pixels. Begin with the ordinary "
        "steps.",
        ("put a tileable image beside a copy of itself: its last column should run into its "
         "first as smoothly as any column runs into the next. The same for the rows.",
         "the seam: the mean absolute difference between the first and last columns, and "
         "between the first and last rows, averaged; the step: the mean absolute difference "
         "between neighbours along the width and along the height, averaged; the seam over "
         "the step.",
         "mean(mean|x[:, 0] - x[:, -1]|, mean|x[0] - x[-1]|) / mean(mean|diff along W|, "
         "mean|diff along H|)."),
        ("gan_course.metrics.texture.seam_ratio",)),
    "sliced_wasserstein": Hints(
        "write a distance between point clouds a and b (M, d), given K unit directions "
        "(d, K). Begin by turning each cloud into K lists of numbers.",
        ("in one dimension, the Wasserstein-1 distance between two sets of M numbers is easy: "
         "how would you pair them up? Slicing turns d dimensions into many 1-D problems.",
         "project both clouds on every direction (one matrix product each), sort each "
         "direction's projections, and average the absolute differences between the two "
         "sorted lists, over the points and the directions.",
         "mean(|sort(a @ directions, axis=0) - sort(b @ directions, axis=0)|)."),
        ("gan_course.metrics.distances.sliced_wasserstein_along",
         "gan_course.metrics.distances.sliced_wasserstein")),
    "projection_logit": Hints(
        "write D's logit per sample, (N, 1): an unconditional score of the features plus a "
        "score of how well they fit the sample's class. Begin with psi, a Dense layer.",
        ("Miyato & Koyama (2018) add two terms: a linear function of the features, and an "
         "inner product between the features and a vector learned for the class y.",
         "psi(phi) is features times psi_kernel plus psi_bias. Then pick each sample's own "
         "class vector V[y_i] (a row lookup), multiply it by phi_i elementwise and sum over "
         "the features, keeping a column.",
         "features @ psi_kernel + psi_bias + reduce_sum(tf.gather(class_vectors, labels) * "
         "features, axis=1, keepdims=True)."),
        ("gan_course.models.conditional.projection_logit",)),
    "receptive_field": Hints(
        "write how wide a window of the input one output of a chain of (kernel, stride) "
        "layers sees, input first. Begin with no layers at all: the answer is 1.",
        ("keep two numbers as you walk through the layers: the window seen so far, and how "
         "far apart, in input pixels, the current layer's taps are.",
         "a kernel of k taps widens the window by k - 1 of the current spacings; then its "
         "stride multiplies the spacing for every later layer.",
         "r = j = 1; for k, s in layers: r += (k - 1) * j; j *= s; return r."),
        ("gan_course.models.receptive_field.chain_receptive_field",)),
    "pix2pix_g_loss": Hints(
        "write pix2pix's generator loss: one adversarial term, and one that keeps the output "
        "close to the target. Begin from lesson 1's G loss.",
        ("Isola et al. (2017) add a distance to the target, weighted by lambda = l1_weight, to "
         "the GAN loss. Which distance, and why not the squared one?",
         "the non-saturating loss on fake_logits, plus l1_weight times the mean absolute "
         "difference between target and output (L1 blurs less than L2).",
         "mean(softplus(-fake_logits)) + l1_weight * mean(|target - output|)."),
        ("gan_course.losses.pix2pix_g_loss",)),
    "gram_matrix": Hints(
        "write one (C, C) matrix per image from features (N, H, W, C): how strongly each pair "
        "of channels fires together, wherever that happens. Begin by seeing each image as "
        "H * W feature vectors of length C.",
        ("a statistic of style must forget where things are. Pair channel c with channel d at "
         "the same position: what do you do with the positions then?",
         "for each image, stack its features as F, (H * W, C); the matrix is F^T F, divided "
         "by the number of positions so that the image's size does not change its scale.",
         "tf.einsum('bijc,bijd->bcd', f, f) / (H W)."),
        ("gan_course.models.gatys.gram_matrix",)),
    "adain": Hints(
        "write AdaIN: give each channel of the content features the style features' mean and "
        "spread. (N, H, W, C) in and out. Begin with a mean per sample and channel.",
        ("a channel's statistics run over the positions, height and width. For them to "
         "broadcast back against the features, which axes must stay in the result?",
         "normalise the content (subtract its mean, divide by its standard deviation), then "
         "multiply by the style's standard deviation and add the style's mean; "
         "sigma = sqrt(variance + eps), and keepdims=True keeps axes 1 and 2 as size 1.",
         "sigma(s) * (c - mu(c)) / sigma(c) + mu(s), mu and sigma over axes (1, 2) with "
         "keepdims=True."),
        ("gan_course.layers.channel_mean_std", "gan_course.layers.adain_with_statistics")),
    "laplacian_pyramid": Hints(
        "write the pyramid, a list of detail bands finest first and the blurred residual "
        "last, and fold, which adds them back up. Begin with the blurred levels: each is "
        "down() of the one before.",
        ("each band should hold exactly what the next coarser level lacks, so that adding it "
         "to that level, enlarged, gives the finer image back.",
         "x_{k+1} = down(x_k); the band is x_k minus x_{k+1} brought up to x_k's size; after "
         "levels - 1 bands, the last x is the residual. fold starts from the residual and "
         "goes back up, adding one band at a time.",
         "L_k = x_k - pyramid_up(x_{k+1}, tf.shape(x_k)[1:3]); fold: x = residual, then for "
         "each band from the coarsest: x = band + pyramid_up(x, tf.shape(band)[1:3])."),
        ("gan_course.image_ops.laplacian_pyramid", "gan_course.image_ops.fold_laplacian_pyramid")),
    "pixel_norm": Hints(
        "write one line that rescales every feature vector (the last axis, at each pixel or "
        "latent) to the same size. Begin by asking which axis the statistic runs over.",
        ("ProGAN keeps only each vector's direction: after the norm, every vector has the same "
         "mean square. Divide by what?",
         "the square root of the mean of x^2 over the last axis (kept as size 1 so it "
         "broadcasts), plus eps inside the root.",
         "x / sqrt(mean(x^2, axis=-1, keepdims=True) + eps)."),
        ("gan_course.layers.pixel_norm",)),
    "minibatch_stddev": Hints(
        "write a layer that appends one channel to x (N, H, W, C): how much the samples of a "
        "group differ. Begin with the group size, G = min(group_size, N).",
        ("a collapsed G draws look-alike samples, and D judges one sample at a time: it can "
         "see the collapse only through a statistic across samples. Which samples form a "
         "group in ProGAN's code, neighbours or ones N // G apart?",
         "reshape to (G, N // G, H, W, C), so sample i goes with samples i + N // G, ...; the "
         "standard deviation over axis 0 (sqrt(var + 1e-8)), averaged over everything but "
         "the group: one s per group. Sample i gets s[i % (N // G)]: tile repeats the whole "
         "list [s0, s1, s0, s1], repeat doubles each entry [s0, s0, s1, s1].",
         "G = min(group_size, N); y = reshape(x, (G, -1, H, W, C)); s = mean over axes "
         "(1, 2, 3) of sqrt(var over axis 0 + 1e-8); tile s G times, broadcast to "
         "(N, H, W, 1); concatenate it to x."),
        ("gan_course.layers.minibatch_stddev",)),
    "slerp": Hints(
        "write spherical interpolation between latents z1, z2 (d,) at times t (T,): a (T, d) "
        "array that is z1 at t = 0 and z2 at t = 1. Begin with the angle between z1 and z2.",
        ("a straight line between two Gaussian latents passes through vectors shorter than "
         "either end. Slerp follows an arc instead: what must its weights be built from?",
         "theta from the normalised dot product; the weights of z1 and z2 are "
         "sin((1 - t) theta) / sin(theta) and sin(t theta) / sin(theta). Normalise only to "
         "find the angle: the weighted sum uses z1 and z2 themselves. t as a column (T, 1).",
         "theta = arccos(z1 . z2 / (|z1| |z2|)); "
         "z(t) = (sin((1 - t) theta) z1 + sin(t theta) z2) / sin(theta)."),
        ("gan_course.latent.slerp", "gan_course.latent.norm_preserving")),
    "inversion_loss": Hints(
        "write the loss that inversion minimises over z: how far G(z) is from the target, "
        "plus a term that keeps z typical. Begin with the image term.",
        ("the TF-Hub notebook uses Keras' MeanAbsoluteError with reduction='sum', plus a "
         "prior on |z|. How long is a typical Gaussian latent of d entries?",
         "MeanAbsoluteError averages over its last axis (the channels), then reduction='sum' "
         "adds over every pixel. A Gaussian vector of d entries has length about sqrt(d): "
         "penalise the absolute gap. tf.size gives an int: cast it before a square root.",
         "sum over pixels of mean over channels of |image - target| + | |z| - sqrt(d) |."),
        ("gan_course.latent.source_loss", "gan_course.latent.source_inversion")),
    "steering_loss": Hints(
        "write the loss that steering minimises, one number per row: low when the target "
        "class's logit is high. Begin with the target's logit.",
        ("gradient descent lowers a loss: which sign makes it raise the target logit? And "
         "what stops the edit from changing everything else?",
         "minus the target logit, plus keep_weight times a penalty on how far the other "
         "classes' logits moved from where they started: the squared change, averaged over "
         "the other classes only. One value per row, not a batch mean.",
         "L = -l_c + keep_weight * mean over k != c of (l_k - l_k,start)^2; a boolean mask "
         "of the columns k != c selects the others."),
        ("gan_course.steering.steering_loss", "gan_course.steering.gradient_steps")),
    "truncate": Hints(
        "write truncation: features pulled part of the way towards their mean by a factor "
        "psi. Begin with what psi = 1 and psi = 0 should give.",
        ("psi = 1 leaves a sample as it is; psi = 0 turns every sample into the average one. "
         "What lies between?",
         "the offset from the mean, features - mean, shrunk by psi and added back to the "
         "mean.",
         "mean + psi * (features - mean)."),
        ("gan_course.steering.truncate", "gan_course.steering.truncate_features")),
}


def hint(name: str, level: int = 1) -> None:
    """Print hint ``level`` (1 a nudge, 2 the idea, 3 the formula) for ``checks.NAME``."""
    hints = hints_for(name)
    if level not in LEVELS:
        raise ValueError(f"level={level!r}: use 1 ({LEVELS[1]}), 2 ({LEVELS[2]}) or 3 "
                         f"({LEVELS[3]}).")
    more = (f" (checks.hint({name!r}, {level + 1}) gives {LEVELS[level + 1]})"
            if level < 3 else "")
    print(f"{name}, hint {level} of 3, {LEVELS[level]}: {hints.levels[level - 1]}{more}")


def hints_for(name: str) -> Hints:
    """``name``'s :class:`Hints`, or a ``KeyError`` listing the exercises."""
    if name not in HINTS:
        raise KeyError(f"No exercise is called {name!r}; they are {', '.join(HINTS)}.")
    return HINTS[name]


def ask(name: str) -> str:
    """How to ask for a hint, for the end of a failure message."""
    return (f"checks.hint({name!r}) gives a nudge; levels 2 and 3 give the idea and the "
            "formula")


def our_functions(name: str) -> list:
    """The course's own versions for ``name``: the objects ``hints_for(name).ours`` names."""
    return [pkgutil.resolve_name(dotted) for dotted in hints_for(name).ours]
