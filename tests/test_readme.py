"""The README's "Train on your own images" runs as written: its blocks, copied out of the
README, each in a fresh Python process with the project's environment, on a small folder."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Train on your own images"


def readme_blocks(heading: str = SECTION) -> list[str]:
    """The ```python blocks of one README section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return re.findall(r"```python\n(.*?)```", text[start:end if end > 0 else None], re.S)


def small_photo_folder(folder: Path, n: int = 48, seed: int = 0) -> None:
    """``n`` PNGs of random crops (48-96 px) of scikit-image's colour photos."""
    from skimage import data as photos

    sources = [photos.astronaut(), photos.chelsea(), photos.coffee(), photos.rocket()]
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for i in range(n):
        image = sources[i % len(sources)]
        side = int(rng.integers(48, 97))
        top = int(rng.integers(0, image.shape[0] - side))
        left = int(rng.integers(0, image.shape[1] - side))
        iio.imwrite(folder / f"photo_{i:03d}.png", image[top:top + side, left:left + side])


def run_block(code: str, cwd: Path) -> str:
    env = {**os.environ, "GAN_COURSE_QUICK": "1", "GAN_COURSE_OFFLINE": "1",
           "GAN_COURSE_CACHE_DIR": str(cwd / "cache"), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"the README block failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_readme_blocks_are_found():
    train, reuse = readme_blocks()
    assert "models.build_dcgan(64" in train and "export_generator" in train
    assert "load_model" in reuse and "latent.invert" in reuse


@pytest.mark.slow
def test_train_on_your_own_images_runs_as_written_within_a_minute(tmp_path):
    train, reuse = readme_blocks()
    small_photo_folder(tmp_path / "my_images")
    start = time.perf_counter()
    out = run_block(train, tmp_path)
    assert "my_gan: 40 steps in total" in out and "my_gan: 60 steps in total" in out
    assert "an earlier run stopped at step 40 of the 60 planned" in out  # resumed
    kid, floor = (float(x) for x in re.search(r"KID (\S+) real-vs-real (\S+)", out).groups())
    assert np.isfinite(kid) and kid > floor  # 60 steps are not yet the data
    run = next((tmp_path / "runs" / "my_gan" / "checkpoint").glob("run-*"))
    assert sorted(p.name for p in (run / "samples").glob("*.png")) == [
        "step_0000020.png", "step_0000040.png", "step_0000060.png"]  # both sittings kept
    assert iio.imread(tmp_path / "runs" / "my_gan" / "training.gif", index=None).shape[0] == 3
    assert (run / "data.json").is_file() and (run / "history.json").is_file()
    out = run_block(reuse, tmp_path)
    error = float(re.search(r"pixel error \[(\S+)\]", out).group(1))
    assert 0 <= error < 0.5
    assert time.perf_counter() - start < 60 * (3 if os.environ.get("CI") else 1.5)
