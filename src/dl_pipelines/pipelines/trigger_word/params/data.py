"""``trigger_word.default_data`` and ``trigger_word.split``: the clips the examples are made of,
and the spelling rules that pick the words sounding like the keyword."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_pipelines.pipelines.trigger_word.params.common import SPLITS, check_range
from dl_pipelines.pipelines.trigger_word.synthesis import BACKGROUND_KINDS


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
ENGINE_NAMES = ("espeak", "piper", "kokoro", "pico", "festival", "flite", "gnuspeech")


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
        check_range(f"{self.engine} speed", self.speed, 0.5, 2.0)


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
        check_range("rate", self.rate, 80, 450)
        check_range("pitch", self.pitch, 0, 100)
        check_range("pitch_range", self.pitch_range, 0, 100)
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
