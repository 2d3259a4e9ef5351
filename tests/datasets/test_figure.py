"""FigureDataset: saves like kedro-datasets' MatplotlibDataset, loads the PNG bytes."""

from __future__ import annotations

import base64
import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from kedro.io import DatasetError  # noqa: E402
from kedro_datasets.matplotlib import MatplotlibDataset  # noqa: E402

from dl_pipelines.datasets import FigureDataset  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _figure(value: float) -> plt.Figure:
    figure, axes = plt.subplots(figsize=(2, 1.5))
    axes.plot([0, 1], [0, value])
    return figure


def test_a_saved_figure_loads_as_the_png_bytes_matplotlib_dataset_writes(tmp_path):
    ours = FigureDataset(filepath=str(tmp_path / "ours.png"), save_args={"dpi": 50})
    theirs = MatplotlibDataset(filepath=str(tmp_path / "theirs.png"), save_args={"dpi": 50})
    ours.save(_figure(1.0))
    theirs.save(_figure(1.0))
    png = ours.load()
    assert isinstance(png, bytes) and png.startswith(PNG)
    assert len(png) == len((tmp_path / "theirs.png").read_bytes())  # same file, same size


def test_kedro_viz_still_previews_it_as_an_image(tmp_path):
    dataset = FigureDataset(filepath=str(tmp_path / "plot.png"))
    dataset.save(_figure(2.0))
    assert base64.b64decode(dataset.preview()) == dataset.load()
    assert inspect.signature(dataset.preview).return_annotation in ("ImagePreview",)


def test_several_figures_load_as_a_dict_of_png_bytes_in_natural_order(tmp_path):
    folder = FigureDataset(filepath=str(tmp_path / "plots"))
    folder.save([_figure(float(i)) for i in range(11)])
    loaded = folder.load()
    assert list(loaded) == [f"{i}.png" for i in range(11)]  # 2.png before 10.png
    assert all(png.startswith(PNG) for png in loaded.values())
    named = FigureDataset(filepath=str(tmp_path / "pairs"))
    named.save({"b.png": _figure(1.0), "a.png": _figure(2.0)})
    assert list(named.load()) == ["a.png", "b.png"]


def test_loading_a_figure_never_drawn_names_it(tmp_path):
    with pytest.raises(DatasetError, match="missing.png does not exist"):
        FigureDataset(filepath=str(tmp_path / "missing.png")).load()
