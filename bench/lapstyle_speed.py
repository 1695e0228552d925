"""Lesson 4's LapStyle at inference: images per second at 512 and 1024 px, its FLOPs, the GFLOP/s
it reaches against this machine's dense-convolution throughput, and Gatys' seconds per image.

1. LapStyle as the lesson runs it (``LapStyleNet``, batch 1, one ``tf.function``): draft at 128
   px, two revisions at 512, the second stacked once more at 1024 (``[rev1, rev2, rev2]``). The
   style's statistics are computed once (``DraftingNetwork.set_style``), not per image. Weights
   are untrained (speed does not depend on them), at the device's width (``LAPSTYLE_SCALE``).
2. FLOPs per image from TensorFlow's profiler on the traced graph (a multiply-add counts 2).
3. The reference: a dense 3x3 convolution (128 -> 128 channels, 128x128, batch 4) timed in the
   same run, in GFLOP/s. ``ratio`` = LapStyle's GFLOP/s / the reference's; target >= 0.5.
4. Gatys with the TF tutorial's settings (``gatys.gatys_transfer``) at ``--gatys-size`` (256 px
   by default, so the full 1,000 steps run in minutes on a CPU): seconds per image for 1,000
   steps, measured. With ``--gatys-steps N < 1000`` (the smoke test) the time is the first step
   plus 999 times the mean step after it, and the line says so.

    .venv/bin/python bench/lapstyle_speed.py [--repeats 5] [--gatys-steps 1000] [--gatys-size 256]
        [--width W]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_course import data, features, hardware  # noqa: E402
from gan_course.models import gatys, lapstyle  # noqa: E402

GATYS_REFERENCE_STEPS = 1000


def graph_flops(function, shape) -> int:
    """Float operations of one call, by TensorFlow's profiler on the frozen graph."""
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.profiler.model_analyzer import profile
    from tensorflow.python.profiler.option_builder import ProfileOptionBuilder

    tf.get_logger().setLevel("ERROR")  # the v1 profiler warns that its own helpers are old
    concrete = tf.function(function).get_concrete_function(tf.TensorSpec(shape, tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    options = ProfileOptionBuilder(ProfileOptionBuilder.float_operation()).with_empty_output()
    return profile(frozen.graph, options=options.build()).total_float_ops


def seconds_per_call(function, x, repeats: int) -> float:
    """Median wall time of ``function(x)`` after one warm-up call."""
    function(x).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(x).numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def dense_conv_gflops(repeats: int) -> float:
    """This machine's throughput on a dense 3x3 convolution, 128 -> 128 channels, 128x128 px,
    batch 4, float32, in GFLOP/s."""
    conv = keras.layers.Conv2D(128, 3, padding="same", use_bias=False)
    x = tf.random.normal((4, 128, 128, 128), seed=0)
    conv.build(x.shape)
    flops = 2 * 4 * 128 * 128 * 3 * 3 * 128 * 128
    seconds = seconds_per_call(tf.function(conv), x, repeats)
    return flops / seconds / 1e9


def lapstyle_models(width: float, encoder):
    drafting = lapstyle.DraftingNetwork(encoder, lapstyle.build_drafting_decoder(width))
    drafting.set_style(data.offline_style_image(side=256)[None])  # once per style
    rev1, rev2 = (lapstyle.build_revision_network(width) for _ in range(2))
    return {512: lapstyle.LapStyleNet(drafting, [rev1, rev2]),
            1024: lapstyle.LapStyleNet(drafting, [rev1, rev2, rev2])}


def gatys_seconds(steps: int, size: int, weights: str = "hed") -> tuple[float, int]:
    """Seconds per ``size`` px image for 1,000 tutorial steps (see the module docstring), and
    the steps actually run."""
    content = data.content_images(size=size)[0]
    style = data.offline_style_image(side=size)
    encoder = features.vgg_encoder(weights, gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
    stamps = []
    start = time.perf_counter()
    gatys.gatys_transfer(content, style, steps=steps, encoder=encoder,
                         callback=lambda *_: stamps.append(time.perf_counter()))
    first = stamps[0] - start
    if steps >= GATYS_REFERENCE_STEPS or len(stamps) < 2:
        return stamps[-1] - start, steps
    per_step = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    return first + per_step * (GATYS_REFERENCE_STEPS - 1), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per size (median)")
    parser.add_argument("--gatys-steps", type=int, default=GATYS_REFERENCE_STEPS,
                        help="Gatys steps actually run (fewer: extrapolated to 1,000)")
    parser.add_argument("--gatys-size", type=int, default=256,
                        help="Gatys' content size in px (the style's shorter side too)")
    parser.add_argument("--width", type=float, default=None,
                        help="decoder and revision width (default: LAPSTYLE_SCALE for the device)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--encoder", default="hed", choices=list(features.ENCODER_WEIGHTS),
                        help="features.vgg_encoder's weights (default: the lessons' HED VGG-16)")
    args = parser.parse_args()

    print(hardware.describe())
    hardware.setup(verbose=False)
    keras.mixed_precision.set_global_policy("float32")
    width = args.width or hardware.model_scale(**lapstyle.LAPSTYLE_SCALE, verbose=False).width
    keras.utils.set_random_seed(0)
    encoder = features.vgg_encoder(args.encoder)
    print(f"encoder: {encoder.description}")
    models = lapstyle_models(width, encoder)
    reference = dense_conv_gflops(args.repeats)

    rates = {}
    for size in args.sizes:
        if size not in models:
            raise SystemExit(f"--sizes takes 512 and/or 1024, not {size}.")
        net = models[size]
        x = tf.constant(data.content_images(size=size)[:1])
        seconds = seconds_per_call(tf.function(lambda images, net=net: net(images)), x,
                                   args.repeats)
        flops = graph_flops(lambda images, net=net: net(images), (1, size, size, 3))
        rates[size] = (seconds, flops / seconds / 1e9)
        print(f"LapStyle {size} px (width {width}, batch 1): {1 / seconds:.2f} images/s "
              f"({seconds:.3f} s/image), {flops / 1e9:.1f} GFLOP/image, "
              f"{rates[size][1]:.1f} GFLOP/s")
    print(f"dense 3x3 convolution (128 -> 128 channels, 128x128, batch 4): {reference:.1f} GFLOP/s")

    gatys_time, ran = gatys_seconds(args.gatys_steps, args.gatys_size, args.encoder)
    how = ("measured" if ran >= GATYS_REFERENCE_STEPS else
           f"first step + 999 x the mean of steps 2-{ran}")
    print(f"Gatys {args.gatys_size} px, tutorial settings, {GATYS_REFERENCE_STEPS} steps: "
          f"{gatys_time:.0f} s/image ({how})")
    if 512 in rates:
        print(f"speed-up LapStyle at 512 px / Gatys at {args.gatys_size} px: "
              f"{gatys_time / rates[512][0]:.0f}x"
              + ("" if args.gatys_size == 512 else
                 f" (Gatys on {(args.gatys_size / 512) ** 2:.2g} times the pixels)"))
    print("ratio LapStyle GFLOP/s / dense convolution: " + ", ".join(
        f"{size} px {gflops / reference:.2f}" for size, (_, gflops) in rates.items())
          + " (target >= 0.5)")


if __name__ == "__main__":
    main()
