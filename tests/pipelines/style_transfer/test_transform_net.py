"""The feed-forward stylizer's transform network."""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.style_transfer import transform_net


def test_transform_net_keeps_any_size_via_padding() -> None:
    net = transform_net.build_transform_net((4, 8, 8), 1)
    out = transform_net.stylise(net, np.full((30, 37, 3), 128, np.uint8))
    assert out.shape == (30, 37, 3) and out.dtype == np.uint8
