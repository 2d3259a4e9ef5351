"""The ``trigger_word`` parameters as typed dataclasses (validated by ``config.parse``).

:func:`parse_params` turns the ``trigger_word`` section of
``conf/base/parameters_trigger_word.yml`` into a :class:`TriggerWordParams`; each of its
sub-sections is a dataclass of the module named after it: :mod:`.audio` (``audio``,
``spectrogram``), :mod:`.data` (``default_data``, ``split``), :mod:`.mixing`,
:mod:`.model` (``model``, ``training``) and :mod:`.evaluation` (``evaluation``,
``registry``, ``detect``). Every name is importable from this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dl_pipelines.pipelines.trigger_word.params.audio import AudioParams, SpectrogramParams
from dl_pipelines.pipelines.trigger_word.params.common import SPLITS
from dl_pipelines.pipelines.trigger_word.params.data import (
    ENGINE_NAMES,
    BackgroundParams,
    DefaultDataParams,
    EngineSource,
    SplitParams,
    Voices,
    VoiceSet,
    confusable_weights,
    confusable_words,
    shared_run,
)
from dl_pipelines.pipelines.trigger_word.params.evaluation import (
    DetectParams,
    EvaluationParams,
    RegistryParams,
)
from dl_pipelines.pipelines.trigger_word.params.mixing import MixingParams
from dl_pipelines.pipelines.trigger_word.params.model import ModelParams, TrainingParams
from dl_pipelines.runtime.config import parse


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
        from dl_pipelines.audio.spectrograms import spectrogram_frames

        return spectrogram_frames(
            self.audio.n_samples, self.spectrogram.nfft, self.spectrogram.noverlap
        )

    @property
    def output_steps(self) -> int:
        return (self.input_frames - self.model.conv_kernel) // self.model.conv_stride + 1

    @property
    def heard_freqs(self) -> int | None:
        """Spectrogram bins the detector keeps (centres ≤ ``model.max_hz``); None = all."""
        if self.model.max_hz is None:
            return None
        bin_hz = self.audio.sample_rate / self.spectrogram.nfft
        return min(self.spectrogram.n_freqs, int(self.model.max_hz // bin_hz) + 1)

    @property
    def seconds_per_step(self) -> float:
        """Duration of one output step (≈ 7.3 ms with the course settings)."""
        return self.spectrogram.hop * self.model.conv_stride / self.audio.sample_rate

    @property
    def hold_steps(self) -> int:
        """``evaluation.hold_s`` in output steps (1: no hold)."""
        return max(1, int(round(self.evaluation.hold_s / self.seconds_per_step)))


def parse_params(raw: Any) -> TriggerWordParams:
    """Validate ``params:trigger_word``; a clear :class:`ParameterError` otherwise."""
    return parse(TriggerWordParams, raw, "trigger_word")


__all__ = [
    "ENGINE_NAMES",
    "SPLITS",
    "AudioParams",
    "BackgroundParams",
    "DefaultDataParams",
    "DetectParams",
    "EngineSource",
    "EvaluationParams",
    "MixingParams",
    "ModelParams",
    "RegistryParams",
    "SpectrogramParams",
    "SplitParams",
    "TrainingParams",
    "TriggerWordParams",
    "VoiceSet",
    "Voices",
    "confusable_weights",
    "confusable_words",
    "parse_params",
    "shared_run",
]
