"""Multiclass SVM and softmax losses against the notes' hand-computed values."""

import math

import keras
import numpy as np
import pytest

from dl_pipelines.pipelines.image_classification.linear_losses import (
    CLASSIFICATION_LOSSES,
    multiclass_svm_loss,
    softmax_cross_entropy,
)

# The notes' scores of one image for the classes cat, car, frog.
CAT_CAR_FROG = np.array([[3.2, 5.1, -1.7]], dtype="float32")


def _value(loss, y, scores):
    return np.asarray(loss(np.asarray(y), scores.astype("float32")))


def test_svm_loss_of_the_notes_example():
    # cat correct: max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9
    assert _value(multiclass_svm_loss, [0], CAT_CAR_FROG) == pytest.approx([2.9], abs=1e-5)


def test_svm_loss_of_the_notes_three_images():
    scores = np.array([[3.2, 1.3, 2.2], [5.1, 4.9, 2.5], [-1.7, 2.0, -3.1]]).T
    losses = _value(multiclass_svm_loss, [0, 1, 2], scores)
    np.testing.assert_allclose(losses, [2.9, 0.0, 12.9], atol=1e-5)
    assert losses.mean() == pytest.approx(5.27, abs=0.01)


def test_svm_loss_is_zero_once_the_margin_is_met():
    assert _value(multiclass_svm_loss, [1], np.array([[0.0, 1.0, 0.0]])) == [0.0]
    assert _value(multiclass_svm_loss, [1], np.array([[0.0, 0.99, 0.0]])) == pytest.approx(
        [0.02], abs=1e-5
    )


def test_svm_loss_with_equal_scores_is_classes_minus_one():
    # the notes' sanity check: W ≈ 0 gives s ≈ 0 and L = C − 1
    assert _value(multiclass_svm_loss, [4], np.zeros((1, 10))) == pytest.approx([9.0])


def test_softmax_loss_of_the_notes_example():
    assert _value(softmax_cross_entropy, [0], CAT_CAR_FROG) == pytest.approx([2.04], abs=0.005)
    probabilities = np.exp(CAT_CAR_FROG[0]) / np.exp(CAT_CAR_FROG[0]).sum()
    assert _value(softmax_cross_entropy, [0], CAT_CAR_FROG)[0] == pytest.approx(
        -math.log(probabilities[0]), rel=1e-5
    )


def test_softmax_loss_of_small_random_scores_is_log_c():
    scores = np.random.default_rng(0).normal(0, 1e-3, size=(256, 10))
    labels = np.random.default_rng(1).integers(0, 10, 256)
    assert _value(softmax_cross_entropy, labels, scores).mean() == pytest.approx(
        math.log(10), abs=1e-3
    )
    assert math.log(10) == pytest.approx(2.3, abs=0.01)


def test_softmax_loss_does_not_overflow_and_matches_keras():
    scores = np.array([[1000.0, 0.0, -1000.0], [2.0, 1.0, 0.1]], dtype="float32")
    ours = _value(softmax_cross_entropy, [0, 2], scores)
    assert np.isfinite(ours).all()
    reference = keras.losses.sparse_categorical_crossentropy(
        np.array([0, 2]), scores, from_logits=True
    )
    np.testing.assert_allclose(ours, np.asarray(reference), rtol=1e-5)


def test_labels_of_shape_n_by_1_are_accepted():
    assert _value(softmax_cross_entropy, [[0]], CAT_CAR_FROG) == pytest.approx([2.04], abs=0.005)
    assert _value(multiclass_svm_loss, [[0]], CAT_CAR_FROG) == pytest.approx([2.9], abs=1e-5)


def test_losses_are_registered_by_name():
    assert set(CLASSIFICATION_LOSSES) == {"svm", "softmax"}
    for function in CLASSIFICATION_LOSSES.values():
        assert keras.saving.get_registered_object(f"dl_pipelines>{function.__name__}") is function


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape")
def test_gradient_of_the_svm_loss_moves_scores_apart():
    import tensorflow as tf  # the test, not the model code, uses TensorFlow for the gradient

    scores = tf.Variable(CAT_CAR_FROG)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(multiclass_svm_loss(np.array([0]), scores))
    gradient = tape.gradient(loss, scores).numpy()[0]
    # one violated margin (car): push car down, cat up; frog meets the margin: no change
    np.testing.assert_allclose(gradient, [-1.0, 1.0, 0.0])
