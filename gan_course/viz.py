"""Pictures for the lessons: image grids, loss curves, GIFs and side-by-side comparisons.

Pixel values follow :mod:`gan_course.image_ops`: uint8 is [0, 255]; float images are read as
[-1, 1] (what a generator emits) unless ``value_range=(0, 1)`` says they are photos as loaded.
"""

from __future__ import annotations

import numpy as np

from gan_course import image_ops, settings


def to_uint8(images, value_range=image_ops.SIGNED) -> np.ndarray:
    """Images of any shape -> uint8 [0, 255] for display: ``round(255 (x - low) / (high - low))``.

    uint8 passes through; float images are read as ``value_range`` (default [-1, 1], a tanh
    generator's range; photos in [0, 1]: ``value_range=(0, 1)``). Round-off just outside the
    range is clipped; values far outside it raise ``ValueError`` saying what they look like.
    """
    return image_ops.to_uint8(images, value_range)


def image_grid(images, ncols: int | None = None, pad: int = 1, pad_value: int = 255,
               value_range=image_ops.SIGNED) -> np.ndarray:
    """Tile N images (N, H, W[, C]) into one uint8 picture with ``ncols`` columns.

    uint8 images, or floats in ``value_range`` (default [-1, 1]); C is 1, 3 or 4. Missing cells
    in the last row stay at ``pad_value``. Grey images come out as (H', W').
    """
    images = image_ops.check_images(images, "image_grid's images", value_range=value_range,
                                    channels=(1, 3, 4))
    images = image_ops.to_uint8(images, value_range)
    n, h, w, c = images.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    grid = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), pad_value, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top:top + h, left:left + w] = image
    return grid[..., 0] if c == 1 else grid


def show_grid(images, ncols: int | None = None, title: str = "", scale: float = 1.0, ax=None,
              value_range=image_ops.SIGNED):
    """Display :func:`image_grid` with matplotlib; returns the figure. Floats are read as
    ``value_range`` (default [-1, 1]; an image as loaded: ``value_range=(0, 1)``)."""
    import matplotlib.pyplot as plt

    grid = image_grid(images, ncols, value_range=value_range)
    if ax is None:
        height, width = grid.shape[:2]
        size = 6.0 * scale
        fig, ax = plt.subplots(figsize=(size, size * height / width))
    else:
        fig = ax.figure
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=255)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def show_per_class(images, labels, class_names, per_class: int = 8, seed: int = 0,
                   value_range=image_ops.SIGNED):
    """One row per class of ``per_class`` random examples, class names on the left (floats
    are read as ``value_range``)."""
    import matplotlib.pyplot as plt

    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(class_names), 1, figsize=(per_class * 0.8, len(class_names) * 0.9))
    for label, (name, ax) in enumerate(zip(class_names, np.atleast_1d(axes), strict=True)):
        index = np.flatnonzero(labels == label)
        if len(index) == 0:
            ax.set_axis_off()
            continue
        picked = rng.choice(index, min(per_class, len(index)), replace=False)
        ax.imshow(image_grid(np.asarray(images)[picked], ncols=per_class,
                             value_range=value_range), cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def plot_history(history, steps_per_epoch: int | None = None, title: str = "",
                 last_step: int | None = None):
    """Loss curves (left: D's and G's totals, and G's named terms ``g_*`` as thin lines) and the
    discriminator's mean scores D(x), D(G(z)) (right; no right panel without a discriminator).

    ``history`` is what ``fit`` returns (or its ``.history`` dict). With ``steps_per_epoch``
    the x axis counts training steps, else epochs. ``last_step`` (``gan.step``): the step where
    training stopped. A time limit ends the last epoch early, and a resumed run's history
    starts at a later epoch; with it, each point sits at the step its epoch really ended, and
    the axis ends where training did. A healthy GAN's losses wander but stay bounded; D(x)
    near 1 with D(G(z)) near 0 for long means D is winning and G learns little.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    n = len(next(iter(logs.values()))) if logs else 0
    x = epoch_end_steps(n, steps_per_epoch or 1, last_step if steps_per_epoch else None)
    scores = [key for key in ("d_real", "d_fake") if key in logs]
    marker = "o" if n < 3 else None  # a line through one point draws nothing: mark the points
    fig, axes = plt.subplots(1, 2 if scores else 1, figsize=(10 if scores else 5, 3.2))
    left, right = (axes[0], axes[1]) if scores else (axes, None)
    for key, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
        if key in logs:
            left.plot(x, logs[key], label=label, marker=marker)
    for key in sorted(k for k in logs if k.startswith("g_") and k != "g_loss"):
        left.plot(x, logs[key], label=key[2:].replace("_", " "), lw=0.8, alpha=0.8,
                  marker=marker)
    for key, label in (("d_real", "D(x), real"), ("d_fake", "D(G(z)), fake")):
        if key in logs:
            right.plot(x, logs[key], label=label, marker=marker)
    if "d_real" in logs and 0 <= min(logs["d_real"]) and max(logs["d_real"]) <= 1:
        right.axhline(0.5, color="grey", lw=0.8, ls="--", label="equilibrium, 1/2")
    for ax, name in ((left, "loss"), (right, "mean score")):
        if ax is None:
            continue
        ax.set_xlabel("step" if steps_per_epoch else "epoch")
        ax.set_ylabel(name)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def epoch_end_steps(n_epochs: int, steps_per_epoch: int, last_step: int | None = None):
    """The step at which each of the last ``n_epochs`` epochs ended: ``k * steps_per_epoch``
    for epoch k, except the last, which ended at ``last_step`` when it is given (a time limit
    stops mid-epoch). Without ``last_step``, epochs 1 .. n_epochs."""
    if last_step is None or n_epochs == 0:
        return np.arange(1, n_epochs + 1) * steps_per_epoch
    last_epoch = max(n_epochs, -(-int(last_step) // steps_per_epoch))  # ceil
    ends = np.arange(last_epoch - n_epochs + 1, last_epoch + 1) * steps_per_epoch
    ends[-1] = max(int(last_step), ends[-2] + 1 if n_epochs > 1 else 1)
    return ends


def show_gif(*paths, captions=None):
    """Display one or more GIFs inline, side by side, each with an optional caption below (an
    HTML <img>, which JupyterLab, Colab and HTML exports all show)."""
    import base64
    import html
    from pathlib import Path

    from IPython.display import HTML

    captions = list(captions) if captions is not None else [None] * len(paths)
    if len(captions) != len(paths):
        raise ValueError(f"show_gif got {len(paths)} GIFs and {len(captions)} captions.")
    figures = []
    for path, caption in zip(paths, captions, strict=True):
        encoded = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        below = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        figures.append(f'<figure style="display:inline-block;margin:0 12px 0 0">'
                       f'<img src="data:image/gif;base64,{encoded}" alt="{Path(path).name}" />'
                       f"{below}</figure>")
    return HTML("".join(figures))


#: IPython shells that display rich output: Jupyter's kernel and Colab's.
NOTEBOOK_SHELLS = ("ZMQInteractiveShell", "Shell")


def in_notebook() -> bool:
    """True inside a Jupyter or Colab notebook (where pictures and widgets display inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ in NOTEBOOK_SHELLS


def show_tensorboard(logdir) -> None:
    """Open TensorBoard on ``logdir`` inside the notebook (Jupyter or Colab).

    It loads the ``tensorboard`` notebook extension and runs ``%tensorboard --logdir``. Outside
    a notebook, or in a run nobody watches (:func:`gan_course.settings.headless`), it prints
    the command that opens TensorBoard instead.
    """
    from pathlib import Path
    if settings.headless() or not in_notebook():
        print(f"TensorBoard logs are in {logdir}; to see them, run: "
              f"tensorboard --logdir {Path(logdir)}")
        return
    from IPython import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "tensorboard")
    shell.run_line_magic("tensorboard", f"--logdir '{Path(logdir)}'")


def compare(image_sets, titles, ncols: int | None = None, scale: float = 1.0,
            value_range=image_ops.SIGNED):
    """Side-by-side grids, one per set, with a title above each (e.g. MLP GAN vs DCGAN vs real).

    Each set is uint8 or float in ``value_range`` (default [-1, 1]), so real uint8 images and
    generator output can be compared directly. Titles wrap to their grid's width, so that
    neighbours never overlap.
    """
    import textwrap

    import matplotlib.pyplot as plt

    if len(image_sets) != len(titles):
        raise ValueError(f"{len(image_sets)} image sets but {len(titles)} titles.")
    fig, axes = plt.subplots(1, len(image_sets), figsize=(4 * scale * len(image_sets), 4 * scale))
    width = max(12, int(36 * scale))  # characters of a 10-point title across a 4 * scale-inch grid
    for images, title, ax in zip(image_sets, titles, np.atleast_1d(axes), strict=True):
        wrapped = "\n".join(textwrap.fill(line, width) for line in str(title).splitlines())
        show_grid(images, ncols=ncols, title=wrapped, ax=ax, value_range=value_range)
    fig.tight_layout()
    return fig


def show_source(*objects):
    """Display the source code of functions or classes (the model builders a lesson uses)."""
    import inspect

    from IPython.display import Code

    return Code("\n\n".join(inspect.getsource(o) for o in objects), language="python")
