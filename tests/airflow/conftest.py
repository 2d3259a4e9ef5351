"""Airflow lives in .venv-airflow and kedro-airflow in the `airflow` extra: without them
these tests skip — except under `make test` (CI), which installs both and sets
DL_PIPELINES_REQUIRE_AIRFLOW=1, so that a missing install fails instead of passing."""

from __future__ import annotations

import os

import pytest


def skip_or_fail(reason: str) -> None:
    """Skip for a developer without Airflow; fail where the test command promised it."""
    if os.environ.get("DL_PIPELINES_REQUIRE_AIRFLOW") == "1":
        pytest.fail(f"{reason} — and DL_PIPELINES_REQUIRE_AIRFLOW=1 says it must be there")
    pytest.skip(reason, allow_module_level=True)
