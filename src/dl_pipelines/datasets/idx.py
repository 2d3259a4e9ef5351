"""IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.

An IDX file is a 4-byte magic number — two zero bytes, a type code, the number of
dimensions — then one big-endian ``uint32`` size per dimension, then the values in C
order, big-endian. Type codes: 0x08 ``uint8``, 0x09 ``int8``, 0x0B ``int16``, 0x0C
``int32``, 0x0D ``float32``, 0x0E ``float64``. Fashion-MNIST's images are
``0x00000803`` (uint8, 3 dimensions: n × 28 × 28), its labels ``0x00000801``.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.datasets._files import atomic_target

#: IDX type code → NumPy dtype (big-endian, as stored).
IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}

#: Where Debian's ``dataset-fashion-mnist`` package installs the Fashion-MNIST files.
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


class IdxFormatError(DatasetError):
    """A file is not a valid IDX file."""


def _open(path: Path, mode: str):
    gzipped = path.suffix == ".gz"
    return gzip.open(path, mode) if gzipped else open(path, mode)  # noqa: SIM115


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or not) into an array of its stored type.

    Raises:
        IdxFormatError: naming the file, for a wrong magic number, an unknown type
            code, a truncated body, trailing bytes or a broken gzip stream.
    """
    path = Path(path)
    try:
        with _open(path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise IdxFormatError(
            f"Cannot read IDX file '{path}': {error}. Replace it with an intact copy."
        ) from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise IdxFormatError(
            f"'{path}' is not an IDX file: magic number {data[:4].hex() or '(empty)'} (expected "
            "00 00 <type code 08/09/0b/0c/0d/0e> <number of dimensions>, e.g. 00000803 for "
            "images, 00000801 for labels). Is it the right file, and decompressed only "
            "if its name does not end in .gz?"
        )
    dtype, ndim = IDX_TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(f"IDX file '{path}' is truncated inside its header.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise IdxFormatError(
            f"IDX file '{path}' holds {len(data) - header} bytes of values but its header "
            f"announces shape {shape} ({expected} bytes): the file is truncated or corrupt."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``)."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise DatasetError(
            f"IDX cannot store dtype {array.dtype}; use one of "
            f"{sorted(str(d.newbyteorder('=')) for d in IDX_TYPES.values())}."
        )
    if array.ndim > 255:
        raise DatasetError("IDX stores at most 255 dimensions.")
    body = array.astype(IDX_TYPES[code], copy=False).tobytes(order="C")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path = Path(path)
    with atomic_target(path, suffix="".join(path.suffixes)) as tmp, _open(tmp, "wb") as out:
        out.write(header + body)


class IdxDataset(AbstractDataset[dict[str, np.ndarray], dict[str, Any]]):
    """A set of named IDX files in one folder, e.g. Fashion-MNIST's four ``.gz`` files.

    ``load()`` returns ``{name: array}``, or with ``lazy: true`` ``{name: callable}``
    whose call reads the file (like kedro's ``PartitionedDataset``): a pipeline that can
    train on another data set then needs the files only when it is asked to use them.
    A missing file is an error naming the folder, the files expected there and
    ``hint`` (where to get them).

    Example catalog entry::

        fashion_mnist:
          type: dl_pipelines.datasets.IdxDataset
          path: data/01_raw/fashion_mnist
          files:
            train_images: train-images-idx3-ubyte.gz
            train_labels: train-labels-idx1-ubyte.gz
          lazy: true
          hint: "apt-get install dataset-fashion-mnist, then make fashion-mnist"
    """

    def __init__(
        self,
        path: str,
        files: dict[str, str],
        lazy: bool = False,
        hint: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not files:
            raise DatasetError("IdxDataset needs at least one entry in 'files'.")
        self._path = Path(path)
        self._files = dict(files)
        self._lazy = lazy
        self._hint = hint
        self.metadata = metadata

    def _read(self, name: str) -> np.ndarray:
        target = self._path / self._files[name]
        if not target.is_file():
            missing = [f for f in self._files.values() if not (self._path / f).is_file()]
            raise DatasetError(
                f"IDX file '{target}' not found. Put the files {missing} in "
                f"'{self._path}/'." + (f" {self._hint}" if self._hint else "")
            )
        return read_idx(target)

    def load(self) -> dict[str, Any]:
        if self._lazy:
            return {name: self._reader(name) for name in self._files}
        return {name: self._read(name) for name in self._files}

    def _reader(self, name: str) -> Callable[[], np.ndarray]:
        return lambda: self._read(name)

    def save(self, data: dict[str, np.ndarray]) -> None:
        unknown = sorted(set(data) - set(self._files))
        if unknown:
            raise DatasetError(
                f"IdxDataset({self._path}) has no file for {unknown}; "
                f"its files are {sorted(self._files)}."
            )
        for name, array in data.items():
            write_idx(self._path / self._files[name], array)

    def _exists(self) -> bool:
        return all((self._path / f).is_file() for f in self._files.values())

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "files": self._files, "lazy": self._lazy}
