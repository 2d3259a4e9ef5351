"""MLflow helpers shared by every pipeline: run tags and logging to the active run.

kedro-mlflow opens one MLflow run per ``kedro run``; these helpers write to that run
when it exists and do nothing otherwise, so nodes stay runnable (and testable)
without a tracking server.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow

#: Distributions whose versions are recorded on every run.
TRACKED_PACKAGES = (
    "dl_pipelines",
    "kedro",
    "kedro-datasets",
    "kedro-mlflow",
    "mlflow",
    "keras",
    "tensorflow",
    "jax",
    "torch",
    "numpy",
    "scikit-learn",
)


def package_versions(packages: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages``; those not installed are left out."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def keras_backend_name() -> str:
    """The backend Keras will use, found without importing Keras (which is slow).

    Keras reads ``KERAS_BACKEND`` first, then ``~/.keras/keras.json``, then defaults
    to TensorFlow.
    """
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


def git_state(path: str | None) -> dict[str, str]:
    """The commit checked out at ``path`` and whether the work tree has changes."""
    if path is None:
        return {}

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=path, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown"}
    return {"git_commit": commit, "git_dirty": str(dirty).lower()}


def device_tags() -> dict[str, str]:
    """The devices Keras trains on: ``devices`` (``gpu:0,gpu:1`` …) and ``accelerator``
    (``gpu``, ``tpu`` or ``cpu``)."""
    try:
        import keras

        devices = [str(d).lower() for d in keras.distribution.list_devices()]
    except Exception:  # noqa: BLE001 - a backend without device listing: say so, go on
        return {"devices": "unknown"}
    kinds = {d.split(":")[0] for d in devices}
    accelerator = next((k for k in ("gpu", "tpu") if k in kinds), "cpu")
    return {"devices": ",".join(devices), "accelerator": accelerator}


def reproducibility_tags(project_path: str | None, seed: Any = None) -> dict[str, str]:
    """Tags that pin a run down: git commit, package versions, Keras backend and the
    devices it trains on, seed."""
    tags = dict(git_state(project_path))
    tags.update({f"version.{name}": v for name, v in package_versions().items()})
    tags["keras_backend"] = keras_backend_name()
    tags.update(device_tags())
    if seed is not None:
        tags["seed"] = str(seed)
    return tags


def set_tags_on_active_run(tags: dict[str, str]) -> bool:
    """Set ``tags`` on the active MLflow run; returns whether there was one."""
    if mlflow.active_run() is None:
        return False
    mlflow.set_tags(tags)
    return True


def log_metrics_to_active_run(metrics: dict[str, float], step: int | None = None) -> bool:
    """Log ``metrics`` to the active MLflow run; returns whether there was one."""
    if mlflow.active_run() is None:
        return False
    mlflow.log_metrics({k: float(v) for k, v in metrics.items()}, step=step)
    return True


def as_mlflow_metrics(metrics: dict[str, float], step: int = 0) -> dict[str, dict[str, float]]:
    """``{name: value}`` → the format of kedro-mlflow's ``MlflowMetricsHistoryDataset``."""
    return {name: {"value": float(value), "step": step} for name, value in metrics.items()}


#: Tags of a run that its nested runs do not take over: MLflow's own, and the ones that
#: describe the parent as a whole.
_NOT_INHERITED = ("mlflow.", "kedro_command", "pipeline_name", "dl_pipelines.")


def inherited_tags(tags: dict[str, str]) -> dict[str, str]:
    """The tags of a parent run that a nested run carries too (git commit, versions,
    seed, backend, devices, …)."""
    return {k: v for k, v in tags.items() if not k.startswith(_NOT_INHERITED)}


@contextlib.contextmanager
def nested_run(name: str) -> Iterator[str | None]:
    """A nested MLflow run under the active one, with its reproducibility tags; yields
    its id (``None`` and nothing logged without an active run)."""
    parent = mlflow.active_run()
    if parent is None:
        yield None
        return
    tags = inherited_tags(mlflow.MlflowClient().get_run(parent.info.run_id).data.tags)
    with mlflow.start_run(run_name=name, nested=True, tags=tags) as run:
        yield run.info.run_id
