"""What kedro-mlflow logs of a parameter section with menus: the entries that run only."""

from __future__ import annotations

import logging

import pytest

from dl_pipelines.tracking import application_runs
from dl_pipelines.tracking.application_runs import keep_entries, params_to_log

SECTION = {
    "dataset": "b",
    "models": ["m1", "m3"],
    "zoo": {"m1": {"size": 1}, "m2": {"size": 2}, "m3": {"size": 3}},
    "per_dataset": {"a": {"epochs": 1}, "b": {"epochs": 2}},
    "training": {"epochs": 5},
}


def _choices(section):
    return {"zoo": section["models"], "per_dataset": [section["dataset"]]}


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(application_runs._MENUS, "menu_app", _choices)


def test_menus_keep_the_chosen_entries_and_the_rest_of_the_section():
    kept = keep_entries(SECTION, _choices(SECTION))
    assert kept == {
        "dataset": "b",
        "models": ["m1", "m3"],
        "zoo": {"m1": {"size": 1}, "m3": {"size": 3}},
        "per_dataset": {"b": {"epochs": 2}},
        "training": {"epochs": 5},
    }
    assert SECTION["zoo"].keys() == {"m1", "m2", "m3"}  # the section itself is left alone


def test_unknown_names_and_menus_that_are_no_mapping_are_skipped():
    kept = keep_entries(SECTION, {"zoo": ["m9"], "models": ["m1"], "absent": ["x"]})
    assert kept["zoo"] == {}
    assert kept["models"] == ["m1", "m3"]  # a list is no menu: kept whole
    assert "absent" not in kept


def test_only_registered_params_inputs_are_cut_down(registered):
    inputs = {
        "params:menu_app": SECTION,
        "params:other": SECTION,
        "menu_app": SECTION,  # a dataset, not parameters
        "params:seed": 42,
    }
    logged = params_to_log(inputs)
    assert logged["params:menu_app"]["zoo"].keys() == {"m1", "m3"}
    assert logged["params:other"] is SECTION
    assert logged["menu_app"] is SECTION
    assert logged["params:seed"] == 42
    assert inputs["params:menu_app"] is SECTION  # what the node gets is unchanged


def test_a_section_whose_choices_fail_is_logged_whole(registered, caplog):
    broken = {key: value for key, value in SECTION.items() if key != "models"}
    with caplog.at_level(logging.WARNING, logger=application_runs.__name__):
        logged = params_to_log({"params:menu_app": broken})
    assert logged["params:menu_app"] is broken
    assert "logging all of 'menu_app'" in caplog.text
