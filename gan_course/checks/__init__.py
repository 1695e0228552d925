"""Checks for the "your turn" cells: the learner writes a lesson's key function, a check runs it
beside the course's own on several cases and prints one line, "✓ NAME: ..." or "✗ NAME: ..."
with the case, what was expected, what came back and a hint aimed at the likely mistake.

    def ns_d_loss(real_logits, fake_logits):
        ...                                   # your lines
    ns_d_loss = checks.ns_d_loss(ns_d_loss).use()   # yours if it passed, else the course's

Every check returns a :class:`~gan_course.checks.core.CheckResult` (``.passed``,
``.message``, ``.use()``, ``.yours()``) and never raises because an answer is wrong; only a
``fn`` that is not callable raises ``TypeError``. An untouched stub is told where to start;
:func:`hint` gives more, one level at a time (1 a nudge, 2 the idea, 3 the formula), and
:func:`compare_with_ours` shows the course's code once your check has passed.
:func:`reference` gives the course's version of each function.

| lesson | checks (signatures in each module's docstring) |
| --- | --- |
| 1 | ``ns_d_loss``, ``ns_g_loss``, ``train_step`` (:mod:`.gan_basics`) |
| 2 | ``circular_pad``, ``sliced_wasserstein``, ``seam_ratio`` (:mod:`.textures`) |
| 3 | ``projection_logit``, ``receptive_field``, ``pix2pix_g_loss`` (:mod:`.conditional`) |
| 4 | ``adain``, ``laplacian_pyramid`` (with its ``fold``), ``gram_matrix`` (:mod:`.style`) |
| 5 | ``pixel_norm``, ``minibatch_stddev``, ``slerp``, ``inversion_loss``, ``steering_loss``, |
|   | ``truncate`` (:mod:`.progan`) |

Each check's cases include at least two sets of shapes (tiny models for ``train_step``), and
each is tested against planted mistakes (``tests/test_checks_*.py``).
"""

from __future__ import annotations

from gan_course.checks import conditional, gan_basics, progan, style, textures
from gan_course.checks.conditional import pix2pix_g_loss, projection_logit, receptive_field
from gan_course.checks.core import CheckResult, compare_with_ours
from gan_course.checks.gan_basics import ns_d_loss, ns_g_loss, train_step
from gan_course.checks.hints import hint
from gan_course.checks.progan import (
    inversion_loss,
    minibatch_stddev,
    pixel_norm,
    slerp,
    steering_loss,
    truncate,
)
from gan_course.checks.style import adain, gram_matrix, laplacian_pyramid
from gan_course.checks.textures import circular_pad, seam_ratio, sliced_wasserstein

_REFERENCES = {**gan_basics.REFERENCES, **textures.REFERENCES, **conditional.REFERENCES,
               **style.REFERENCES, **progan.REFERENCES}
#: Every check's name, in lesson order.
NAMES = tuple(_REFERENCES)


def reference(name: str):
    """The course's own version of the function ``checks.<name>`` checks."""
    if name not in _REFERENCES:
        raise KeyError(f"No check is called {name!r}; the checks are {', '.join(NAMES)}.")
    return _REFERENCES[name]


__all__ = ["NAMES", "CheckResult", "adain", "circular_pad", "compare_with_ours", "gram_matrix",
           "hint", "inversion_loss",
           "laplacian_pyramid", "minibatch_stddev", "ns_d_loss", "ns_g_loss", "pix2pix_g_loss",
           "pixel_norm", "projection_logit", "receptive_field", "reference", "seam_ratio",
           "slerp", "sliced_wasserstein", "steering_loss", "train_step", "truncate"]
