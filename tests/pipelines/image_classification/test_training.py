"""Training helpers of one zoo member: augmentation, the input wrapper, templates."""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.image_classification import params as cfg
from tests.pipelines.image_classification.conftest import BASE


def test_shift_augmentation_moves_pixels_within_bounds():
    from dl_pipelines.pipelines.image_classification.training import shift_and_flip

    x = np.zeros((50, 6, 6, 1), dtype=np.uint8)
    x[:, 2:4, 2:4] = 200
    out = shift_and_flip(1, False)(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert (out.reshape(50, -1).sum(axis=1) == 4 * 200).all()  # nothing falls off
    assert not np.array_equal(out, x)
    moved = {tuple(np.argwhere(image[..., 0])[0]) for image in out}
    assert moved <= {(r, c) for r in (1, 2, 3) for c in (1, 2, 3)}
    flipped = shift_and_flip(0, True)(x[:, :, ::-1].copy(), np.random.default_rng(1))
    assert flipped.sum() == x.sum()


def test_member_wrapper_resizes_and_rescales():
    from dl_pipelines.pipelines.image_classification.training import build_member, input_size

    member = cfg.member(cfg.load_config(BASE), "lenet5")
    model, core = build_member("lenet5", member, (8, 8, 1), 10)
    assert model.input_shape == (None, 8, 8, 1) and core.input_shape == (None, 32, 32, 1)
    assert model.count_params() == core.count_params() == 61706
    assert model(np.full((2, 8, 8, 1), 255.0, "float32")).shape == (2, 10)
    effnet = cfg.MemberParams(builder="efficientnet", options={"phi": 2})
    assert input_size(effnet, (8, 8)) == (44, 44)
    linear = cfg.MemberParams(builder="linear")
    assert input_size(linear, (28, 28)) == (28, 28)


def test_linear_templates_are_one_image_per_class():
    from dl_pipelines.pipelines.image_classification.training import (
        build_member,
        linear_templates,
    )

    model, core = build_member("lin", cfg.MemberParams(builder="linear"), (8, 8, 1), 10)
    templates = linear_templates(model)
    assert templates.shape == (10, 8, 8)
    kernel = np.asarray(core.get_layer("logits").kernel)
    np.testing.assert_array_equal(templates[3].ravel(), kernel[:, 3])
