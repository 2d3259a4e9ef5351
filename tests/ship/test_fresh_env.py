"""The runner in a fresh virtual environment holding only NumPy and ai-edge-litert.

A real ``python -m venv`` whose site-packages links to just those distributions (and
the ones ai-edge-litert requires) from the project's environment, plus the project's
``src/dl_pipelines``: no network. In it the runner must print what it prints here, and
SciPy, TensorFlow, Keras and Kedro must not even be importable.
"""

from __future__ import annotations

import importlib.metadata as metadata
import io
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dl_pipelines.ship.run_tflite import main
from tests.conftest import PROJECT_ROOT

RUNTIME = ("numpy", "ai-edge-litert")
ABSENT = ("scipy", "tensorflow", "keras", "kedro", "pandas", "pydub")


def runtime_distributions(names: tuple[str, ...] = RUNTIME) -> set[str]:
    """``names`` and, recursively, what they require (extras and other platforms left out)."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def link_distribution(name: str, site: Path) -> None:
    """Symlink a distribution's top-level modules (inside namespace folders: its own
    sub-packages only) and its metadata into ``site``."""
    distribution = metadata.distribution(name)
    source = Path(distribution.locate_file(""))
    for file in distribution.files or []:
        parts = file.parts
        if parts[0] in ("..", "__pycache__") or file.suffix == ".pth":
            continue
        top = source / parts[0]
        namespace = (
            top.is_dir()
            and not (top / "__init__.py").exists()
            and len(parts) > 2
            and not parts[0].endswith((".dist-info", ".libs"))
        )
        target = Path(*parts[:2]) if namespace else Path(parts[0])
        if not (site / target).exists():
            (site / target).parent.mkdir(parents=True, exist_ok=True)
            (site / target).symlink_to(source / target)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    for name in runtime_distributions():
        link_distribution(name, site)
    (site / "dl_pipelines").symlink_to(PROJECT_ROOT / "src" / "dl_pipelines")
    assert Path(sysconfig.get_paths()["purelib"]) != site
    return python


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [str(python), "-I", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_only_numpy_and_litert_are_there(fresh_python, tmp_path):
    probe = (
        f"import importlib\nfor name in {ABSENT!r}:\n    try:\n"
        "        importlib.import_module(name)\n        print(name)\n"
        "    except ImportError:\n        pass\n"
        "import numpy, ai_edge_litert.interpreter\n"
    )
    result = _run(fresh_python, "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []  # none of SciPy, TensorFlow, Keras, Kedro, … imports


def test_runner_prints_the_same_detections_there(fresh_python, shipped, wavs, tmp_path):
    args = [str(shipped), *map(str, wavs)]
    here = io.StringIO()
    assert main(args, out=here) == 0
    assert len(here.getvalue().splitlines()) > 1 + len(wavs)
    result = _run(fresh_python, "-m", "dl_pipelines.ship.run_tflite", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == here.getvalue()


def test_errors_there_too(fresh_python, shipped, tmp_path):
    (tmp_path / "notes.wav").write_text("not audio")
    result = _run(
        fresh_python,
        "-m",
        "dl_pipelines.ship.run_tflite",
        str(shipped),
        str(tmp_path / "notes.wav"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "notes.wav': it is not a PCM WAV file" in result.stderr
