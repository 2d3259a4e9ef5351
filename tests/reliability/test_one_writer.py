"""One writer per project (issue #29): a second ``kedro run`` of a project exits at once,
naming the running one, so that no run reads another's intermediate data."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import KedroProject
from tests.reliability.conftest import background_log, start_run, wait_for_record


@pytest.mark.e2e
def test_a_second_run_is_refused_and_the_first_keeps_its_own_data(project: KedroProject) -> None:
    first = start_run(project, "--pipelines", "day_night", "--params", "seed=1")
    record = wait_for_record(project, first)
    first.send_signal(signal.SIGSTOP)  # paused, it still holds the lock: no race with its end
    try:
        second = project.run("--pipelines", "day_night", "--params", "seed=7", check=False)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode != 0
    assert (
        f"Another `kedro run` of this project is running (PID {first.pid} on "
        f"{record['host']}, pipelines day_night, env test, started {record['started']}"
        in second.stderr
    )
    assert record["mlflow_run_id"] in second.stderr

    assert first.wait(timeout=600) == 0, background_log(project)[-3000:]
    runs = project.runs("day_night")
    assert len(runs) == 1, "the refused run must leave no MLflow run"
    (run,) = runs
    assert run.info.run_id == record["mlflow_run_id"] and run.info.status == "FINISHED"
    assert run.data.params["seed"] == "1" and "test_accuracy" in run.data.metrics
    assert not (project.path / ".kedro-run.json").exists()
