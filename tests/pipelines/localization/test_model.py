"""Localization targets, decoding and the notes' composite loss."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.localization.model import build_localizer, layout, localization_loss
from dl_pipelines.pipelines.localization.targets import decode_outputs, encode_targets


def _packed() -> dict[str, np.ndarray]:
    return {
        "images": np.zeros((3, 32, 64, 3), dtype=np.uint8),
        "image_size": np.array([32, 64]),
        "boxes": np.array([[8.0, 4.0, 24.0, 20.0], [0.0, 0.0, 64.0, 32.0]], "float32"),
        "box_classes": np.array([2, 0]),
        "box_image": np.array([0, 2]),
        "keypoints": np.arange(16, dtype="float32").reshape(2, 4, 2),
    }


def test_targets_follow_the_notes_vector() -> None:
    y = encode_targets(_packed(), num_classes=4)
    assert y.shape == (3, 1 + 4 + 4 + 8)
    # p_c, b_x, b_y, b_h, b_w (shares of the side), one-hot class
    np.testing.assert_allclose(y[0, :9], [1, 16 / 64, 12 / 32, 16 / 32, 16 / 64, 0, 0, 1, 0])
    assert (y[1] == 0).all()  # no object: all zeros
    np.testing.assert_allclose(y[2, 1:5], [0.5, 0.5, 1.0, 1.0])


def test_encoding_round_trips_through_decoding() -> None:
    data = _packed()
    out = decode_outputs(encode_targets(data, 4), (32, 64), 4)
    np.testing.assert_allclose(out["boxes"][[0, 2]], data["boxes"], atol=1e-4)
    np.testing.assert_allclose(out["landmarks"][[0, 2]], data["keypoints"], atol=1e-4)
    assert out["classes"][[0, 2]].tolist() == [2, 0]
    assert out["p_c"].tolist() == [1, 0, 1]


def test_composite_loss_ignores_everything_but_p_c_without_an_object() -> None:
    from keras import ops

    loss = localization_loss(num_classes=4, n_landmarks=4, box_weight=1.0, landmark_weight=1.0)
    y = encode_targets(_packed(), 4)
    noise = np.random.default_rng(0).uniform(0.05, 0.95, y.shape).astype("float32")

    def value(truth, prediction):
        return ops.convert_to_numpy(
            loss(ops.convert_to_tensor(truth), ops.convert_to_tensor(prediction))
        )

    # no object, p̂_c = 0.2: only −log(0.8), whatever the rest of the prediction says
    prediction = noise.copy()
    prediction[1, 0] = 0.2
    assert value(y, prediction)[1] == pytest.approx(-np.log(0.8), rel=1e-5)
    # an object predicted exactly except for the box: BCE(1, p̂) + mean squared box error
    exact = np.clip(y.copy(), 1e-7, 1 - 1e-7)
    exact[0, 1:5] += np.array([0.1, -0.1, 0.0, 0.2], dtype="float32")
    assert value(y, exact)[0] == pytest.approx((0.01 + 0.01 + 0.04) / 4, abs=1e-4)


def test_model_outputs_the_vector_with_valid_parts() -> None:
    model = build_localizer((32, 32), 4, 4, (4, 8), 8, 0.0)
    y = model.predict(
        np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"), verbose=0
    )
    parts = layout(4, 4)
    assert y.shape == (2, 17)
    np.testing.assert_allclose(y[:, parts["classes"]].sum(axis=1), 1.0, rtol=1e-5)
    assert ((y >= 0) & (y <= 1)).all()


def _params() -> dict:
    return {
        "classes": ["ellipse", "rectangle", "triangle", "cross"],
        "count": 10,
        "scenes": {"image_size": [32, 32], "objects": [1, 1], "object_size": [0.3, 0.6]},
        "split": {"train": 0.8, "val": 0.1, "test": 0.1},
    }


def test_several_objects_or_missing_keypoints_are_rejected_naming_the_file() -> None:
    from dl_pipelines.pipelines.localization.nodes import make_scenes

    record = {
        "name": "two.png",
        "image": np.zeros((32, 32, 3), dtype=np.uint8),
        "boxes": np.array([[1.0, 1, 9, 9], [2, 2, 8, 8]]),
        "labels": ["ellipse"] * 2,
        "keypoints": np.ones((2, 4, 2)),
    }
    with pytest.raises(ValueError, match="two.png: 2 objects.*one object"):
        make_scenes([record], {}, _params(), 0)
    one = {
        **record,
        "boxes": record["boxes"][:1],
        "labels": ["ellipse"],
        "keypoints": np.full((1, 4, 2), np.nan),
    }
    with pytest.raises(ValueError, match="two.png: the object needs its 4 visible keypoints"):
        make_scenes([one], {}, _params(), 0)
    with pytest.raises(ValueError, match="at most"):
        make_scenes([], {}, {**_params(), "scenes": {**_params()["scenes"], "objects": [1, 2]}}, 0)


def test_default_scenes_need_the_default_classes() -> None:
    from dl_pipelines.pipelines.localization.nodes import make_scenes

    photos = {"grey": np.full((40, 40, 3), 90, dtype=np.uint8)}
    with pytest.raises(ValueError, match="default scenes draw the classes"):
        make_scenes([], photos, {**_params(), "classes": ["cat", "dog"]}, 0)
    scenes = make_scenes([], photos, _params(), 0)
    assert scenes["images"].shape == (10, 32, 32, 3)
