"""kedro-datasets' ``MatplotlibDataset`` that can also be read back, as PNG bytes."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets.matplotlib import MatplotlibDataset


class FigureDataset(MatplotlibDataset):
    """Saves Matplotlib figures exactly as ``matplotlib.MatplotlibDataset`` does (same
    arguments, same files, same kedro-viz image preview), and loads what it saved: the
    image file's bytes (a PNG with the default format), so that a later node can use
    the figure, e.g. the application's report page.

    A figure saved alone loads as ``bytes``. A list or dict of figures (saved as files in
    the ``filepath`` folder: ``0.png``, ``1.png``, … or the dict's keys) loads as
    ``{file name: bytes}``, in natural order (``2.png`` before ``10.png``).

    Example catalog entry::

        "day_night_{plot}_plot":
          type: dl_pipelines.datasets.FigureDataset
          filepath: data/08_reporting/day_night/{plot}.png
          save_args: {dpi: 110}
    """

    def load(self) -> bytes | dict[str, bytes]:  # type: ignore[override]
        path = get_filepath_str(self._get_load_path(), self._protocol)
        if self._fs.isfile(path):
            with self._fs.open(path, mode="rb") as file:
                return file.read()
        if self._fs.isdir(path):
            figures = {}
            folder = PurePosixPath(self._fs._strip_protocol(path))
            for found in self._fs.find(path):
                name = PurePosixPath(self._fs._strip_protocol(found)).relative_to(folder)
                name = name.as_posix()
                with self._fs.open(found, mode="rb") as file:
                    figures[name] = file.read()
            return {name: figures[name] for name in sorted(figures, key=_natural)}
        raise DatasetError(f"{path} does not exist: run the node that draws this figure first.")


def _natural(name: str) -> list[int | str]:
    """Sort key that orders the numbers inside a name by value."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
