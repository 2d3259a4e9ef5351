"""``trigger_word.audio`` and ``trigger_word.spectrogram``: the signal the detector hears."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AudioParams:
    sample_rate: int
    clip_seconds: float

    def __post_init__(self) -> None:
        if not 8000 <= self.sample_rate <= 192000:
            raise ValueError(f"sample_rate must be in [8000, 192000] Hz, got {self.sample_rate}")
        if self.clip_seconds < 1:
            raise ValueError(f"clip_seconds must be at least 1, got {self.clip_seconds}")

    @property
    def n_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate))


@dataclass(frozen=True)
class SpectrogramParams:
    nfft: int
    noverlap: int
    floor_db: float
    center_db: float
    scale_db: float
    mean_frames: int | None = None  # running mean subtracted per bin; None = off

    def __post_init__(self) -> None:
        if self.nfft < 16 or not 0 <= self.noverlap < self.nfft or self.scale_db <= 0:
            raise ValueError("need nfft >= 16, 0 <= noverlap < nfft and scale_db > 0")
        if self.mean_frames is not None and self.mean_frames < 1:
            raise ValueError(
                f"spectrogram.mean_frames must be at least 1 (or null: off), got {self.mean_frames}"
            )

    @property
    def hop(self) -> int:
        return self.nfft - self.noverlap

    @property
    def n_freqs(self) -> int:
        return self.nfft // 2 + 1

    @property
    def floor_value(self) -> float:
        """What a bin at or below ``floor_db`` holds once normalised (silence, an empty band):
        0 with the running mean, which a bin that stays at the floor equals."""
        if self.mean_frames is not None:
            return 0.0
        return (self.floor_db - self.center_db) / self.scale_db

    def kwargs(self) -> dict[str, Any]:
        return {
            "nfft": self.nfft,
            "noverlap": self.noverlap,
            "floor_db": self.floor_db,
            "center_db": self.center_db,
            "scale_db": self.scale_db,
            **({} if self.mean_frames is None else {"mean_frames": self.mean_frames}),
        }
