"""The ``trigger_word`` parameters as typed dataclasses (validated by ``config.parse``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dl_pipelines.pipelines.trigger_word.synthesis import BACKGROUND_KINDS
from dl_pipelines.runtime.config import parse

SPLITS = ("train", "val", "test")


def _range(name: str, values: tuple[float, float], low: float, high: float) -> None:
    if not low <= values[0] <= values[1] <= high:
        raise ValueError(f"{name} must be [low, high] within [{low}, {high}], got {list(values)}")


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

    def __post_init__(self) -> None:
        if self.nfft < 16 or not 0 <= self.noverlap < self.nfft or self.scale_db <= 0:
            raise ValueError("need nfft >= 16, 0 <= noverlap < nfft and scale_db > 0")

    @property
    def hop(self) -> int:
        return self.nfft - self.noverlap

    @property
    def n_freqs(self) -> int:
        return self.nfft // 2 + 1

    @property
    def floor_value(self) -> float:
        """What a bin at or below ``floor_db`` holds once normalised (silence, an empty band)."""
        return (self.floor_db - self.center_db) / self.scale_db

    def kwargs(self) -> dict[str, Any]:
        return {
            "nfft": self.nfft,
            "noverlap": self.noverlap,
            "floor_db": self.floor_db,
            "center_db": self.center_db,
            "scale_db": self.scale_db,
        }


@dataclass(frozen=True)
class VoiceSet:
    accents: tuple[str, ...]
    variants: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.accents or not self.variants:
            raise ValueError("every voice set needs at least one accent and one variant")

    def voices(self) -> list[str]:
        return [f"{a}+{v}" for a in self.accents for v in self.variants]


@dataclass(frozen=True)
class Voices:
    train: VoiceSet
    val: VoiceSet
    test: VoiceSet

    def __post_init__(self) -> None:
        for field in ("accents", "variants"):
            seen: dict[str, str] = {}
            for split in SPLITS:
                for name in getattr(getattr(self, split), field):
                    if name in seen and seen[name] != split:
                        raise ValueError(
                            f"{field[:-1]} '{name}' is in both {seen[name]} and "
                            f"{split}: held-out voices must be new"
                        )
                    seen[name] = split


#: The speech engines of :mod:`~dl_pipelines.pipelines.trigger_word.engines`.
ENGINE_NAMES = ("espeak", "piper", "festival", "flite")


@dataclass(frozen=True)
class EngineSource:
    """``default_data.engines[i]``: one more synthesiser, its voices all in one split.

    A whole engine in validation or test is a *held-out family*: the detector never
    heard it in training, which is what a user's voice is.
    """

    engine: str
    split: str
    voices: tuple[str, ...]
    keyword_clips_per_voice: int
    negative_clips_per_voice: int
    speed: tuple[float, float] = (0.85, 1.2)  # speaking pace, log-uniform

    def __post_init__(self) -> None:
        if self.engine not in ENGINE_NAMES:
            raise ValueError(f"unknown engine '{self.engine}'; known: {list(ENGINE_NAMES)}")
        if self.split not in SPLITS:
            raise ValueError(
                f"engine '{self.engine}' has split '{self.split}'; one of {list(SPLITS)}"
            )
        if not self.voices:
            raise ValueError(f"engine '{self.engine}' lists no voices")
        if self.keyword_clips_per_voice < 1 or self.negative_clips_per_voice < 1:
            raise ValueError(f"engine '{self.engine}': clips per voice must be >= 1")
        _range(f"{self.engine} speed", self.speed, 0.5, 2.0)


@dataclass(frozen=True)
class BackgroundParams:
    seconds: float
    per_kind: dict
    train_kinds: tuple[str, ...]
    heldout_kinds: tuple[str, ...]
    level_change_probability: float
    level_change_db: float
    # Kinds heard in training only: more varied noise for the detector, while validation
    # and test keep their kinds (train_kinds + heldout_kinds), so runs stay comparable.
    train_only_kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        every = self.train_kinds + self.heldout_kinds + self.train_only_kinds
        unknown = sorted(set(every) - set(BACKGROUND_KINDS))
        if unknown:
            raise ValueError(f"unknown background kinds {unknown}; known: {list(BACKGROUND_KINDS)}")
        if len(set(every)) < len(every):
            raise ValueError(
                "a background kind can be in one of train_kinds, heldout_kinds "
                "and train_only_kinds only"
            )
        if set(self.per_kind) != set(SPLITS) or min(self.per_kind.values()) < 1:
            raise ValueError("per_kind must give train, val and test counts >= 1")


@dataclass(frozen=True)
class DefaultDataParams:
    voices: Voices
    keyword_clips_per_voice: int
    negative_clips_per_voice: int
    rate: tuple[int, int]
    pitch: tuple[int, int]
    pitch_range: tuple[int, int]
    negative_words: tuple[str, ...]
    babble_words: tuple[str, ...]
    backgrounds: BackgroundParams
    # Hard negatives: this share of the TRAINING voices' other-word clips is drawn from
    # the negative words sharing a run of ``confusable_letters`` letters with the keyword
    # (the rest uniformly from all); validation and test keep the uniform draw.
    train_confusable_share: float = 0.0
    confusable_letters: int = 3
    # Among them, a word sharing a longer run is drawn more often: weight
    # confusable_boost ** (run − confusable_letters); 1 = uniform.
    confusable_boost: float = 1.0
    # Other synthesisers than eSpeak NG, each in one split (a held-out family there).
    engines: tuple[EngineSource, ...] = ()

    def __post_init__(self) -> None:
        if self.keyword_clips_per_voice < 1 or self.negative_clips_per_voice < 1:
            raise ValueError("keyword_clips_per_voice and negative_clips_per_voice must be >= 1")
        if not 0.0 <= self.train_confusable_share <= 1.0:
            raise ValueError("train_confusable_share must be in [0, 1]")
        if self.confusable_letters < 2:
            raise ValueError("confusable_letters must be >= 2")
        if not 1.0 <= self.confusable_boost <= 10.0:
            raise ValueError(f"confusable_boost must be in [1, 10], got {self.confusable_boost}")
        _range("rate", self.rate, 80, 450)
        _range("pitch", self.pitch, 0, 100)
        _range("pitch_range", self.pitch_range, 0, 100)
        if not self.negative_words or not self.babble_words:
            raise ValueError("negative_words and babble_words must not be empty")
        names = [e.engine for e in self.engines]
        if "espeak" in names or len(set(names)) < len(names):
            raise ValueError(
                "engines: list each engine once, and not espeak (its voices "
                "are default_data.voices)"
            )


@dataclass(frozen=True)
class SplitParams:
    val: float
    test: float

    def __post_init__(self) -> None:
        if self.val <= 0 or self.test <= 0 or self.val + self.test >= 1:
            raise ValueError("val and test must be > 0 with val + test < 1")


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
        _range("voice_warp", self.voice_warp, 0.5, 2.0)
        _range("reverb_seconds", self.reverb_seconds, 0.01, 3.0)
        _range("reverb_drr_db", self.reverb_drr_db, -20, 40)
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
        _range("background_db", self.background_db, -120, 0)
        _range("snr_db", self.snr_db, -30, 60)
        if self.train_snr_db is not None:
            _range("train_snr_db", self.train_snr_db, -30, 60)
        bad = {
            str(k): v
            for k, v in (self.train_background_weights or {}).items()
            if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0
        }
        if bad:
            raise ValueError(f"train_background_weights must be numbers > 0, got {bad}")
        if self.label_steps < 1 or self.chunk < 1 or self.logged_examples < 0:
            raise ValueError("label_steps and chunk must be >= 1, logged_examples >= 0")


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

    def __post_init__(self) -> None:
        if not 0.0 <= self.band_limit_probability <= 1.0:
            raise ValueError("band_limit_probability must be in [0, 1]")
        _range("band_limit_bins", self.band_limit_bins, 1, 10_000)
        if min(self.freq_mask_bins, self.time_mask_frames, self.masks) < 0:
            raise ValueError("freq_mask_bins, time_mask_frames and masks must be >= 0")
        if min(self.conv_filters, self.conv_kernel, self.conv_stride) < 1:
            raise ValueError("conv_filters, conv_kernel and conv_stride must be >= 1")
        if not self.gru_units or min(self.gru_units) < 1:
            raise ValueError("gru_units must be a non-empty list of positive integers")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class TrainingParams:
    epochs: int
    batch_size: int
    learning_rate: float
    positive_weight: float
    early_stopping_patience: int
    lr_schedule: str  # constant | cosine (decays to 5 % over all epochs)
    average_last_epochs: int = 0  # > 0: the model is the mean of the last N epochs' weights
    focal_gamma: float = 0.0  # > 0: focal BCE (hard steps weigh more); 0: plain
    other_word_weight: float = 1.0  # weight of the steps right after other words end
    verbose: int = 0
    # The training's own seed (initial weights, shuffling, SpecAugment); None: the global
    # ``seed``, which also makes the data. Another training seed on the same clips and
    # mixes: how much of a difference between two settings is one training's luck.
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs and batch_size must be >= 1 and learning_rate > 0")
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


@dataclass(frozen=True)
class TriggerWordParams:
    """The whole ``trigger_word`` section of ``parameters_trigger_word.yml``."""

    keyword: str
    audio: AudioParams
    spectrogram: SpectrogramParams
    default_data: DefaultDataParams
    split: SplitParams
    mixing: MixingParams
    model: ModelParams
    training: TrainingParams
    evaluation: EvaluationParams
    registry: RegistryParams
    detect: DetectParams

    def __post_init__(self) -> None:
        keyword = self.keyword.strip().lower()
        if not keyword:
            raise ValueError(
                f"trigger_word.keyword is empty ({self.keyword!r}): give the word "
                "to detect, e.g. 'activate'"
            )
        for field in ("negative_words", "babble_words"):
            clash = [w for w in getattr(self.default_data, field) if keyword in w.lower()]
            if clash:
                raise ValueError(
                    f"default_data.{field} {clash} contain the keyword '{self.keyword}': "
                    "other words must not say it. Remove them from "
                    f"trigger_word.default_data.{field} (for a new keyword, also replace "
                    "the confusable words at the head of negative_words, chosen for "
                    f"'activate', by words that sound like '{self.keyword}'; see "
                    "docs/trigger_word.md § A new keyword)"
                )
        if self.default_data.backgrounds.seconds < self.audio.clip_seconds:
            raise ValueError("default_data.backgrounds.seconds must be >= audio.clip_seconds")
        margins = self.mixing.start_margin_s + self.mixing.end_margin_s
        if margins > self.audio.clip_seconds / 2:
            raise ValueError(
                f"mixing.start_margin_s + end_margin_s ({margins:g}) must be at "
                f"most half of audio.clip_seconds ({self.audio.clip_seconds})"
            )
        if self.hold_steps > self.mixing.label_steps:
            raise ValueError(
                f"evaluation.hold_s ({self.evaluation.hold_s:g} s, {self.hold_steps} steps) "
                f"must be at most mixing.label_steps ({self.mixing.label_steps} steps, "
                f"{self.mixing.label_steps * self.seconds_per_step:.2f} s): the detector "
                "keeps its score up only that long after a keyword"
            )

    @property
    def input_frames(self) -> int:
        from dl_pipelines.audio.io import spectrogram_frames

        return spectrogram_frames(
            self.audio.n_samples, self.spectrogram.nfft, self.spectrogram.noverlap
        )

    @property
    def output_steps(self) -> int:
        return (self.input_frames - self.model.conv_kernel) // self.model.conv_stride + 1

    @property
    def seconds_per_step(self) -> float:
        """Duration of one output step (≈ 7.3 ms with the course settings)."""
        return self.spectrogram.hop * self.model.conv_stride / self.audio.sample_rate

    @property
    def hold_steps(self) -> int:
        """``evaluation.hold_s`` in output steps (1: no hold)."""
        return max(1, int(round(self.evaluation.hold_s / self.seconds_per_step)))


def confusable_words(keyword: str, words: tuple[str, ...], letters: int = 4) -> list[str]:
    """The ``words`` that share a run of ``letters`` letters with ``keyword``.

    A rough, spelling-based stand-in for "shares sounds with the keyword" (for
    "activate": activity, captivate, motivate, …), used to warn when the negative words
    were left as they are for another keyword.
    """
    key = "".join(c for c in keyword.lower() if c.isalpha())
    grams = {key[i : i + letters] for i in range(len(key) - letters + 1)} or {key}
    return [w for w in words if any(g in w.lower() for g in grams)]


def shared_run(keyword: str, word: str) -> int:
    """Letters in the longest run that ``word`` shares with ``keyword`` (spelling only)."""
    key = "".join(c for c in keyword.lower() if c.isalpha())
    other = "".join(c for c in word.lower() if c.isalpha())
    return next(
        (
            n
            for n in range(len(key), 0, -1)  # the longest first
            if any(key[i : i + n] in other for i in range(len(key) - n + 1))
        ),
        0,
    )


def confusable_weights(
    keyword: str, confusables: list[str], letters: int, boost: float
) -> np.ndarray:
    """Draw probabilities of the ``confusables``: ∝ ``boost ** (shared run − letters)``."""
    weights = np.array([boost ** (shared_run(keyword, w) - letters) for w in confusables])
    return weights / weights.sum() if len(weights) else weights


def parse_params(raw: Any) -> TriggerWordParams:
    """Validate ``params:trigger_word``; a clear :class:`ParameterError` otherwise."""
    return parse(TriggerWordParams, raw, "trigger_word")
