"""Smoke test for the benchmark scripts: they run end to end and print what bench/README reads."""

import os
import re
import subprocess
import sys
from pathlib import Path

import imageio.v3 as imageio
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each test runs a benchmark script end to end at a tiny scale (10-80 s each): `slow`, so the
# runs on other stacks (make test-colab, make test-oldest) leave them to `make test`.
pytestmark = pytest.mark.slow


def test_dcgan_quality_lesson_only_reports_fd_and_recognised_classes(tmp_path):
    grid = tmp_path / "samples.png"
    env = dict(os.environ, GAN_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dcgan_quality.py"), "--lesson-only", "--seconds",
         "2", "--samples", "200", "--batch", "32", "--grid", str(grid)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "reference loop" not in out  # --lesson-only skips it
    assert "lesson GAN.fit:" in out and "of 10 classes recognised" in out
    assert "real test images: 10 of 10 classes recognised" in out
    assert "recognised share per class" in out and "Ankle boot" in out
    assert imageio.imread(grid).shape == (10 * 29 + 1, 10 * 29 + 1)  # 100 samples, 10 per row


def _run_bench(script, *args):
    env = dict(os.environ, GAN_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _ratios(out):
    """The last line's ``{variant: ratio}``."""
    last = out.strip().splitlines()[-1]
    assert last.startswith("ratio GAN.fit / reference: "), last
    pairs = [part.rsplit(" ", 1) for part in last.split(": ", 1)[1].split(", ")]
    return {name: float(value) for name, value in pairs}


def test_pix2pix_throughput_prints_a_ratio_per_update_rule():
    out = _run_bench("pix2pix_throughput.py", "--steps", "3", "--rounds", "1", "--batch", "4")
    assert "image 64x64, batch 4, width 0.25" in out
    ratios = _ratios(out)
    assert list(ratios) == ["simultaneous", "alternating", "alternating + lesson callbacks"]
    assert all(ratio > 0 for ratio in ratios.values())
    assert "reference loop, simultaneous:" in out and "reference loop, alternating:" in out
    assert "one-off per fit call" in out


def test_every_lesson_throughput_benchmark_prints_its_ratios():
    """Lessons 2 to 5's benchmarks at tiny shapes, in one process (one TensorFlow start)."""
    runs = {
        "textures_throughput": ["--batch", "4", "--width", "0.125"],
        "cgan_throughput": ["--batch", "8", "--width", "0.125"],
        "lapstyle_throughput": ["--size", "128", "--batch", "1", "--width", "0.25"],
        "progan_throughput": ["--resolution", "8", "--batch", "4", "--width", "0.125"],
    }
    script = "import sys\nsys.path.insert(0, sys.argv[1])\n" + "".join(
        f"import {name}\nprint('=== {name}', flush=True)\n"
        f"{name}.main({args + ['--steps', '3', '--rounds', '1']!r})\n"
        for name, args in runs.items())
    env = dict(os.environ, GAN_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", script, str(ROOT / "bench")],
                            capture_output=True, text=True, env=env, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    outputs = dict(part.split("\n", 1) for part in result.stdout.split("=== ")[1:])
    assert set(outputs) == set(runs)
    for name, out in outputs.items():
        ratios = _ratios(out)
        assert list(ratios) == ["simultaneous", "alternating", "alternating + lesson callbacks"]
        assert all(ratio > 0 for ratio in ratios.values()), name
    assert "spatial GAN: 64x64 patches of gravel" in outputs["textures_throughput"]
    assert "(projection): 28x28, batch 8" in outputs["cgan_throughput"]
    assert "revision stage: 128x128, batch 1" in outputs["lapstyle_throughput"]
    assert "ProGAN at 8x8 during the fade-in" in outputs["progan_throughput"]


def test_colorization_quality_puts_the_colourisers_beside_the_no_learning_baselines(tmp_path):
    grid = tmp_path / "colour.png"
    out = _run_bench("colorization_quality.py", "--seconds", "2", "--seeds", "0", "1",
                     "--held-out", "200", "--grid", str(grid))
    assert "200 held-out images of 32x32" in out
    lines = out.splitlines()
    for name in ("grey input (ab = 0)", "constant colour (training mean)", "L1 only",
                 "cGAN + L1"):
        rows = [line for line in lines if line.startswith(name + "  ")]
        assert len(rows) == 3, rows  # a table row per seed, and the summary
    summary = next(line for line in lines if line.startswith("cGAN + L1") and "[" in line)
    assert len(summary.split("[")) == 6  # mean [min, max] for each of the 5 scores
    assert sum(line.strip().startswith(("met:", "NOT met:")) for line in lines) == 5
    assert lines[-2].startswith("ab-histogram intersection cGAN + L1 / L1 only: ")
    assert imageio.imread(grid).shape == (5 * 33 + 1, 8 * 33 + 1, 3)  # 5 rows of 8 images


def test_colorization_quality_on_photos_has_the_baselines_too():
    out = _run_bench("colorization_quality.py", "--data", "photos", "--seconds", "2",
                     "--seeds", "0", "--batch", "4")
    assert "data: photos; 232 held-out images of 64x64" in out
    assert "constant colour (training mean)" in out and "CIEDE2000" in out


def test_cgan_quality_reports_conditional_accuracy_and_fd_per_class():
    out = _run_bench("cgan_quality.py", "--seconds", "2", "--batch", "32", "--conditioning",
                     "projection", "--unconditional")
    assert "conditional GAN (projection):" in out and "conditional accuracy" in out
    assert "real test images: 91." in out
    assert "per class (accuracy, FD): T-shirt/top" in out
    assert "unconditional DCGAN:" in out and "per class it is sorted into" in out


def test_lapstyle_speed_reports_images_per_second_flops_and_the_gatys_speed_up():
    out = _run_bench("lapstyle_speed.py", "--sizes", "512", "--repeats", "1",
                     "--gatys-steps", "2", "--width", "0.125")
    line = next(row for row in out.splitlines() if row.startswith("LapStyle 512 px"))
    assert "images/s" in line and "GFLOP/image" in line
    assert float(line.split("s/image), ")[1].split(" GFLOP/image")[0]) > 1.0  # VGG at 128 px
    assert "dense 3x3 convolution" in out
    assert "encoder: VGG-16 with HED's weights" in out  # the lessons' encoder
    assert "Gatys 256 px, tutorial settings, 1000 steps: " in out
    assert "first step + 999 x the mean of steps 2-2" in out
    assert "speed-up LapStyle at 512 px / Gatys at 256 px:" in out
    assert "(Gatys on 0.25 times the pixels)" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("ratio LapStyle GFLOP/s / dense convolution: 512 px ")
    assert float(last.split("512 px ")[1].split()[0]) > 0


def test_lapstyle_quality_compares_the_three_methods(tmp_path):
    import keras

    from gan_course import features
    from gan_course.models import lapstyle

    keras.utils.set_random_seed(0)
    encoder = features.vgg_encoder("random")
    drafting = lapstyle.DraftingNetwork(encoder, lapstyle.build_drafting_decoder(0.125))
    weights = lapstyle.save_lapstyle_weights(
        tmp_path / "w.npz", drafting, [lapstyle.build_revision_network(0.125)],
        {"draft": {"steps": 0}, "revision": {"steps": 0}})
    grid = tmp_path / "grid.png"
    out = _run_bench("lapstyle_quality.py", "--size", "128", "--weights", str(weights),
                     "--gatys-steps", "2", "--grid", str(grid))
    for name in ("Gatys", "draft alone, upsampled (w.npz)", "control: draft + content bands "
                 "(w.npz)", "LapStyle (w.npz)", "content unchanged (no learning)",
                 "content, the style's colour statistics (no learning)"):
        assert f"{name}: style distance " in out
    assert "Gatys: style distance" in out and "(2/2 steps," in out
    assert "Magenta (fast stylisation): style distance" in out
    assert imageio.imread(grid).shape == (6 * 129 + 1, 2 * 129 + 1, 3)  # + Magenta
    last = out.strip().splitlines()[-1]
    assert last.startswith("LapStyle's style distance ") and "of 3 no-learning rows" in last
    assert "content SSIM" in last and "target" in last and "target met" not in last  # untrained
    assert float(last.split("distance ")[1].split()[0]) > 0
    # several files (seeds of the revision training): one row each, then mean [min, max]
    other = lapstyle.save_lapstyle_weights(
        tmp_path / "v.npz", drafting, [lapstyle.build_revision_network(0.125)],
        {"draft": {"steps": 0}, "revision": {"steps": 0}})
    out = _run_bench("lapstyle_quality.py", "--size", "128", "--weights", str(weights),
                     str(other), "--gatys-steps", "0")
    assert "Gatys" not in out
    rows = {line.split(":")[0]: line for line in out.splitlines() if "style distance" in line}
    assert "LapStyle (w.npz)" in rows and "LapStyle (v.npz)" in rows
    swd = [float(rows[f"LapStyle ({n}.npz)"].split("distance ")[1].split(",")[0]) for n in "wv"]
    mean_row = rows["LapStyle, mean of 2 [min, max]"]
    mean, low, high = (float(v) for v in re.search(
        r"style distance ([\d.]+) \[([\d.]+), ([\d.]+)\]", mean_row).groups())
    assert abs(mean - sum(swd) / 2) <= 0.001 and (low, high) == (min(swd), max(swd))


def test_lapstyle_quality_colour_reference_takes_the_styles_channel_statistics():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import lapstyle_quality
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rng = np.random.default_rng(0)
    contents = rng.uniform(0.3, 0.6, (2, 16, 16, 3)).astype(np.float32)
    style = np.stack([rng.uniform(0.1, 0.3, (16, 16)), rng.uniform(0.4, 0.6, (16, 16)),
                      rng.uniform(0.7, 0.9, (16, 16))], axis=-1)
    moved = lapstyle_quality.colour_statistics(contents, style)
    assert moved.shape == contents.shape and moved.min() >= 0 and moved.max() <= 1
    for image in moved:  # each image on its own: the style's per-channel mean and std
        np.testing.assert_allclose(image.mean(axis=(0, 1)), style.mean(axis=(0, 1)), atol=2e-3)
        np.testing.assert_allclose(image.std(axis=(0, 1)), style.std(axis=(0, 1)), rtol=2e-2)
    # the layout is the content's: the same order of pixels within each channel
    assert np.array_equal(np.argsort(moved[0, ..., 1], axis=None),
                          np.argsort(contents[0, ..., 1], axis=None))


def _tiny_progan(tmp_path) -> str:
    """A tiny exported ProGAN stands in for the shipped one."""
    from gan_course.models import progan

    model = progan.ProGAN(latent_dim=512, channels={4: 8, 8: 8, 16: 4, 32: 4})
    return progan.export_generator(model.generator(32, fade=False), tmp_path / "progan")


def test_inversion_ablation_spends_the_same_evaluations_on_every_row(tmp_path):
    out = _run_bench("inversion.py", "--model", _tiny_progan(tmp_path), "--ablation",
                     "--targets", "2", "--steps", "3", "--restarts", "2", "--seeds", "0")
    assert "ablation at 2 x 3 = 6 generator evaluations per target" in out
    assert out.count("source loop (200 steps, 1 latent)") == 2
    rows = [line for line in out.splitlines() if "generated " in line and " real " in line]
    assert [row.split(":")[0] for row in rows] == [
        "course", "the projector's noise 0.05", "noise 0.1", "noise 0.02", "noise 0.01",
        "constant learning rate 0.1 (no schedule)", "constant learning rate 0.01 (no schedule)",
        "1 restart x 6 steps"]


def test_inversion_perceptual_study_scores_every_term_on_both_kinds(tmp_path):
    out = _run_bench("inversion.py", "--model", _tiny_progan(tmp_path), "--perceptual-study",
                     "--targets", "2", "--steps", "1", "--seeds", "0")
    assert "perceptual study: 2 real and 2 generated targets, 1 steps" in out
    rows = {line.split(":")[0]: line for line in out.splitlines() if "angle to z*" in line}
    assert list(rows) == [
        "pixels only (no perceptual term)", "+ shipped classifier's features, weight 1",
        "+ VGG-16 (HED weights) relu2_1 + relu3_1, weight 0.1",
        "+ VGG-16 (HED weights) relu2_1 + relu3_1, weight 1",
        "+ random VGG-19 relu2_1 + relu3_1, weight 0.1"]
    for row in rows.values():
        angle = re.search(r"angle to z\* ([\d.]+) \[([\d.]+), ([\d.]+)\]", row).groups()
        assert 0 <= float(angle[1]) <= float(angle[0]) <= float(angle[2]) <= 180
        share = float(re.search(r"true class ([\d.]+)", row).group(1))
        assert share in (0.0, 0.5, 1.0)  # 2 targets, 1 seed


def test_inversion_compares_the_source_loop_with_the_course(tmp_path):
    out = _run_bench("inversion.py", "--model", _tiny_progan(tmp_path), "--targets", "2",
                     "--steps", "4", "--restarts", "2")
    assert "step time: source eager" in out and "speed-up" in out
    assert "generated targets (2):" in out and "real targets (2):" in out
    assert "latent error |z - z*| / |z*|" in out and "PSNR" in out
    assert out.count("error ratio course / source") == 2
    assert "targets met" in out.strip().splitlines()[-1]


def test_progan_growing_trains_every_variant_for_the_same_steps():
    out = _run_bench("progan_growing.py", "--scale", "0.002", "--seeds", "0", "--data",
                     "embedded", "--samples", "200")
    steps = {}
    for variant in ("growing", "no fade-in", "no growing"):
        (line,) = [x for x in out.splitlines() if x.startswith(f"seed 0, {variant}: FD ")]
        steps[variant] = int(line.split(" classes, ")[1].split(" steps")[0])
    assert steps == {"growing": 3 + 3 * 6, "no fade-in": 21, "no growing": 21}
    assert "seed 0, DCGAN: FD " in out
    summary = [x for x in out.splitlines() if x.startswith("no growing: FD ")]
    assert summary and "FD / growing's" in summary[0]


def test_toy_2d_presets_prints_each_preset_beside_the_untrained_generator():
    out = _run_bench("toy_2d_presets.py", "--steps", "20", "--seeds", "0", "1", "--presets",
                     "covers", "fast D", "--samples", "200")
    assert "real points (the floor): modes  8" in out
    assert "untrained  seed 0: modes  0" in out
    for name in ("covers", "fast D"):
        assert f"{name:<10} modes per seed" in out, out


def test_gatys_speckle_measures_each_lever_against_the_styles_own_busyness(tmp_path):
    out = _run_bench("gatys_speckle.py", "--steps", "2", "--size", "64", "--levers",
                     "learning rate 0.005", "+ total variation, weight 30",
                     "--save", str(tmp_path / "speckle.png"))
    assert "high-frequency energy: style" in out
    rows = [line for line in out.splitlines() if " speckle " in line]
    assert len(rows) == 2 and all("style distance" in r and "content SSIM" in r for r in rows)
    assert (tmp_path / "speckle.png").stat().st_size > 0


def test_high_frequency_energy_sees_speckle_and_not_smooth_shading():
    sys.path.insert(0, str(ROOT / "bench"))
    from gatys_speckle import high_frequency_energy

    smooth = np.broadcast_to(np.linspace(0, 1, 32)[None, :, None, None], (1, 32, 32, 3))
    speckled = smooth + np.random.default_rng(0).normal(0, 0.1, (1, 32, 32, 3))
    assert high_frequency_energy(smooth) < 1e-6 < 100 * 1e-6 < high_frequency_energy(speckled)


def test_latent_steering_reports_the_judges_verdict_per_class_and_method():
    out = _run_bench("latent_steering.py", "--seeds", "0", "--n", "4", "--steps", "3",
                     "--max-degrees", "10")
    for method in ("direction", "gradient"):
        assert f"| {method} | T-shirt/top |" in out and f"{method}: target held on" in out, out


def test_latent_truncation_measures_each_psi_and_audits_the_classes():
    out = _run_bench("latent_truncation.py", "--seeds", "0", "--n", "200", "--psis", "1",
                     "0.5", "--audit", "300")
    assert "scaling z by 0.3, 0.5 or 2 changes G's pixels by at most" in out
    assert "| 1 | " in out and "| 0.5 | " in out and "| Sandal" in out, out
