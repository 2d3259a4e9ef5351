"""Datasets of the style_transfer pipelines that the shared ``dl_pipelines.datasets`` lacks."""

from __future__ import annotations

from typing import Any

from dl_pipelines.datasets import KerasModelDataset


class OptionalKerasModelDataset(KerasModelDataset):
    """A :class:`KerasModelDataset` that loads ``None`` while the file does not exist.

    ``style_transfer_apply`` reads the trained stylizer through it: without one it
    stylises by optimisation (``method: auto``), or says how to train one
    (``method: stylizer``).
    """

    def load(self) -> Any:
        return super().load() if self._exists() else None
