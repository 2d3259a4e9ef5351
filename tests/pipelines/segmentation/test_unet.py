"""U-Net shapes, Dice loss and the segmentation scores against hand values."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.segmentation.evaluation import confusion, segmentation_scores
from dl_pipelines.pipelines.segmentation.unet import build_unet, dice_loss


def test_transpose_convolutions_double_the_size_back() -> None:
    model = build_unet((32, 48), num_classes=5, depth=3, width=4)
    assert model.output_shape == (None, 32, 48, 5)
    shapes = {layer.name: layer.output.shape for layer in model.layers}
    assert tuple(shapes["bottleneck_2_act"][1:]) == (4, 6, 32)  # 32/8 × 48/8, 4·2³
    assert tuple(shapes["up3_transpose"][1:]) == (8, 12, 16)
    assert tuple(shapes["up2_transpose"][1:]) == (16, 24, 8)
    assert tuple(shapes["up1_transpose"][1:]) == (32, 48, 4)
    assert tuple(shapes["up1_skip"][1:]) == (32, 48, 8)  # + the skip's 4 channels
    probabilities = model.predict(np.zeros((2, 32, 48, 3), "float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_depth_must_divide_the_image() -> None:
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth"):
        build_unet((30, 32), num_classes=2, depth=2, width=4)


def test_dice_loss_hand_values() -> None:
    from keras import ops

    labels = np.array([[[0, 1], [1, 1]]])  # 1×2×2
    perfect = np.eye(2)[labels].astype("float32")
    assert float(ops.convert_to_numpy(dice_loss(labels, perfect, epsilon=0.0))[0]) == (
        pytest.approx(0.0, abs=1e-6)
    )
    half = np.full((1, 2, 2, 2), 0.5, dtype="float32")
    # class 0: 2·0.5/(1 + 2) = 1/3; class 1: 2·1.5/(3 + 2) = 3/5 → loss 1 − (1/3 + 3/5)/2
    assert float(ops.convert_to_numpy(dice_loss(labels, half, epsilon=0.0))[0]) == (
        pytest.approx(1 - (1 / 3 + 3 / 5) / 2, rel=1e-5)
    )


def test_miou_and_pixel_accuracy_hand_values() -> None:
    truth = np.array([[0, 0, 1, 1], [0, 0, 2, 2]])
    predicted = np.array([[0, 1, 1, 1], [0, 0, 2, 0]])
    matrix = confusion(truth, predicted, 3)
    assert matrix.tolist() == [[3, 1, 0], [0, 2, 0], [1, 0, 1]]
    miou, accuracy, per_class = segmentation_scores(matrix)
    # IoU: background 3/(4+4−3) = 3/5, class 1 2/3, class 2 1/2
    np.testing.assert_allclose(per_class, [3 / 5, 2 / 3, 1 / 2])
    assert miou == pytest.approx((3 / 5 + 2 / 3 + 1 / 2) / 3)
    assert accuracy == pytest.approx(6 / 8)
    # a class absent from truth and prediction is left out of the mean
    miou4, _, per_class4 = segmentation_scores(confusion(truth, predicted, 4))
    assert np.isnan(per_class4[3]) and miou4 == pytest.approx(miou)
