"""Smoke test for the benchmark scripts: they run end to end and print what bench/README reads."""

import os
import subprocess
import sys
from pathlib import Path

import imageio.v3 as imageio

ROOT = Path(__file__).resolve().parent.parent


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
