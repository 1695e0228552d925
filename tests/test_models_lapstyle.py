import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_course import features, losses
from gan_course.layers import DiffAugment, channel_mean_std
from gan_course.models import lapstyle, receptive_field
from gan_course.training import GAN

WIDTH = 0.125  # decoders with 8 to 64 channels: tiny, same structure


@pytest.fixture(scope="module")
def encoder():
    return features.vgg_encoder("random")


def _images(n, size, seed=0):
    return np.random.default_rng(seed).random((n, size, size, 3), dtype=np.float32)


def _drafting(encoder, style_seed=1):
    keras.utils.set_random_seed(0)
    net = lapstyle.DraftingNetwork(encoder, lapstyle.build_drafting_decoder(WIDTH))
    net.set_style(_images(1, 64, seed=style_seed))
    return net


# --------------------------------------------------------------------------- builders


def test_drafting_decoder_maps_adain_features_back_to_the_image_size(encoder):
    decoder = lapstyle.build_drafting_decoder(WIDTH)
    maps = encoder(_images(2, 128))
    out = decoder([maps[1], maps[2], maps[3]])  # relu2_1, relu3_1, relu4_1
    assert tuple(out.shape) == (2, 128, 128, 3) and out.dtype == "float32"
    full = lapstyle.build_drafting_decoder()
    assert full.get_layer("conv4").layers[-1].filters == 256  # the paper's channels at width 1
    assert not any(layer.name.startswith("fit_") for layer in full.layers)
    with pytest.raises(ValueError, match="width"):
        lapstyle.build_drafting_decoder(0)


@pytest.mark.parametrize("size", [256, 512])
def test_revision_network_returns_a_residual_of_its_input_size(size):
    revision = lapstyle.build_revision_network(WIDTH)
    out = revision(np.zeros((1, size, size, 6), np.float32))
    assert tuple(out.shape) == (1, size, size, 3)
    assert revision.get_layer("down").layers[-1].strides == (2, 2)


def test_lapstyle_discriminator_is_shallow():
    d = lapstyle.build_lapstyle_discriminator()
    assert tuple(d(np.zeros((2, 40, 24, 3), np.float32)).shape) == (2, 40, 24, 1)
    assert receptive_field(d, pointwise=(keras.layers.BatchNormalization,)) == 7
    assert receptive_field(lapstyle.build_lapstyle_discriminator(n_layers=5),
                           pointwise=(keras.layers.BatchNormalization,)) == 11
    with pytest.raises(ValueError, match="n_layers"):
        lapstyle.build_lapstyle_discriminator(n_layers=1)


@pytest.mark.parametrize(("shape", "revisions", "message"), [
    ((100, 128), 1, r"multiples of 16.*96x128"),
    ((128, 130), 0, r"multiples of 8.*128x128"),
    ((256, 200), 2, r"multiples of 32.*256x192"),
])
def test_sizes_that_do_not_fit_are_refused_with_a_fix(shape, revisions, message):
    with pytest.raises(ValueError, match=message):
        lapstyle.check_lapstyle_size(*shape, revisions=revisions)
    lapstyle.check_lapstyle_size(512, 256, revisions=2)  # fits: no error


# --------------------------------------------------------------------------- drafting


def test_drafting_network_keeps_the_style_statistics_and_trains_only_its_decoder(encoder):
    net = _drafting(encoder)
    style_maps = net.draft_features(_images(1, 64, seed=1))
    for feature, mean, std in zip(style_maps, net.style_mean, net.style_std, strict=True):
        want_mean, want_std = channel_mean_std(feature)
        np.testing.assert_allclose(mean.numpy(), np.ravel(want_mean), rtol=1e-5)
        np.testing.assert_allclose(std.numpy(), np.ravel(want_std), rtol=1e-5)
    content = _images(2, 32)
    assert tuple(net(content).shape) == (2, 32, 32, 3)
    assert len(net.trainable_variables) == len(net.decoder.trainable_variables)
    before = net(content).numpy()
    net.set_style(_images(1, 64, seed=5))
    assert not np.allclose(before, net(content).numpy())
    with pytest.raises(ValueError, match="multiples of 8"):
        net(_images(1, 36))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        net.set_style(2.0 * _images(1, 32))
    with pytest.raises(ValueError, match="relu2_1"):
        lapstyle.DraftingNetwork(features.vgg_encoder("random", ("relu1_1",)))


# --------------------------------------------------------------------------- the pyramid


def test_lapstyle_net_adds_each_band_on_top_of_the_draft(encoder):
    draft = _drafting(encoder)
    revisions = [lapstyle.build_revision_network(WIDTH), lapstyle.build_revision_network(WIDTH)]
    for revision in revisions:  # zero residuals: the output is the upsampled draft
        revision.set_weights([np.zeros_like(w) for w in revision.get_weights()])
    net = lapstyle.LapStyleNet(draft, revisions)
    content = _images(1, 128)
    out = net(content)
    assert tuple(out.shape) == (1, 128, 128, 3)
    low = tf.image.resize(tf.image.resize(draft(features_low(content, 2)), (64, 64)), (128, 128))
    np.testing.assert_allclose(out, low, atol=1e-4)
    # only the last revision trains; the draft and earlier revisions are frozen
    assert {id(v) for v in net.trainable_variables} == {
        id(v) for v in revisions[1].trainable_variables}
    with pytest.raises(ValueError, match="multiples of 32"):
        net(_images(1, 112))


def features_low(content, levels):
    """The pyramid's low-pass residual after ``levels`` steps down."""
    from gan_course.image_ops import laplacian_pyramid

    return laplacian_pyramid(tf.convert_to_tensor(content), levels + 1)[-1]


def test_a_revision_can_be_stacked_again_for_a_higher_resolution(encoder):
    draft = _drafting(encoder)
    first, second = lapstyle.build_revision_network(WIDTH), lapstyle.build_revision_network(WIDTH)
    at_128 = lapstyle.LapStyleNet(draft, [first, second])
    at_256 = lapstyle.LapStyleNet(draft, [first, second, second], train=())
    assert tuple(at_256(_images(1, 256)).shape) == (1, 256, 256, 3)
    assert not at_256.trainable_variables
    assert at_128.count_params() == at_256.count_params()  # the same weights, used twice
    with pytest.raises(ValueError, match="at least one revision"):
        lapstyle.LapStyleNet(draft, [])


# --------------------------------------------------------------------------- training stages


def _stage_data(size, n=4, batch=2):
    style_crops, content = _images(n, size, seed=3), _images(n, size, seed=4)
    return tf.data.Dataset.from_tensor_slices((style_crops, content)).repeat().batch(batch)


def test_the_drafting_stage_trains_through_the_core_without_a_discriminator(encoder):
    draft = _drafting(encoder)
    gan = GAN(draft, None, latent_dim=None,
              g_terms={"perceptual": lapstyle.perceptual_terms(encoder)})
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-4))
    before = [w.copy() for w in draft.decoder.get_weights()]
    style_stats = [w.numpy().copy() for w in draft.style_mean]
    logs = gan.fit(_stage_data(32), epochs=1, steps_per_epoch=2, verbose=0).history
    assert set(logs) == {"g_loss", "g_content", "g_style", "g_relaxed_emd", "g_self_similarity"}
    assert all(np.isfinite(v[-1]) and v[-1] > 0 for v in logs.values())
    assert logs["g_loss"][-1] == pytest.approx(sum(logs[k][-1] for k in logs if k != "g_loss"),
                                               rel=1e-4)
    assert any(not np.allclose(a, b) for a, b in zip(before, draft.decoder.get_weights(),
                                                     strict=True))
    for kept, now in zip(style_stats, draft.style_mean, strict=True):
        np.testing.assert_array_equal(kept, now.numpy())


def test_the_drafting_stage_with_identity_terms_trains_the_decoder_to_give_the_content_back(
        encoder):
    draft = _drafting(encoder)
    terms = lapstyle.perceptual_terms(encoder, identity=draft)
    assert terms.parts[-2:] == ("identity_pixels", "identity_features")
    content = _images(2, 32, 4)
    back = draft.reconstruct(content)  # untrained: far outside [0, 1], as in training
    compiled = tf.function(terms)  # as in training: VGG checks its input range only eagerly
    parts = compiled(tf.constant(_images(2, 32, 3)), draft(content), tf.constant(content))
    assert float(parts["identity_pixels"]) == pytest.approx(
        50.0 * float(np.mean((np.asarray(back) - content) ** 2)), rel=1e-4)
    features = tf.function(lambda images: losses.feature_mse(encoder(images), encoder(content)))
    assert float(parts["identity_features"]) == pytest.approx(float(features(back)), rel=1e-4)
    keras.utils.set_random_seed(1)
    gan = GAN(draft, None, latent_dim=None, g_terms={"perceptual": terms})
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3))
    data = tf.data.Dataset.from_tensors((_images(2, 32, 3), content)).repeat()
    logs = gan.fit(data, epochs=1, steps_per_epoch=15, verbose=0).history
    assert {"g_identity_pixels", "g_identity_features"} <= set(logs)
    after = float(np.mean((np.asarray(draft.reconstruct(content)) - content) ** 2))
    assert after < float(np.mean((np.asarray(back) - content) ** 2))  # it learned to give c back
    no_pixels = lapstyle.perceptual_terms(encoder, identity=draft, weights={
        **losses.LAPSTYLE_LOSS_WEIGHTS, "identity_pixels": 0.0})
    zero = tf.function(no_pixels)(tf.constant(_images(2, 32, 3)), draft(content),
                                  tf.constant(content))
    assert float(zero["identity_pixels"]) == 0.0
    with pytest.raises(ValueError, match="DraftingNetwork"):
        lapstyle.perceptual_terms(encoder, identity=encoder)


def test_the_revision_stage_trains_adversarially_and_leaves_the_draft_alone(encoder):
    draft = _drafting(encoder)
    revision = lapstyle.build_revision_network(WIDTH)
    generator = lapstyle.LapStyleNet(draft, [revision])
    gan = GAN(generator, lapstyle.build_lapstyle_discriminator(), latent_dim=None,
              discriminator_sees_condition=False, augment=DiffAugment(seed=0),
              g_terms={"perceptual": lapstyle.perceptual_terms(encoder)})
    gan.compile()
    draft_before = [w.copy() for w in draft.get_weights()]
    revision_before = [w.copy() for w in revision.get_weights()]
    logs = gan.fit(_stage_data(64), epochs=1, steps_per_epoch=2, verbose=0).history
    assert {"d_loss", "g_gan", "g_content", "g_relaxed_emd"} <= set(logs)
    assert all(np.isfinite(v[-1]) for v in logs.values())
    for a, b in zip(draft_before, draft.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(revision_before, revision.get_weights(),
                                                     strict=True))


def test_perceptual_terms_match_the_losses_and_check_their_weights(encoder):
    terms = lapstyle.perceptual_terms(encoder, remd_layers=("relu4_1",))
    style, fake, content = _images(2, 32, 1), _images(2, 32, 2), _images(2, 32, 3)
    parts = terms(tf.constant(style), tf.constant(fake), tf.constant(content))
    out, s = encoder(fake), encoder(style)
    assert float(parts["style"]) == pytest.approx(3.0 * float(losses.style_loss(out, s)),
                                                  rel=1e-4)
    assert float(parts["relaxed_emd"]) == pytest.approx(
        10.0 * float(losses.relaxed_emd([out[3]], [s[3]])), rel=1e-4)
    same = terms(tf.constant(style), tf.constant(content), tf.constant(content))
    assert float(same["content"]) == pytest.approx(0.0, abs=1e-5)
    assert float(same["self_similarity"]) == pytest.approx(0.0, abs=1e-5)
    with pytest.raises(ValueError, match="lacks"):
        lapstyle.perceptual_terms(encoder, weights={"content": 1.0})
    with pytest.raises(ValueError, match="relu9_1"):
        lapstyle.perceptual_terms(encoder, remd_layers=("relu9_1",))


# --------------------------------------------------------------------------- weights on disk


def test_lapstyle_weights_round_trip_in_float16(encoder, tmp_path):
    draft = _drafting(encoder)
    revision = lapstyle.build_revision_network(WIDTH)
    path = lapstyle.save_lapstyle_weights(tmp_path / "w.npz", draft, [revision], {"steps": 3})
    again = lapstyle.save_lapstyle_weights(tmp_path / "again.npz", draft, [revision],
                                           {"steps": 3})
    assert path.read_bytes() == again.read_bytes()  # same weights, same file
    loaded, revisions, record = lapstyle.load_lapstyle_weights(path, encoder)
    assert record["steps"] == 3 and record["decoder_width"] == WIDTH
    stale = {"steps": 3, "revision_widths": [9.0], "encoder_weights": "imagenet"}  # reloaded
    lapstyle.save_lapstyle_weights(tmp_path / "again.npz", loaded, revisions, stale)
    assert lapstyle.load_lapstyle_weights(tmp_path / "again.npz", encoder)[2][
        "revision_widths"] == [WIDTH]  # what the file holds, not what a stale record says
    assert record["encoder_weights"] == "random"
    content = _images(1, 64)
    want = lapstyle.LapStyleNet(draft, [revision])(content)
    got = lapstyle.LapStyleNet(loaded, revisions)(content)
    np.testing.assert_allclose(got, want, atol=2e-2 * float(np.abs(want).max()))
    np.testing.assert_allclose(loaded.style_std[2].numpy(), draft.style_std[2].numpy(),
                               rtol=1e-3)


def test_lapstyle_weights_refuse_the_wrong_encoder_and_bad_files(encoder, tmp_path):
    path = lapstyle.save_lapstyle_weights(tmp_path / "w.npz", _drafting(encoder),
                                          [lapstyle.build_revision_network(WIDTH)])
    imagenet_like = features.VGGEncoder(encoder.model, "imagenet", encoder.layers,
                                        encoder.scales)
    with pytest.raises(ValueError, match="trained with the 'random' encoder"):
        lapstyle.load_lapstyle_weights(path, imagenet_like)
    with pytest.raises(FileNotFoundError, match="tools/train_lapstyle.py"):
        lapstyle.load_lapstyle_weights(tmp_path / "missing.npz", encoder)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="unreadable or corrupt"):
        lapstyle.load_lapstyle_weights(corrupt, encoder)
    import zipfile

    cut = tmp_path / "cut.npz"  # a weight missing: not the architecture this version builds
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(cut, "w") as target:
        for item in source.namelist():
            if item != "revision0/0003.npy":
                target.writestr(item, source.read(item))
    with pytest.raises(ValueError, match="do not match the revision0 network"):
        lapstyle.load_lapstyle_weights(cut, encoder)


def test_upsampled_draft_is_the_lapstyle_output_without_revisions(encoder):
    draft = _drafting(encoder)
    revision = lapstyle.build_revision_network(WIDTH)
    for variable in revision.trainable_variables:  # a revision that adds nothing
        variable.assign(tf.zeros_like(variable))
    content = _images(2, 128)
    plain = lapstyle.upsampled_draft(draft, content, revisions=1)
    assert plain.shape == (2, 128, 128, 3)
    np.testing.assert_allclose(plain, lapstyle.LapStyleNet(draft, [revision])(content),
                               atol=1e-5)
    low = draft(tf.image.resize(content, (64, 64)))  # not the pyramid's blur: differs a little
    assert not np.allclose(plain, tf.image.resize(low, (128, 128)), atol=1e-6)
    with pytest.raises(ValueError, match="multiples of 16"):
        lapstyle.upsampled_draft(draft, _images(1, 120), revisions=1)


def test_draft_with_content_bands_pastes_the_content_detail_onto_the_draft(encoder):
    from gan_course import image_ops

    content = _images(2, 128)
    # a "draft" that returns its input: pasting the bands back gives the content itself
    same = lapstyle.draft_with_content_bands(lambda x, training=False: x, content, revisions=2)
    np.testing.assert_allclose(same, content, atol=1e-5)
    # a real draft: the output differs from the content only by the upsampled draft error
    draft = _drafting(encoder)
    control = keras.ops.convert_to_numpy(
        lapstyle.draft_with_content_bands(draft, content, revisions=2))
    pyramid = image_ops.laplacian_pyramid(content, 3)
    error = draft(pyramid[-1]) - pyramid[-1]
    expected = image_ops.fold_laplacian_pyramid([tf.zeros_like(b) for b in pyramid[:-1]]
                                                + [error])
    np.testing.assert_allclose(control - content, expected, atol=1e-4)
    assert np.abs(control - content).mean() > 1e-3  # the draft did change the image
    with pytest.raises(ValueError, match="multiples of 32"):
        lapstyle.draft_with_content_bands(draft, _images(1, 112), revisions=2)


def test_shipped_lapstyle_loads_only_for_its_style_and_encoder(capsys):
    encoder = features.vgg_encoder()  # the course's encoder, which the shipped file was trained on
    assert lapstyle.shipped_lapstyle("kandinsky_composition_7", encoder) is None
    assert "none ships for the style 'kandinsky_composition_7'" in capsys.readouterr().out
    imagenet_like = features.VGGEncoder(encoder.model, "imagenet", encoder.layers,
                                        encoder.scales)
    assert lapstyle.shipped_lapstyle("stained_glass_flower", imagenet_like) is None
    said = capsys.readouterr().out
    assert "trained with the 'hed' encoder, not the 'imagenet' one" in said
    assert said.count("\n") == 1
    assert lapstyle.shipped_lapstyle("stained_glass_flower", features.vgg_encoder("random")) is None
    assert "trained with the 'hed' encoder, not the 'random' one" in capsys.readouterr().out
    drafting, revisions, record = lapstyle.shipped_lapstyle("stained_glass_flower", encoder)
    said = capsys.readouterr().out
    assert said.startswith("Shipped LapStyle for stained_glass_flower") and "draft" in said
    assert len(revisions) == 2 and record["style"] == "stained_glass_flower"
    assert record["encoder_sha256"] == features.weights_checksum(encoder.model)
    out = lapstyle.LapStyleNet(drafting, revisions)(_images(1, 128)).numpy()
    assert out.shape == (1, 128, 128, 3) and np.isfinite(out).all()


def test_the_official_optimiser_decays_the_learning_rate_inversely_with_the_step():
    optimizer = lapstyle.lapstyle_adam(2e-4)
    assert float(optimizer.learning_rate) == pytest.approx(2e-4)
    optimizer.iterations.assign(20_000)
    assert float(optimizer.learning_rate) == pytest.approx(2e-4 / 2)  # 1 + 5e-5 * 20,000 = 2
    assert (optimizer.beta_1, optimizer.beta_2) == (0.9, 0.999)
    for crop, side in lapstyle.STYLE_SIDES.items():  # crops of the style always fit
        assert side > crop and lapstyle.STYLE_SIDES[crop] / crop < 1.1


def test_comparison_rows_are_the_draft_the_control_and_lapstyle_timed(encoder):
    content = _images(2, 64)
    draft = _drafting(encoder)
    revision = lapstyle.build_revision_network(0.125)
    rows = lapstyle.comparison_rows(draft, [revision], content, "mine", levels=1)
    assert list(rows) == [f"{name} (mine)" for name in lapstyle.COMPARISON_ROWS]
    expected = (lapstyle.upsampled_draft(draft, content, revisions=1),
                lapstyle.draft_with_content_bands(draft, content, revisions=1),
                lapstyle.LapStyleNet(draft, [revision])(content))
    for (images, seconds), want in zip(rows.values(), expected, strict=True):
        assert images.shape == (2, 64, 64, 3) and seconds > 0
        np.testing.assert_allclose(images, np.clip(keras.ops.convert_to_numpy(want), 0, 1),
                                   atol=1e-4)
    with pytest.raises(ValueError, match="mine: 1 revision network"):
        lapstyle.comparison_rows(draft, [revision], content, "mine", levels=2)
