"""``trigger_word.mixing``: how clips become 10 s examples (counts, levels, augmentation)."""

from __future__ import annotations

from dataclasses import dataclass

from dl_pipelines.pipelines.trigger_word.params.common import check_range


@dataclass(frozen=True)
class MixingParams:
    train_examples: int
    train_free_share: float
    val_examples: int
    val_free_hours: float
    test_examples: int
    test_free_hours: float
    max_positives: int
    max_negatives: int
    free_max_negatives: int
    min_gap_s: float
    background_db: tuple[float, float]
    snr_db: tuple[float, float]
    label_steps: int
    chunk: int
    logged_examples: int
    # Words end at least this long before the example ends: a keyword is always followed
    # by some audio, as in a stream (a keyword cut off at the clip's edge cannot be told
    # from "activated", "activates" or captivate's tail by a causal detector).
    end_margin_s: float = 0.0
    # Words start at least this long after the example begins: a keyword is always
    # preceded by audio in a stream, while at a clip's first step the detector's memory
    # is empty (keywords ending in a test clip's first second were missed 3× as often).
    start_margin_s: float = 0.0
    spectrogram_threads: int = 2  # threads computing spectrograms while mixing goes on
    # Training examples only: each word's voice warped (resampled by a factor drawn
    # log-uniformly in ``voice_warp``: pitch, formants and tempo move together) and, with
    # ``reverb_probability``, put through a random room (RT60 in ``reverb_seconds``,
    # direct-to-reverberant ratio in ``reverb_drr_db``). Held-out voices are not warped.
    voice_warp: tuple[float, float] = (1.0, 1.0)
    reverb_probability: float = 0.0
    reverb_seconds: tuple[float, float] = (0.2, 0.8)
    reverb_drr_db: tuple[float, float] = (0.0, 12.0)
    # > 0: the rooms are this many simulated shoeboxes (pyroomacoustics; RT60 in
    # reverb_seconds, the direct-to-reverberant ratio from the geometry, not
    # reverb_drr_db); 0: a noise tail of that RT60 and ratio.
    reverb_rooms: int = 0
    # Training words only: this share re-spoken through a new glottal source (LPC
    # resynthesis: the buzzy sound of parametric synthesisers, other pitch contours).
    voice_resynthesis_probability: float = 0.0
    # Training examples only, the whole example: a random microphone / loudspeaker
    # response (high-pass, low-pass, two resonances of ± channel_eq_db) …
    channel_eq_probability: float = 0.0
    channel_eq_db: float = 6.0
    # … and a recording at one of channel_rates (Hz), resampled back.
    channel_band_limit_probability: float = 0.0
    channel_rates: tuple[int, ...] = (8000, 16000)
    # Training keywords' SNR range, when it differs from ``snr_db`` (which validation and
    # test keep): lower, the training hears more of the hard end of the test's range.
    train_snr_db: tuple[float, float] | None = None
    # How often training examples draw each background group (its kind in the default
    # set, its sub-folder or file for your own), relative to 1 for a group not named:
    # {babble: 2} gives babble twice the share. Validation and test draw uniformly.
    train_background_weights: dict | None = None
    # Training examples' most other words (with or without keywords), when it differs
    # from max_negatives / free_max_negatives (which validation and test keep): more near
    # misses per example at the same cost; words that do not fit are dropped.
    train_max_negatives: int | None = None

    def __post_init__(self) -> None:
        if self.spectrogram_threads < 1:
            raise ValueError(f"spectrogram_threads must be >= 1, got {self.spectrogram_threads}")
        if self.end_margin_s < 0 or self.start_margin_s < 0:
            raise ValueError(
                f"end_margin_s and start_margin_s must be >= 0, got "
                f"{self.end_margin_s} and {self.start_margin_s}"
            )
        check_range("voice_warp", self.voice_warp, 0.5, 2.0)
        check_range("reverb_seconds", self.reverb_seconds, 0.01, 3.0)
        check_range("reverb_drr_db", self.reverb_drr_db, -20, 40)
        for name in (
            "channel_eq_probability",
            "channel_band_limit_probability",
            "voice_resynthesis_probability",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.reverb_rooms < 0 or not 0 <= self.channel_eq_db <= 24:
            raise ValueError("reverb_rooms must be >= 0 and channel_eq_db in [0, 24]")
        if not self.channel_rates or min(self.channel_rates) < 4000:
            raise ValueError(
                f"channel_rates must be sample rates >= 4000 Hz, got {list(self.channel_rates)}"
            )
        if not 0 <= self.reverb_probability <= 1:
            raise ValueError(f"reverb_probability must be in [0, 1], got {self.reverb_probability}")
        if min(self.train_examples, self.val_examples, self.test_examples) < 1:
            raise ValueError("train_examples, val_examples and test_examples must be >= 1")
        if not 0 <= self.train_free_share < 1:
            raise ValueError(f"train_free_share must be in [0, 1), got {self.train_free_share}")
        if self.min_gap_s < 0:
            raise ValueError(f"min_gap_s must be >= 0, got {self.min_gap_s}")
        if self.val_free_hours <= 0 or self.test_free_hours <= 0:
            raise ValueError("val_free_hours and test_free_hours must be > 0")
        if self.train_max_negatives is not None and self.train_max_negatives < 0:
            raise ValueError(f"train_max_negatives must be >= 0, got {self.train_max_negatives}")
        if self.max_positives < 1 or self.max_negatives < 0 or self.free_max_negatives < 0:
            raise ValueError("max_positives must be >= 1, the negative counts >= 0")
        check_range("background_db", self.background_db, -120, 0)
        check_range("snr_db", self.snr_db, -30, 60)
        if self.train_snr_db is not None:
            check_range("train_snr_db", self.train_snr_db, -30, 60)
        bad = {
            str(k): v
            for k, v in (self.train_background_weights or {}).items()
            if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0
        }
        if bad:
            raise ValueError(f"train_background_weights must be numbers > 0, got {bad}")
        if self.label_steps < 1 or self.chunk < 1 or self.logged_examples < 0:
            raise ValueError("label_steps and chunk must be >= 1, logged_examples >= 0")
