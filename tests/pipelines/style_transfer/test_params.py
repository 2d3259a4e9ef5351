"""Parameters and pairs: bad values name their key; unknown names list what there is."""

from __future__ import annotations

import pytest

from dl_pipelines.pipelines.style_transfer import optimisation
from dl_pipelines.pipelines.style_transfer.params import (
    OptimisationParams,
    StylizerParams,
    chosen_pairs,
    stylizer_pairs,
)
from dl_pipelines.runtime.config import ParameterError, parse
from tests.pipelines.style_transfer.conftest import collect


def test_unknown_pair_names_list_what_there_is(params) -> None:
    content, styles = collect(params)
    with pytest.raises(
        ValueError,
        match=r"Unknown style 'monet'.*\['brick', 'mosaic', "
        r"'swirls'\]",
    ):
        chosen_pairs([["astronaut", "monet"]], content, styles)
    with pytest.raises(ValueError, match="Unknown content image 'me'"):
        chosen_pairs([["me", "brick"]], content, styles)
    with pytest.raises(ParameterError, match="style_transfer.pairs"):
        chosen_pairs([["astronaut"]], content, styles)


def test_bad_parameters_name_the_key(params, vgg_weights) -> None:
    params["cost"]["content_layers"] = ["block4_conv9"]
    with pytest.raises(
        ValueError,
        match=r"\['block4_conv9'\] in "
        "'style_transfer.cost.content_layers'",
    ):
        optimisation.cost_weights(params["cost"], vgg_weights)
    params["optimisation"]["init"] = "zeros"
    with pytest.raises(ParameterError, match="style_transfer.optimisation.*init must be"):
        parse(OptimisationParams, params["optimisation"], "style_transfer.optimisation")


def test_stylizer_style_must_be_in_a_pair(params) -> None:
    config = parse(StylizerParams, {**params["stylizer"], "style": "grass"}, "s")
    with pytest.raises(ValueError, match="stylizer.style 'grass' is the style of no pair"):
        stylizer_pairs(config, [("astronaut", "swirls")])
