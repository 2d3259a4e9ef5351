"""``trigger_word.evaluation``, ``registry`` and ``detect``: scoring, the gate, detection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvaluationParams:
    refractory_s: float
    tolerance_s: tuple[float, float]
    max_fa_per_hour: float
    thresholds: int
    threshold_range: tuple[float, float]
    batch_size: int
    snr_bands_db: tuple[float, ...]  # edges of the SNR bands of the test FRR breakdown
    # Peaks are picked on the score held for this long (events.hold): a detection needs
    # the score to stay up hold_s, not to spike. 0 = the raw score track.
    hold_s: float = 0.0
    # The test keyword examples are also scored as recorded at these rates (Hz).
    recording_rates: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.hold_s < 0:
            raise ValueError(f"hold_s must be >= 0, got {self.hold_s}")
        bands = self.snr_bands_db
        if len(bands) < 2 or any(b >= a for b, a in zip(bands, bands[1:], strict=False)):
            raise ValueError(
                f"snr_bands_db must be 2 or more increasing edges (dB), got {list(bands)}"
            )
        if self.refractory_s <= 0 or self.tolerance_s[0] > self.tolerance_s[1]:
            raise ValueError("refractory_s must be > 0 and tolerance_s [before, after] ordered")
        if self.thresholds < 2 or self.max_fa_per_hour < 0 or self.batch_size < 1:
            raise ValueError("thresholds >= 2, max_fa_per_hour >= 0, batch_size >= 1")
        low, high = self.threshold_range
        if not 0 < low < high < 1:
            raise ValueError(
                f"threshold_range must be [low, high] with 0 < low < high < 1, "
                f"got {list(self.threshold_range)}"
            )


@dataclass(frozen=True)
class RegistryParams:
    max_test_frr: float


@dataclass(frozen=True)
class DetectParams:
    chime_hz: float
    chime_seconds: float
    chime_db: float
    window_seconds: float  # long files are scored in windows this long …
    overlap_seconds: float  # … overlapping by this much (warm-up context)
    threshold: float | None = None  # None: the one chosen on validation at training

    def __post_init__(self) -> None:
        if not 0 <= self.overlap_seconds < self.window_seconds:
            raise ValueError(
                "need 0 <= overlap_seconds < window_seconds, got "
                f"{self.overlap_seconds} and {self.window_seconds}"
            )
