"""``trigger_word.model`` and ``trigger_word.training``: the detector and how it learns."""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.nn.training import BatchFitParams
from dl_pipelines.pipelines.trigger_word.params.common import check_range


@dataclass(frozen=True)
class ModelParams:
    conv_filters: int
    conv_kernel: int
    conv_stride: int
    gru_units: tuple[int, ...]
    dropout: float
    # SpecAugment in training only: masks of up to ``freq_mask_bins`` frequency bins and
    # ``time_mask_frames`` frames, ``masks`` of each per example; 0 = off.
    freq_mask_bins: int = 0
    time_mask_frames: int = 0
    masks: int = 2
    # Band limiting in training only: with this probability an example loses every
    # frequency bin from a random cutoff in ``band_limit_bins`` up (a 16 kHz recording
    # has nothing above bin 36 of the course spectrogram, an 8 kHz one above bin 18).
    band_limit_probability: float = 0.0
    band_limit_bins: tuple[int, int] = (18, 50)
    # The detector hears 0 … ``max_hz`` only (the spectrogram's bins above it are dropped
    # by its first layer, so 44.1 kHz and 16 kHz recordings look alike); None = all.
    max_hz: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.band_limit_probability <= 1.0:
            raise ValueError("band_limit_probability must be in [0, 1]")
        check_range("band_limit_bins", self.band_limit_bins, 1, 10_000)
        if self.max_hz is not None and self.max_hz <= 0:
            raise ValueError(f"max_hz must be > 0 (or null: every bin), got {self.max_hz}")
        if min(self.freq_mask_bins, self.time_mask_frames, self.masks) < 0:
            raise ValueError("freq_mask_bins, time_mask_frames and masks must be >= 0")
        if min(self.conv_filters, self.conv_kernel, self.conv_stride) < 1:
            raise ValueError("conv_filters, conv_kernel and conv_stride must be >= 1")
        if not self.gru_units or min(self.gru_units) < 1:
            raise ValueError("gru_units must be a non-empty list of positive integers")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(BatchFitParams):
    """``trigger_word.training``: :class:`~dl_pipelines.nn.training.BatchFitParams`
    (epochs, batch_size, learning_rate, early_stopping_patience, verbose) and the
    detector's own keys."""

    positive_weight: float
    lr_schedule: str  # constant | cosine (decays to 5 % over all epochs)
    average_last_epochs: int = 0  # > 0: the model is the mean of the last N epochs' weights
    focal_gamma: float = 0.0  # > 0: focal BCE (hard steps weigh more); 0: plain
    other_word_weight: float = 1.0  # weight of the steps right after other words end
    # The training's own seed (initial weights, shuffling, SpecAugment); None: the global
    # ``seed``, which also makes the data. Another training seed on the same clips and
    # mixes: how much of a difference between two settings is one training's luck.
    seed: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(
                f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}"
            )
        if self.positive_weight <= 0:
            raise ValueError(f"positive_weight must be > 0, got {self.positive_weight}")
        if self.other_word_weight <= 0:
            raise ValueError(
                f"other_word_weight must be > 0 (1 = off), got {self.other_word_weight}"
            )
        if self.focal_gamma < 0:
            raise ValueError(f"focal_gamma must be >= 0 (0 = plain BCE), got {self.focal_gamma}")
        if not 0 <= self.average_last_epochs <= self.epochs:
            raise ValueError(
                f"average_last_epochs must be between 0 (off) and epochs "
                f"({self.epochs}), got {self.average_last_epochs}"
            )
