"""How the package speaks to the learner: one line, one prefix.

Every line the package prints about what it did (a fallback it took, a checkpoint it wrote, a
setting it chose) starts with :data:`PREFIX`, so a learner can tell the course's lines from
TensorFlow's and Keras' own.
"""

from __future__ import annotations

#: The start of every line the package prints.
PREFIX = "[gan_course]"


def say(message: str) -> None:
    """Print ``"[gan_course] " + message`` and flush, so the line shows at once in a notebook."""
    print(f"{PREFIX} {message}", flush=True)


def short_error(error: BaseException | str, limit: int = 120) -> str:
    """An error's text on one line, cut to ``limit`` characters (ending in ``...`` when cut)."""
    text = str(error).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."
