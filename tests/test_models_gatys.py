import numpy as np
import pytest
import tensorflow as tf

from gan_course import data, features
from gan_course.models import gatys


def test_gram_matrix_matches_numpy():
    f = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    want = np.einsum("bijc,bijd->bcd", f, f) / 12.0
    np.testing.assert_allclose(gatys.gram_matrix(f), want, rtol=1e-5)
    assert np.allclose(want[0], want[0].T)  # symmetric
    shuffled = f[:, ::-1, ::-1]  # Gram matrices forget where things are
    np.testing.assert_allclose(gatys.gram_matrix(shuffled), want, rtol=1e-5)


def test_gatys_moves_the_image_towards_the_style():
    encoder = features.vgg_encoder("random", gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
    content = data.colour_photos(["coffee"])["coffee"][:32, :32].astype(np.float32) / 255.0
    style = data.offline_style_image(side=48)[:32, :32]
    seen = []
    out = gatys.gatys_transfer(content, style, steps=4, encoder=encoder,
                               callback=lambda i, image, loss: seen.append(loss))
    assert out.shape == (32, 32, 3) and 0.0 <= out.min() and out.max() <= 1.0
    assert len(seen) == 4 and seen[-1] < seen[0]
    assert not np.allclose(out, content)
    with pytest.raises(ValueError, match="steps"):
        gatys.gatys_transfer(content, style, steps=0, encoder=encoder)
    with pytest.raises(ValueError, match="must give"):
        gatys.gatys_transfer(content, style, steps=1, encoder=features.vgg_encoder("random"))
    with pytest.raises(ValueError):
        gatys.gatys_transfer(content[..., :1], style, steps=1, encoder=encoder)
    assert tf.is_tensor(gatys.gram_matrix(np.ones((1, 2, 2, 3), np.float32)))


def test_gatys_stops_when_its_time_budget_is_spent():
    encoder = features.vgg_encoder("random", gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
    content = data.colour_photos(["coffee"])["coffee"][:32, :32].astype(np.float32) / 255.0
    style = data.offline_style_image(side=48)[:32, :32]
    steps = []
    gatys.gatys_transfer(content, style, steps=50, encoder=encoder, seconds=1e-6,
                         callback=lambda i, *_: steps.append(i))
    assert steps == [1]  # the first step spends the budget
    steps.clear()
    gatys.gatys_transfer(content, style, steps=3, encoder=encoder, seconds=600,
                         callback=lambda i, *_: steps.append(i))
    assert steps == [1, 2, 3]
    with pytest.raises(ValueError, match="seconds"):
        gatys.gatys_transfer(content, style, steps=3, encoder=encoder, seconds=0)


def test_gatys_transfer_all_runs_each_image_and_counts_its_steps():
    encoder = features.vgg_encoder("random", gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
    photo = data.colour_photos(["coffee"])["coffee"].astype(np.float32) / 255.0
    contents = np.stack([photo[:32, :32], photo[100:132, 200:232]])
    style = data.offline_style_image(side=48)[:32, :32]
    outputs, steps, seconds = gatys.gatys_transfer_all(contents, style, steps=2, encoder=encoder)
    assert outputs.shape == (2, 32, 32, 3) and steps == [2, 2] and seconds > 0
    np.testing.assert_allclose(outputs[1], gatys.gatys_transfer(contents[1], style, steps=2,
                                                                encoder=encoder), atol=1e-5)
    _, steps, _ = gatys.gatys_transfer_all(contents, style, steps=50, encoder=encoder,
                                           seconds=1e-6)
    assert steps == [1, 1]  # the budget is per image
    with pytest.raises(ValueError, match="a batch"):
        gatys.gatys_transfer_all(contents[0], style, steps=1, encoder=encoder)
