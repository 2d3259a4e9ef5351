"""A folder of audio files (WAV; other formats when ffmpeg is installed)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import ImagePreview

from dl_pipelines.audio.io import WAV_EXTENSIONS, AudioError, load_audio, wav_bytes
from dl_pipelines.audio.stream import AudioFile, Blocks, write_blocks
from dl_pipelines.datasets._files import atomic_target
from dl_pipelines.datasets._preview import png_base64, spectrogram_image, tile

logger = logging.getLogger(__name__)

#: ``(samples float32, sample rate)``; samples ``(n,)`` mono or ``(n, channels)``.
Audio = tuple[np.ndarray, int]


class AudioFolderDataset(AbstractDataset[dict[str, Audio], dict[str, Audio]]):
    """Loads every audio file under a folder as ``{relative/path.wav: (samples, rate)}``.

    Samples are ``float32`` in [-1, 1] at the file's own rate (nodes resample), mixed
    down to mono unless ``mono: false``. Keys are sorted; hidden files (``.gitkeep``)
    are ignored and files with other endings skipped with a warning.

    Loading fails with a message naming the folder or file and the fix when the folder
    does not exist, when it holds no audio (unless ``allow_empty``), or when a file is
    empty, corrupt or holds no samples.

    With ``lazy: true`` a file is only opened (its header read, errors raised as above)
    and loaded as an :class:`~dl_pipelines.audio.stream.AudioFile` that reads its
    samples in blocks: a folder of long recordings never sits in memory at once.

    Saving writes ``{relative/path.wav: (samples, rate)}`` (or
    :class:`~dl_pipelines.audio.stream.Blocks`) as 16-bit PCM WAV files, each
    written to a temporary file and renamed into place; with ``mlflow_artifact_path``
    each file is also logged to the active MLflow run under that folder.

    Example catalog entry::

        trigger_word_raw_positives:
          type: dl_pipelines.datasets.AudioFolderDataset
          path: data/01_raw/trigger_word/positives
          allow_empty: true
    """

    def __init__(
        self,
        path: str,
        mono: bool = True,
        extensions: list[str] | None = None,
        allow_empty: bool = False,
        mlflow_artifact_path: str | None = None,
        lazy: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._mono = mono
        self._lazy = lazy
        self._extensions = tuple(e.lower() for e in (extensions or WAV_EXTENSIONS))
        self._allow_empty = allow_empty
        self._mlflow_artifact_path = mlflow_artifact_path
        self.metadata = metadata

    def load(self) -> dict[str, Audio]:
        if not self._path.is_dir():
            raise DatasetError(
                f"Audio folder '{self._path}' does not exist: create it and "
                f"put {'/'.join(self._extensions)} files in it."
            )
        files, skipped = [], []
        for file in sorted(self._path.rglob("*")):
            if not file.is_file() or any(
                p.startswith(".") for p in file.relative_to(self._path).parts
            ):
                continue
            (files if file.suffix.lower() in self._extensions else skipped).append(file)
        if skipped:
            logger.warning(
                "Skipped %d file(s) in %s that are not %s: %s",
                len(skipped),
                self._path,
                "/".join(self._extensions),
                ", ".join(f.name for f in skipped[:5]),
            )
        if not files and not self._allow_empty:
            raise DatasetError(
                f"No {'/'.join(self._extensions)} files in '{self._path}': "
                "put the audio files to use there."
            )
        clips = {}
        for file in files:
            try:
                name = file.relative_to(self._path).as_posix()
                clips[name] = (
                    AudioFile.open(file) if self._lazy else load_audio(file, mono=self._mono)
                )
            except AudioError as error:
                raise DatasetError(str(error)) from error
        if clips:
            logger.info("Loaded %d audio files from %s", len(clips), self._path)
        return clips

    def save(self, data: dict[str, Audio]) -> None:
        if not isinstance(data, dict):
            raise DatasetError(
                f"AudioFolderDataset('{self._path}') saves a dict "
                f"{{name: (samples, rate)}}, got {type(data).__name__}."
            )
        # Arrays are encoded before anything is written; blocks (an iterator, with the
        # number of channels) are written as they come, each file atomically.
        encoded = {
            name: value if isinstance(value, Blocks) else wav_bytes(*value)
            for name, value in data.items()
        }
        for name, payload in encoded.items():
            target = self._path / name
            if target.suffix.lower() not in WAV_EXTENSIONS:
                target = target.with_suffix(".wav")
            with atomic_target(target, suffix=".wav") as tmp:
                if isinstance(payload, Blocks):
                    write_blocks(tmp, payload.blocks, payload.rate, payload.channels)
                else:
                    tmp.write_bytes(payload)
            if self._mlflow_artifact_path is not None:
                import mlflow

                if mlflow.active_run() is not None:
                    mlflow.log_artifact(str(target), self._mlflow_artifact_path)

    def preview(self) -> ImagePreview:
        """kedro-viz: the spectrogram of the first 10 s of the first file."""
        files = sorted(f for f in self._path.rglob("*") if f.suffix.lower() in self._extensions)
        if not files:
            return ImagePreview(png_base64(tile([])))
        samples, rate = load_audio(files[0], mono=True)
        return ImagePreview(png_base64(spectrogram_image(samples[: 10 * rate], rate)))

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {
            "path": str(self._path),
            "mono": self._mono,
            "extensions": self._extensions,
            "lazy": self._lazy,
        }
