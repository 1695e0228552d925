"""Lesson 1's checks catch the usual mistakes in the losses and the training step, each with a
message that names it."""

import pytest
import tensorflow as tf

from gan_course import checks


def bce(logits, label):
    """Mean binary cross-entropy of ``logits`` against a constant ``label``, written as a
    learner would, with Keras' loss."""
    return tf.keras.losses.BinaryCrossentropy(from_logits=True)(
        tf.fill(tf.shape(logits), float(label)), logits)


def good_d_loss(real_logits, fake_logits):
    return 0.5 * (bce(real_logits, 1) + bce(fake_logits, 0))


def good_g_loss(fake_logits):
    return bce(fake_logits, 1)


def test_a_learners_keras_bce_passes():
    assert checks.ns_d_loss(good_d_loss, quiet=True).passed
    assert checks.ns_g_loss(good_g_loss, quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (lambda r, f: 0.5 * (bce(r, 0) + bce(f, 1)), "swapped"),
    (lambda r, f: bce(r, 1) + bce(f, 0), "halves are added"),
    (lambda r, f: 0.5 * (tf.reduce_sum(tf.nn.softplus(-r)) + tf.reduce_sum(tf.nn.softplus(f))),
     "a sum over the samples"),
    (lambda r, f: bce(r, 1), "fake term is missing"),
    (lambda r, f: 0.5 * bce(f, 0), "real term is missing"),
    (lambda r, f: -good_d_loss(r, f), "sign is flipped"),
])
def test_ns_d_loss_names_the_mistake(wrong, problem):
    result = checks.ns_d_loss(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


@pytest.mark.parametrize("wrong, problem", [
    (lambda f: -bce(f, 0), "minimax"),
    (lambda f: bce(f, 0), "label 1 for the fakes"),
    (lambda f: tf.reduce_sum(tf.nn.softplus(-f)), "a sum over the samples"),
    (lambda f: -bce(f, 1), "sign is flipped"),
])
def test_ns_g_loss_names_the_mistake(wrong, problem):
    result = checks.ns_g_loss(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def step(d_loss_fn=good_d_loss, g_loss_fn=good_g_loss, order="d first", one_pass=False,
         skip=""):
    """A learner's alternating step, with one thing changed."""
    def train_step(generator, discriminator, g_optimizer, d_optimizer, real, z):
        def d_turn():
            with tf.GradientTape() as tape:
                fake = generator(z, training=True)
                loss = d_loss_fn(discriminator(real, training=True),
                                 discriminator(fake, training=True))
            if skip != "d":
                variables = discriminator.trainable_variables
                grads = tape.gradient(loss, variables)
                d_optimizer.apply_gradients(zip(grads, variables, strict=True))
            return loss

        def g_turn():
            with tf.GradientTape() as tape:
                loss = g_loss_fn(discriminator(generator(z, training=True), training=True))
            if skip != "g":
                grads = tape.gradient(loss, generator.trainable_variables)
                g_optimizer.apply_gradients(zip(grads, generator.trainable_variables, strict=True))
            return loss

        if one_pass:  # both losses from one forward pass: G is judged by D before its update
            with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
                fake_logits = discriminator(generator(z, training=True), training=True)
                d_loss = d_loss_fn(discriminator(real, training=True), fake_logits)
                g_loss = g_loss_fn(fake_logits)
            d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
            d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars, strict=True))
            g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars, strict=True))
            return d_loss, g_loss
        if order == "g first":
            g_loss = g_turn()
            return d_turn(), g_loss
        d_loss = d_turn()
        return d_loss, g_turn()
    return train_step


def test_a_learners_alternating_step_passes():
    assert checks.train_step(step(), quiet=True).passed


@pytest.mark.parametrize("wrong, problem", [
    (step(one_pass=True), "used D from before D's update"),
    (step(order="g first"), "turns are in the wrong order"),
    (step(d_loss_fn=lambda r, f: good_d_loss(f, r)), "real and fake are swapped"),
    (step(g_loss_fn=lambda f: -bce(f, 0)), "minimax"),
    (step(skip="d"), "discriminator's weights did not change"),
    (step(skip="g"), "generator's weights did not change"),
    (step(g_loss_fn=lambda f: 2.0 * good_g_loss(f)), "generator's weights differ"),
])
def test_train_step_names_the_mistake(wrong, problem):
    result = checks.train_step(wrong, quiet=True)
    assert not result.passed and problem in result.message, result.message


def test_train_step_wants_both_losses_back():
    def no_losses(*args):
        step()(*args)

    result = checks.train_step(no_losses, quiet=True)
    assert not result.passed and "return (d_loss, g_loss)" in result.message


def test_a_numpy_loss_that_cannot_run_in_a_graph_is_told_so():
    """Right eagerly, but the training core traces its losses into a graph."""
    import numpy as np

    def numpy_g_loss(fake_logits):
        return np.float32(np.mean(np.log1p(np.exp(-np.asarray(fake_logits)))))

    result = checks.ns_g_loss(numpy_g_loss, quiet=True)
    assert not result.passed and "inside tf.function" in result.message, result.message
    assert "TensorFlow ops" in result.message


def probability_bce(logits, label):
    """The commonest slip: Keras' BCE without from_logits=True."""
    return tf.keras.losses.BinaryCrossentropy()(tf.fill(tf.shape(logits), float(label)), logits)


def test_bce_without_from_logits_is_named_in_both_losses():
    for result in (checks.ns_d_loss(lambda r, f: 0.5 * (probability_bce(r, 1)
                                                        + probability_bce(f, 0)), quiet=True),
                   checks.ns_g_loss(lambda f: probability_bce(f, 1), quiet=True)):
        assert not result.passed
        assert "treats logits as probabilities: pass from_logits=True" in result.message, \
            result.message


def test_fakes_made_outside_the_tapes_are_told_where_the_tape_must_be():
    def outside(generator, discriminator, g_optimizer, d_optimizer, real, z):
        fake = generator(z, training=True)  # the mistake: before both tapes
        with tf.GradientTape() as tape:
            d_loss = good_d_loss(discriminator(real, training=True),
                                 discriminator(fake, training=True))
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))
        with tf.GradientTape() as tape:
            g_loss = good_g_loss(discriminator(fake, training=True))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_variables, strict=True))
        return d_loss, g_loss

    result = checks.train_step(outside, quiet=True)
    assert not result.passed and "received no gradients" in result.message, result.message
    assert "inside the `with tf.GradientTape()` block" in result.message


def test_ds_optimizer_given_gs_variables_too_is_blamed_on_ds_turn():
    def both(generator, discriminator, g_optimizer, d_optimizer, real, z):
        variables = discriminator.trainable_variables + generator.trainable_variables
        with tf.GradientTape() as tape:
            d_loss = good_d_loss(discriminator(real, training=True),
                                 discriminator(generator(z, training=True), training=True))
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables, strict=True))
        with tf.GradientTape() as tape:
            g_loss = good_g_loss(discriminator(generator(z, training=True), training=True))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_variables, strict=True))
        return d_loss, g_loss

    result = checks.train_step(both, quiet=True)
    assert not result.passed and "D's turn moved G too" in result.message, result.message


def test_gs_turn_moving_d_too_is_blamed_on_gs_turn():
    def g_moves_d(generator, discriminator, g_optimizer, d_optimizer, real, z):
        with tf.GradientTape() as tape:
            d_loss = good_d_loss(discriminator(real, training=True),
                                 discriminator(generator(z, training=True), training=True))
        d_vars = discriminator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars, strict=True))
        both = generator.trainable_variables + discriminator.trainable_variables
        with tf.GradientTape() as tape:
            g_loss = good_g_loss(discriminator(generator(z, training=True), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, both), both, strict=True))
        return d_loss, g_loss

    result = checks.train_step(g_moves_d, quiet=True)
    assert not result.passed and "G's turn changed D too" in result.message, result.message


def test_swapped_losses_and_a_wrong_optimizer_are_named():
    result = checks.train_step(lambda *args: step()(*args)[::-1], quiet=True)
    assert not result.passed and "come back swapped" in result.message, result.message

    def wrong_optimizer(generator, discriminator, g_optimizer, d_optimizer, real, z):
        d_loss, _ = step()(generator, discriminator, g_optimizer, d_optimizer, real, z)
        with tf.GradientTape() as tape:
            g_loss = good_g_loss(discriminator(generator(z, training=True), training=True))
        g_vars = generator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars, strict=True))
        return d_loss, g_loss

    result = checks.train_step(wrong_optimizer, quiet=True)
    assert not result.passed and "apply G's gradients with g_optimizer" in result.message, \
        result.message


def test_a_loss_per_sample_is_told_to_reduce_to_one_number():
    result = checks.ns_g_loss(lambda f: tf.reduce_mean(tf.nn.softplus(-f), axis=0), quiet=True)
    assert not result.passed and "reduce over everything" in result.message, result.message
