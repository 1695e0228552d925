"""Lesson 1's 2-D game, made visible: what D believes everywhere in the plane, where G puts its
points, and which way G's loss pushes each of them.

- :func:`discriminator_map`: D's probability sigma(D(x)) on a square grid of points x (for the
  Wasserstein losses D's score is not a probability; the map then shows sigma(score) only as a
  picture of where the critic is high);
- :func:`generator_arrows`: at each generated point x = G(z), the direction -grad_x l(D(x))
  in which G's per-point loss l (the ``g_loss`` of the GAN, on one logit) falls fastest. G
  cannot move a point directly; its update moves its weights so that the points follow these
  arrows as well as they can;
- :func:`game_state` gathers both with the real and fake points; :func:`draw_game` renders one
  frame (an RGB array, for the live view and the GIF);
- :class:`GameView`: a Keras callback that redraws the frame in place every few steps and keeps
  the frames.

The live view uses IPython's ``display(..., display_id=True)`` and updates that one output,
which JupyterLab and Colab both show (no widget needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gan_course import callbacks as _callbacks
from gan_course import losses, viz
from gan_course.data.mixtures import toy_2d
from gan_course.metrics.toy_2d import toy_2d_scores
from gan_course.models import toy_2d as toy_models
from gan_course.training import GAN


@dataclass
class GameState:
    """One moment of the game: ``heatmap`` (resolution, resolution), D's probability with row
    0 at the bottom (y = extent[0]); ``real`` and ``fake`` points (n, 2); ``arrows`` (n, 2) at
    the fake points; the ``step`` and the square ``extent`` (low, high) on both axes."""

    step: int
    extent: tuple
    heatmap: np.ndarray
    real: np.ndarray
    fake: np.ndarray
    arrows: np.ndarray
    scores: dict = field(default_factory=dict)


def grid_points(extent: tuple, resolution: int) -> np.ndarray:
    """The (resolution * resolution, 2) points of a square grid over ``extent`` = (low, high),
    x varying fastest, y from low to high (so reshaping gives rows of constant y)."""
    axis = np.linspace(extent[0], extent[1], int(resolution), dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def discriminator_map(discriminator, extent: tuple = (-3.0, 3.0),
                      resolution: int = 100) -> np.ndarray:
    """sigma(D(x)) on the grid of :func:`grid_points`: float32 (resolution, resolution) in
    [0, 1], row i at y = the i-th grid value from the bottom."""
    logits = discriminator(grid_points(extent, resolution), training=False)
    probabilities = tf.sigmoid(tf.cast(tf.reshape(logits, [-1]), tf.float32))
    return np.asarray(probabilities).reshape(int(resolution), int(resolution))


def generator_arrows(discriminator, points, g_loss=losses.ns_g_loss) -> np.ndarray:
    """-grad_x g_loss(D(x)) at each point x, as if each point were G's whole batch: (n, 2).

    The GAN's loss averages over the batch, so its gradient at one point is this one divided by
    the batch size; the directions are the same."""
    x = tf.Variable(np.asarray(points, np.float32))
    with tf.GradientTape() as tape:
        logits = tf.reshape(discriminator(x, training=False), [-1, 1])
        # the losses are batch means of one term per point: n times the mean is their sum
        total = g_loss(logits) * tf.cast(tf.shape(logits)[0], tf.float32)
    return -np.asarray(tape.gradient(total, x))


def game_state(gan, real, noise, extent: tuple = (-3.0, 3.0), resolution: int = 100,
               mixture=None) -> GameState:
    """The game now: D's map, the real points, G's points from the fixed ``noise`` (G itself,
    not its EMA: the player D is playing against) and their arrows. With ``mixture``
    (:func:`gan_course.data.mixtures.toy_2d_modes`) also the three scores of
    :func:`gan_course.metrics.toy_2d.toy_2d_scores`."""
    fake = np.asarray(gan.generator(np.asarray(noise, np.float32), training=False),
                      np.float32)
    state = GameState(
        step=int(gan.step) if getattr(gan, "g_optimizer", None) else 0, extent=tuple(extent),
        heatmap=discriminator_map(gan.discriminator, extent, resolution),
        real=np.asarray(real, np.float32), fake=fake,
        arrows=generator_arrows(gan.discriminator, fake, gan.g_loss_fn))
    if mixture is not None:
        state.scores = toy_2d_scores(fake, mixture)
    return state


def draw_game(state: GameState, title: str = "", size: float = 4.2) -> np.ndarray:
    """One frame: the heatmap of D's probability (0 dark, 1 bright), real points in white,
    G's points in red, and the arrows of 64 of them in orange, drawn above the points and at
    least a thirtieth of the plot long, so that they show even inside a collapsed blob;
    returns it as an RGB uint8 array."""
    fig = Figure(figsize=(size, size), dpi=80)  # drawn off screen: no pyplot, no backend change
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    low, high = state.extent
    image = ax.imshow(state.heatmap, origin="lower", extent=(low, high, low, high), vmin=0.0,
                      vmax=1.0, cmap="viridis")
    ax.scatter(state.real[:, 0], state.real[:, 1], s=3, c="white", label="real")
    ax.scatter(state.fake[:, 0], state.fake[:, 1], s=3, c="red", label="G(z)")
    picked = np.arange(0, len(state.fake), max(1, len(state.fake) // 64))
    arrows = state.arrows[picked]
    lengths = np.linalg.norm(arrows, axis=1, keepdims=True)
    scale = 0.08 * (high - low) / max(float(np.percentile(lengths, 90)), 1e-12)
    shown = arrows * scale  # the longest arrows a twelfth of the plot, the rest in step ...
    drawn = np.linalg.norm(shown, axis=1, keepdims=True)
    floor = (high - low) / 30  # ... but none shorter than a thirtieth: a direction stays visible
    shown = np.where((drawn > 0) & (drawn < floor), shown / np.maximum(drawn, 1e-12) * floor,
                     shown)
    ax.quiver(state.fake[picked, 0], state.fake[picked, 1], shown[:, 0], shown[:, 1],
              color="orange", edgecolor="black", linewidth=0.4, angles="xy", scale_units="xy",
              scale=1.0, width=0.006, zorder=3)
    ax.set(xlim=(low, high), ylim=(low, high), xticks=[], yticks=[])
    text = title or f"step {state.step}"
    if state.scores:
        text += (f"\nmodes {state.scores['modes']}, good points "
                 f"{100 * state.scores['high_quality']:.0f} %, JS {state.scores['js']:.2f}")
    ax.set_title(text, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label="D's probability 'real'")
    fig.tight_layout()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


class GameView(keras.callbacks.Callback):
    """Redraws :func:`draw_game` every ``every_n_steps`` steps, live in the notebook (one
    picture, updated in place), and keeps the frames (:meth:`write_gif`)."""

    def __init__(self, real, noise, every_n_steps: int = 50, extent: tuple = (-3.0, 3.0),
                 mixture=None, live: bool = True, resolution: int = 80):
        super().__init__()
        self.real, self.noise, self.every_n_steps = real, noise, int(every_n_steps)
        self.extent, self.mixture, self.live, self.resolution = extent, mixture, live, resolution
        self.frames: list[np.ndarray] = []
        self.states: list[GameState] = []
        self._handle = None
        self._last_step = 0  # the step of the last frame

    def draw(self) -> np.ndarray:
        """Compute, draw, show and keep one frame now; returns it."""
        state = game_state(self.model, self.real, self.noise, self.extent, self.resolution,
                           self.mixture)
        frame = draw_game(state)
        self._last_step = state.step
        self.states.append(state)
        self.frames.append(frame)
        if self.live and viz.in_notebook():
            from IPython.display import Image, display

            shown = Image(data=_callbacks.png_bytes(frame))
            if self._handle is None:
                self._handle = display(shown, display_id=True)
            else:
                self._handle.update(shown)
        return frame

    def on_train_begin(self, logs=None):
        if not self.frames:
            self.draw()

    def on_train_batch_end(self, batch, logs=None):
        # with steps_per_execution > 1 Keras calls this every few steps: draw on crossing a
        # multiple of every_n_steps
        step = int(self.model.step)
        if step // self.every_n_steps > self._last_step // self.every_n_steps:
            self.draw()

    def write_gif(self, path, fps: float = 6.0):
        """The kept frames as a looping GIF (:func:`gan_course.callbacks.write_gif`)."""
        return _callbacks.write_gif(self.frames, path, fps=fps)


# --------------------------------------------------------------------------- the presets

#: Recipes for the 2-D game, each a dict of :func:`make_game`'s settings, and the steps the
#: lesson gives them. Measured over 3 seeds in bench/README.md (``bench/toy_2d_presets.py``):
#: at 2,000 steps "covers" found 7, 7 and 8 of the ring's 8 modes, "fast D" (D's learning rate
#: 100 times G's) collapsed onto 1, 1 and 2, and "fast D + R1" (the same, with R1 = 0.1 on D)
#: got back 5, 5 and 3.
PRESETS = {
    "covers": {"loss": "ns", "g_lr": 1e-3, "d_lr": 1e-3},
    "fast D": {"loss": "ns", "g_lr": 1e-4, "d_lr": 1e-2},
    "fast D + R1": {"loss": "ns", "g_lr": 1e-4, "d_lr": 1e-2, "r1_gamma": 0.1},
    "fast D + 5 G steps": {"loss": "ns", "g_lr": 1e-4, "d_lr": 1e-2, "g_steps": 5},
    "minimax": {"loss": "minimax", "g_lr": 1e-3, "d_lr": 1e-3},
    "wgan-gp": {"loss": "wgan-gp", "g_lr": 1e-4, "d_lr": 1e-4, "d_steps": 5},
}
PRESET_STEPS = 2000
#: The recipe lesson 1 breaks: D learns 100 times faster than G and G collapses (1, 1 and 2 of 8
#: modes over 3 seeds at :data:`PRESET_STEPS`).
COLLAPSE = PRESETS["fast D"]
#: The remedy lesson 1 shows on it: the same fast D, and five G updates per D update (each on
#: fresh noise), so the slow player gets the turns it needs: 8, 8 and 8 modes over 3 seeds, 82 %
#: good points. R1 = 0.1 alone ("fast D + R1") got back only 5, 5 and 3; R1 or a gradient
#: penalty at other weights, spectral norm, minibatch stddev, the hinge loss and a fast WGAN-GP
#: critic each missed 6 modes on some seed (bench/README.md).
REMEDY = PRESETS["fast D + 5 G steps"]


def make_game(loss="ns", g_lr: float = 1e-3, d_lr: float = 1e-3, d_steps: int = 1,
              seed: int = 0, width: int | None = None, latent_dim: int | None = None,
              steps_per_execution: int = 10, spectral_norm: bool = False,
              minibatch_stddev: bool = False, **gan_options) -> GAN:
    """The 2-D game's GAN: :mod:`gan_course.models.toy_2d`'s MLPs through the course's core,
    Adam(lr, beta_1=0.5) for each player (beta_2 = 0.9 with the Wasserstein losses, as in
    WGAN-GP), weights drawn from ``seed``; ``spectral_norm`` and ``minibatch_stddev`` go to
    D's builder (:func:`~gan_course.models.toy_2d.build_toy_discriminator`); ``gan_options`` to
    :class:`GAN` (``r1_gamma``, ``gp_weight`` ...).

    ``steps_per_execution``: training steps per call of the compiled step. The networks are
    tiny, so Python's work between steps costs more than the step itself; 10 steps per call
    give the same weights, sooner (:func:`play` then takes multiples of 10 steps)."""
    keras.utils.set_random_seed(seed)
    kwargs = {} if width is None else {"width": width}
    latent = toy_models.LATENT_DIM if latent_dim is None else latent_dim
    gan = GAN(toy_models.build_toy_generator(latent, **kwargs),
              toy_models.build_toy_discriminator(**kwargs, spectral_norm=spectral_norm,
                                                 minibatch_stddev=minibatch_stddev),
              latent_dim=latent, loss=loss,
              d_steps=d_steps, seed=seed, **gan_options)
    beta_2 = 0.9 if isinstance(loss, str) and loss.startswith("wgan") else 0.999
    gan.compile(g_optimizer=keras.optimizers.Adam(g_lr, beta_1=0.5, beta_2=beta_2),
                d_optimizer=keras.optimizers.Adam(d_lr, beta_1=0.5, beta_2=beta_2),
                steps_per_execution=int(steps_per_execution))
    return gan


def game_data(name: str = "ring", batch_size: int = 256, seed: int = 0):
    """An endless ``tf.data`` stream of batches from :func:`gan_course.data.mixtures.toy_2d`."""
    points = toy_2d(name, 100_000, seed=seed)
    return (tf.data.Dataset.from_tensor_slices(points).shuffle(100_000, seed=seed)
            .repeat().batch(batch_size, drop_remainder=True).prefetch(2))


def play(gan: GAN, data_name: str = "ring", steps: int = 2000, batch_size: int = 256,
         seed: int = 0, callbacks=()) -> GAN:
    """Train ``gan`` for ``steps`` generator steps on ``data_name``; returns it. ``steps`` must
    be a multiple of the GAN's ``steps_per_execution`` (10 from :func:`make_game`)."""
    per_call = int(getattr(gan, "steps_per_execution", 1) or 1)
    if int(steps) % per_call:
        raise ValueError(f"steps={steps}: this GAN runs {per_call} steps per call "
                         f"(make_game(steps_per_execution={per_call})); use a multiple of "
                         f"{per_call}, or make_game(steps_per_execution=1).")
    gan.fit(game_data(data_name, batch_size, seed), epochs=1, steps_per_epoch=int(steps),
            verbose=0, callbacks=list(callbacks))
    return gan
