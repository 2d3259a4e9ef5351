"""``style_transfer_apply``: the style by name or file, the method, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.style_transfer import apply, nodes, transform_net
from dl_pipelines.pipelines.style_transfer.images import fit_long_side
from dl_pipelines.pipelines.style_transfer.params import ApplyParams
from dl_pipelines.runtime.config import parse

APPLY = {"content": "x.jpg", "image_size": 40}


def test_choose_style_by_name_first_then_file() -> None:
    library = {"swirls": np.zeros((70, 70, 3), np.uint8)}
    mine = np.ones((70, 70, 3), np.uint8)
    chosen = nodes.choose_style(library, mine, {**APPLY, "style": "/art/klimt.png"}, 64)
    assert chosen == {"name": "klimt", "image": mine, "source": "file"}
    # a file called "swirls" in the working directory loses against the style name …
    chosen = nodes.choose_style(library, mine, {**APPLY, "style": "swirls"}, 64)
    assert chosen["source"] == "name" and chosen["image"] is library["swirls"]
    # … and is reached by another spelling of its path
    assert nodes.choose_style(library, mine, {**APPLY, "style": "./swirls"}, 64)["image"] is mine
    with pytest.raises(
        ValueError,
        match=r"Style 'monet' is neither a known style name nor "
        r"an image file.*\['swirls'\]",
    ):
        nodes.choose_style(library, None, {**APPLY, "style": "monet"}, 64)


def test_apply_images_under_the_minimum_size_are_named(vgg_weights, params) -> None:
    small = np.zeros((50, 90, 3), np.uint8)
    with pytest.raises(
        ValueError,
        match=r"style image '/art/tiny.png' is 90×50 px.*at "
        r"least 64 px.*min_input_size",
    ):
        nodes.choose_style({}, small, {**APPLY, "style": "/art/tiny.png"}, 64)
    style = {"name": "swirls", "image": np.zeros((70, 70, 3), np.uint8), "source": "name"}
    with pytest.raises(ValueError, match=r"photo 'x.jpg' is 90×50 px"):
        nodes.apply_style(
            small,
            style,
            None,
            vgg_weights,
            {**APPLY, "style": "swirls"},
            64,
            params["cost"],
            params["optimisation"],
            seed=0,
        )


def _method(method: str, style: dict, stylizer) -> str:
    config = parse(
        ApplyParams,
        {**APPLY, "style": style["name"], "method": method},
        "style_transfer_apply",
    )
    return apply.method_for(config, style, stylizer)


def _registered(style: str, version: str = "style_transfer_stylizer v3 (champion)") -> dict:
    """A loaded version of ``style_transfer_registered_model`` trained for ``style``."""
    return {
        "model": transform_net.build_transform_net((4, 8, 8), 1, style=style),
        "stylizer_settings": {
            "style": style,
            "image_size": 256,
            "crop_size": 128,
            "pixel_range": [0, 255],
            "size_multiple": 4,
        },
        "version": version,
    }


def test_apply_method_takes_the_stylizer_only_for_its_style() -> None:
    swirls = _registered("swirls")
    by_name = {"name": "swirls", "source": "name"}
    assert _method("auto", by_name, swirls) == "stylizer"
    assert _method("stylizer", by_name, swirls) == "stylizer"
    assert _method("optimise", by_name, swirls) == "optimise"
    mosaic = {"name": "mosaic", "source": "name"}
    assert _method("auto", mosaic, swirls) == "optimise"
    assert _method("auto", by_name, None) == "optimise"  # none registered
    assert _method("auto", {"name": "swirls", "source": "file"}, swirls) == "optimise"


def test_stylizer_method_for_another_style_says_how_to_train_one() -> None:
    swirls = _registered("swirls")
    with pytest.raises(
        ValueError,
        match=r"cannot stylise in 'mosaic': style_transfer_stylizer v3 \(champion\) is "
        r"trained for 'swirls'.*--pipelines style_transfer "
        r"--params style_transfer.stylizer.style=mosaic.*model_version=<n>.*"
        r"method=optimise",
    ):
        _method("stylizer", {"name": "mosaic", "source": "name"}, swirls)
    with pytest.raises(ValueError, match="the MLflow registry holds no style_transfer_stylizer"):
        _method("stylizer", {"name": "mosaic", "source": "name"}, None)
    with pytest.raises(
        ValueError,
        match=r"method must be one of \('auto', 'optimise', "
        r"'stylizer'\)",
    ):
        _method("fast", {"name": "mosaic", "source": "name"}, None)


def test_apply_with_the_stylizer_is_one_scored_pass(vgg_weights, params) -> None:
    swirls = _registered("swirls")
    photo = np.random.default_rng(0).integers(0, 256, (66, 90, 3), np.uint8)
    style = {"name": "swirls", "image": np.full((70, 70, 3), 200, np.uint8), "source": "name"}
    results, history = nodes.apply_style(
        photo,
        style,
        swirls,
        vgg_weights,
        {**APPLY, "content": "/p/me.jpg", "style": "swirls"},
        64,
        params["cost"],
        params["optimisation"],
        seed=0,
    )
    ((name, image),) = results.items()
    assert name == "me__swirls.png" and image.shape == (29, 40, 3)
    np.testing.assert_array_equal(
        image, transform_net.stylise(swirls["model"], fit_long_side(photo, 40))
    )
    assert history["method"] == "stylizer" and history["step"] == [0]
    assert history["total_loss"][0] > 0
