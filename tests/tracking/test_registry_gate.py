import pytest

from dl_pipelines.tracking.registry_gate import RegistryGateError, require


def test_a_figure_at_the_limit_passes() -> None:
    require("test_accuracy", 0.9, 0.9, "app.registry.min_test_accuracy")
    require("test_frr", 0.2, 0.2, "app.registry.max_test_frr", at_most=True)


def test_a_figure_below_a_minimum_names_metric_value_parameter_and_hint() -> None:
    with pytest.raises(RegistryGateError) as error:
        require("seg_miou", 0.5, 0.8, "segmentation.registry.min_test_seg_miou", hint="Look.")
    assert str(error.value) == (
        "seg_miou 0.5000 is below segmentation.registry.min_test_seg_miou 0.8: "
        "the model is not registered. Look."
    )
    assert isinstance(error.value, ValueError)


def test_a_figure_above_a_maximum_is_refused() -> None:
    with pytest.raises(RegistryGateError, match=r"test_frr 0.3000 is above .*max_test_frr 0.2"):
        require("test_frr", 0.3, 0.2, "trigger_word.registry.max_test_frr", at_most=True)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("at_most", [False, True])
def test_a_figure_that_is_not_a_number_is_refused(value: float, at_most: bool) -> None:
    """NaN < limit and NaN > limit are both False: without this a diverged model passes."""
    with pytest.raises(RegistryGateError, match=r"test_frr is (nan|inf|-inf): the model diverged"):
        require("test_frr", value, 0.2, "app.registry.max_test_frr", at_most=at_most)
