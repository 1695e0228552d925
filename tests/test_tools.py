"""The trainers of shipped files run, resume, and write what their loaders read."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each trainer runs end to end (up to a minute): `slow`, so the runs on other stacks (make
# test-colab, make test-oldest) leave them to `make test`.
pytestmark = pytest.mark.slow


def _run_tool(script, *args):
    env = dict(os.environ, GAN_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / script), *args],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    return result


def test_train_colouriser_writes_a_loadable_colouriser_and_resumes(tmp_path):
    from gan_course.models import pix2pix

    out, work = tmp_path / "colouriser.npz", tmp_path / "work"
    first = _run_tool("train_colouriser.py", "--steps", "100", "--out", str(out),
                      "--work", str(work), "--eval-images", "200")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "grey input (ab = 0)" in first.stdout and "constant colour" in first.stdout
    assert "sha256" in first.stdout.splitlines()[-1]
    generator, record = pix2pix.load_colouriser(out)
    assert record["steps"] == 100 and record["image_size"] == 32
    assert record["held_out"].startswith("the first 200 embedded test images")
    assert set(record["scores"]) == {"grey input (ab = 0)", "constant colour (training mean)",
                                     "cGAN + L1 (this colouriser)"}
    assert generator.output_shape == (None, 32, 32, 2)
    # a second run with more steps continues from the checkpoint instead of starting again
    second = _run_tool("train_colouriser.py", "--steps", "200", "--out", str(out),
                       "--work", str(work), "--eval-images", "200")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resum" in second.stdout.lower()
    assert pix2pix.load_colouriser(out)[1]["steps"] == 200
    # a --steps that is not a multiple of 100 is refused, not silently rounded
    odd = _run_tool("train_colouriser.py", "--steps", "250", "--out", str(out), "--work",
                    str(tmp_path / "other"))
    assert odd.returncode != 0 and "multiple of 100" in odd.stderr + odd.stdout


def test_the_shipped_colouriser_record_holds_its_scores():
    with np.load(ROOT / "data" / "fashion_mnist_colouriser.npz") as archive:
        record = json.loads(str(archive["record"]))
    scores = record["scores"]
    shipped = scores["cGAN + L1 (this colouriser)"]
    assert shipped["ab_histogram"] > scores["grey input (ab = 0)"]["ab_histogram"]
    assert shipped["ciede2000"] < scores["constant colour (training mean)"]["ciede2000"]
    assert 0.8 <= shipped["colourfulness_ratio"] <= 1.2


def test_train_lapstyle_keeps_each_stage_and_retrains_revisions_with_another_seed(tmp_path):
    from gan_course import data, features
    from gan_course.models import lapstyle

    out = tmp_path / "lapstyle.npz"
    first = _run_tool("train_lapstyle.py", "--draft-steps", "1", "--revision-steps", "0",
                      "--second-revision-steps", "0", "--out", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    assert "sha256" in first.stdout.splitlines()[-1]
    assert "encoder: VGG-16 with HED's weights" in first.stdout  # the default encoder
    encoder = features.vgg_encoder("hed")
    drafting, revisions, record = lapstyle.load_lapstyle_weights(out, encoder)
    assert revisions == [] and record["draft"]["steps"] == 1
    assert record["encoder_weights"] == "hed"
    assert record["draft"]["identity_losses"] and "g_identity_pixels" in record["draft"][
        "last_losses"]
    assert record["content_split"]["validation"] == list(data.STYLE_CONTENT_SPLIT["validation"])
    # the same draft, a revision trained with seed 1: the draft's weights are kept
    second = tmp_path / "seed1.npz"
    again = _run_tool("train_lapstyle.py", "--continue-from", str(out), "--retrain-revisions",
                      "--seed", "1", "--revision-steps", "1", "--second-revision-steps", "0",
                      "--out", str(second))
    assert again.returncode == 0, again.stderr[-2000:]
    drafting2, revisions2, record2 = lapstyle.load_lapstyle_weights(second, encoder)
    assert len(revisions2) == 1 and record2["revision"]["seed"] == 1
    assert record2["draft"] == record["draft"]
    assert record2["revision_loss_weights"] == lapstyle.REVISION_LOSS_WEIGHTS  # the default
    assert lapstyle.REVISION_LOSS_WEIGHTS["content"] == 4.0
    for kept, loaded in zip(drafting.get_weights(), drafting2.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, loaded)
    refused = _run_tool("train_lapstyle.py", "--continue-from", str(out), "--retrain-revisions",
                        "--revision-loss-weight", "contents=4", "--out", str(second))
    assert refused.returncode != 0 and "NAME one of content, style" in refused.stderr
    # continuing a file that has a revision keeps its revision weights; changing them is refused
    refused = _run_tool("train_lapstyle.py", "--continue-from", str(second),
                        "--revision-loss-weight", "content=1", "--second-revision-steps", "1",
                        "--out", str(tmp_path / "mixed.npz"))
    assert refused.returncode != 0 and "cannot change them" in refused.stderr
    refused = _run_tool("train_lapstyle.py", "--retrain-revisions", "--out", str(second))
    assert refused.returncode != 0 and "needs --continue-from" in refused.stderr
    # a run that continues a file keeps its encoder: another one is refused before training
    refused = _run_tool("train_lapstyle.py", "--continue-from", str(out), "--encoder", "random",
                        "--out", str(tmp_path / "other.npz"))
    assert refused.returncode != 0 and "trained with --encoder hed" in refused.stderr
