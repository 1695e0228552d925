"""Write ``data/gatys_stained_glass_flower.npz``: Gatys et al.'s optimisation
(``models.gatys.gatys_transfer``) run to all its steps on lesson 4's two validation photos
(``data.content_images(size=512)``) in the offline style ``stained_glass_flower``, with the
course's encoder (HED's VGG-16).

Lesson 4's quick mode can afford 10 steps per photo; these outputs stand in for the full
run in its picture grid, labelled as shipped. Each photo takes about 36 minutes on a 2-core
CPU, so each finished photo is kept in ``--work`` and a rerun goes on from there. Run from the
repository root::

    python tools/make_gatys_outputs.py [--steps 1000] [--total-variation-weight 0]
        [--learning-rate 0.005] [--work build/gatys_outputs]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("GAN_COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from gan_course import data, features, hardware, shipped  # noqa: E402
from gan_course.models import gatys  # noqa: E402

STYLE = "stained_glass_flower"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=gatys.TUTORIAL["steps"])
    parser.add_argument("--total-variation-weight", type=float, default=0.0)
    parser.add_argument("--learning-rate", type=float, default=gatys.LEARNING_RATE)
    parser.add_argument("--work", default=str(ROOT / "build" / "gatys_outputs"))
    parser.add_argument("--timing", default="measured alone",
                        help="how the seconds were measured, for the record (e.g. under load)")
    args = parser.parse_args()
    options = {"total_variation_weight": args.total_variation_weight,
               "learning_rate": args.learning_rate}
    contents = data.content_images(size=512)
    style = data.style_image(STYLE, side=512, verbose=False)[0]
    encoder = features.vgg_encoder("hed", gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256(json.dumps([args.steps, options, shipped.images_digest(contents)],
                                    sort_keys=True).encode()).hexdigest()[:12]
    outputs, seconds = [], []
    for i, content in enumerate(contents):
        done = work / f"{tag}_{i}.npz"
        if done.exists():  # finished in an earlier sitting, with these settings
            with np.load(done) as stored:
                outputs.append(stored["output"])
                seconds.append(float(stored["seconds"]))
            print(f"photo {i}: kept from {done}", flush=True)
            continue
        start = time.perf_counter()
        output = gatys.gatys_transfer(content, style, steps=args.steps, encoder=encoder,
                                      **options)
        seconds.append(time.perf_counter() - start)
        np.savez(done.with_suffix(".partial.npz"), output=output, seconds=seconds[-1])
        os.replace(done.with_suffix(".partial.npz"), done)
        outputs.append(output)
        print(f"photo {i}: {args.steps} steps in {seconds[-1]:.0f} s", flush=True)
    record = {"method": "Gatys et al. 2016, models.gatys.gatys_transfer, the TF tutorial's "
                        "settings (gatys.TUTORIAL) with the options below",
              "encoder": "hed (VGG-16, HED's weights)", "style": STYLE,
              "contents": "data.content_images(size=512)", "steps": args.steps,
              "options": options, "seconds_per_image": round(float(np.mean(seconds)), 1),
              "hardware": hardware.describe().splitlines()[0], "timing": args.timing}
    out = shipped.save_outputs(ROOT / "data" / gatys.SHIPPED_OUTPUTS[STYLE], np.stack(outputs),
                               contents, record)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size / 2**20:.2f} MiB), sha256 {digest}; {record}")


if __name__ == "__main__":
    main()
