"""Unit tests of the style_transfer nodes: images, optimisation, stylizer, apply, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.style_transfer import model as st_model
from dl_pipelines.pipelines.style_transfer import nodes
from dl_pipelines.pipelines.style_transfer.painting import PAINTERS, paint
from dl_pipelines.runtime.config import ParameterError

DEFAULT_CONTENT = {"astronaut": np.full((100, 120, 3), 90, np.uint8)}
DEFAULT_STYLES = {"brick": np.full((80, 80, 3), 30, np.uint8)}


def _images(params, user_content=None, user_style=None):
    params["images"].update(painted_size=64)
    return nodes.collect_images(
        user_content or {},
        user_style or {},
        DEFAULT_CONTENT,
        DEFAULT_STYLES,
        params["images"],
        seed=1,
    )


# --------------------------------------------------------------------------------- images
def test_user_images_join_and_replace_the_defaults(params) -> None:
    mine = np.zeros((70, 90, 3), np.uint8)
    content, styles = _images(
        params, {"holiday/beach.jpg": mine, "astronaut.png": mine}, {"van_gogh.jpg": mine}
    )
    assert sorted(content) == ["astronaut", "beach"]
    assert content["astronaut"] is mine
    assert sorted(styles) == ["brick", "mosaic", "swirls", "van_gogh"]
    assert styles["mosaic"].shape == (64, 64, 3)


def test_small_or_duplicate_user_images_are_named(params) -> None:
    with pytest.raises(ValueError, match=r"content image 'tiny.png' is 50×40 px.*at least 64"):
        _images(params, {"tiny.png": np.zeros((40, 50, 3), np.uint8)})
    big = np.zeros((80, 80, 3), np.uint8)
    with pytest.raises(ValueError, match="'a/x.jpg' and 'b/x.png'"):
        _images(params, None, {"a/x.jpg": big, "b/x.png": big})


def test_unknown_pair_names_list_what_there_is(params) -> None:
    content, styles = _images(params)
    with pytest.raises(
        ValueError,
        match=r"Unknown style 'monet'.*\['brick', 'mosaic', "
        r"'swirls'\]",
    ):
        nodes._pairs([["astronaut", "monet"]], content, styles)
    with pytest.raises(ValueError, match="Unknown content image 'me'"):
        nodes._pairs([["me", "brick"]], content, styles)
    with pytest.raises(ParameterError, match="style_transfer.pairs"):
        nodes._pairs([["astronaut"]], content, styles)


def test_painted_styles_are_colourful_and_seeded() -> None:
    for name in PAINTERS:
        first = paint(name, 64, np.random.default_rng(3))
        assert first.shape == (64, 64, 3) and first.dtype == np.uint8
        np.testing.assert_array_equal(first, paint(name, 64, np.random.default_rng(3)))
        assert first.astype(float).std(axis=-1).mean() > 20, name  # not grey
    with pytest.raises(ValueError, match="Unknown painted style 'cubism'"):
        paint("cubism", 64, np.random.default_rng(0))


def test_resizing_helpers_keep_or_fill_the_shape() -> None:
    photo = np.zeros((300, 600, 3), np.uint8)
    assert nodes.square(photo, 32).shape == (32, 32, 3)
    assert nodes.fit_long_side(photo, 100).shape == (50, 100, 3)
    assert nodes.cover(photo, (40, 30)).shape == (40, 30, 3)


def test_bad_parameters_name_the_key(params, vgg_weights) -> None:
    params["cost"]["content_layers"] = ["block4_conv9"]
    with pytest.raises(
        ValueError,
        match=r"\['block4_conv9'\] in "
        "'style_transfer.cost.content_layers'",
    ):
        nodes._cost_weights(params["cost"], vgg_weights)
    params["optimisation"]["init"] = "zeros"
    with pytest.raises(ParameterError, match="style_transfer.optimisation.*init must be"):
        nodes.parse(nodes.OptimisationParams, params["optimisation"], "style_transfer.optimisation")


# --------------------------------------------------------------------------- optimisation
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_a_few_steps_lower_the_cost(params, extractor, cost_weights, photo_pair, optimizer) -> None:
    content, style = photo_pair
    params["optimisation"].update(optimizer=optimizer, steps=6, log_every=2, snapshot_every=3)
    config = nodes.parse(nodes.OptimisationParams, params["optimisation"], "o")
    out = nodes.optimise_image(
        extractor, content, style, cost_weights, config, np.random.default_rng(0), "test"
    )
    total = out["history"]["total_loss"]
    assert total[-1] < 0.7 * total[0]
    assert out["history"]["content_loss"][0] == pytest.approx(0.0, abs=1e-3)  # G starts at C
    assert out["image"].shape == content.shape and out["image"].dtype == np.uint8
    assert 0 in out["snapshots"] and out["history"]["step"][-1] in out["snapshots"]


def test_noise_initialisation_is_seeded(params, photo_pair) -> None:
    content, _ = photo_pair
    params["optimisation"].update(init="content_noise", noise=10.0)
    config = nodes.parse(nodes.OptimisationParams, params["optimisation"], "o")
    first = nodes._initial_image(content, config, np.random.default_rng(5))
    assert np.abs(first - content).max() <= 10.0 and not np.array_equal(first, content)
    np.testing.assert_array_equal(
        first, nodes._initial_image(content, config, np.random.default_rng(5))
    )


def test_summary_reports_the_drop() -> None:
    history = {
        "step": [0, 10],
        "total_loss": [100.0, 5.0],
        "content_loss": [0.0, 1.0],
        "style_loss": [100.0, 4.0],
        "tv_loss": [0.0, 0.0],
        "seconds": 2.0,
        "step_seconds": 0.2,
        "content": "a",
        "style": "b",
        "image_size": 32,
    }
    metrics, report = nodes.summarise({"a__b": history})
    assert report["pairs"]["a__b"]["total_loss_drop"] == pytest.approx(0.95)
    assert metrics["min_total_loss_drop"]["value"] == pytest.approx(0.95)
    assert report["optimisation_steps_per_second"] == pytest.approx(5.0)


# ------------------------------------------------------------------------------ stylizer
def test_transform_net_keeps_any_size_via_padding() -> None:
    net = st_model.build_transform_net((4, 8, 8), 1)
    out = st_model.stylise(net, np.full((30, 37, 3), 128, np.uint8))
    assert out.shape == (30, 37, 3) and out.dtype == np.uint8


def test_training_crops_have_the_crop_size() -> None:
    photos = {"a": np.zeros((100, 80, 3), np.uint8), "b": np.full((90, 90, 3), 255, np.uint8)}
    crops = nodes.training_crops(photos, 10, 24, (0.5, 1.0), np.random.default_rng(0))
    assert crops.shape == (10, 24, 24, 3) and crops.dtype == np.uint8
    assert {0, 255} <= set(np.unique(crops).tolist())  # both photos used


def test_stylizer_style_must_be_in_a_pair(params) -> None:
    config = nodes.parse(nodes.StylizerParams, {**params["stylizer"], "style": "grass"}, "s")
    with pytest.raises(ValueError, match="stylizer.style 'grass' is the style of no pair"):
        nodes._stylizer_pairs(config, [("astronaut", "swirls")])


# --------------------------------------------------------------------------------- apply
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
    config = nodes.parse(
        nodes.ApplyParams,
        {**APPLY, "style": style["name"], "method": method},
        "style_transfer_apply",
    )
    return nodes._apply_method(config, style, stylizer)


def test_apply_method_takes_the_stylizer_only_for_its_style() -> None:
    swirls = st_model.build_transform_net((4, 8, 8), 1, style="swirls")
    assert st_model.stylizer_style(swirls) == "swirls"
    by_name = {"name": "swirls", "source": "name"}
    assert _method("auto", by_name, swirls) == "stylizer"
    assert _method("stylizer", by_name, swirls) == "stylizer"
    assert _method("optimise", by_name, swirls) == "optimise"
    mosaic = {"name": "mosaic", "source": "name"}
    assert _method("auto", mosaic, swirls) == "optimise"
    assert _method("auto", by_name, None) == "optimise"
    assert _method("auto", {"name": "swirls", "source": "file"}, swirls) == "optimise"
    unnamed = st_model.build_transform_net((4, 8, 8), 1)  # saved before styles were recorded
    assert st_model.stylizer_style(unnamed) is None
    assert _method("auto", by_name, unnamed) == "optimise"


def test_stylizer_method_for_another_style_says_how_to_train_one() -> None:
    swirls = st_model.build_transform_net((4, 8, 8), 1, style="swirls")
    with pytest.raises(
        ValueError,
        match=r"cannot stylise in 'mosaic': the stylizer at "
        r"data/06_models/style_transfer/stylizer.keras is "
        r"trained for 'swirls'.*--pipelines style_transfer "
        r"--params style_transfer.stylizer.style=mosaic.*"
        r"method=optimise",
    ):
        _method("stylizer", {"name": "mosaic", "source": "name"}, swirls)
    with pytest.raises(ValueError, match="no trained stylizer at"):
        _method("stylizer", {"name": "mosaic", "source": "name"}, None)
    with pytest.raises(
        ValueError,
        match=r"method must be one of \('auto', 'optimise', "
        r"'stylizer'\)",
    ):
        _method("fast", {"name": "mosaic", "source": "name"}, None)


def test_apply_with_the_stylizer_is_one_scored_pass(vgg_weights, params) -> None:
    swirls = st_model.build_transform_net((4, 8, 8), 1, style="swirls")
    photo = np.random.default_rng(0).integers(0, 256, (66, 90, 3), np.uint8)
    style = {"name": "swirls", "image": np.full((70, 70, 3), 200, np.uint8), "source": "name"}
    images, history = nodes.apply_style(
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
    ((name, image),) = images.items()
    assert name == "me__swirls.png" and image.shape == (29, 40, 3)
    np.testing.assert_array_equal(image, st_model.stylise(swirls, nodes.fit_long_side(photo, 40)))
    assert history["method"] == "stylizer" and history["step"] == [0]
    assert history["total_loss"][0] > 0
