"""Training examples by mixing: background + keyword clips + other words, with labels.

Each example is one background segment (level jitter) with 0–``max_positives``
keyword clips and 0–``max_negatives`` other words at random non-overlapping
positions at least ``min_gap`` samples apart, each at a random SNR against the
background. Training examples may also change each word's voice (``warp``: a
resampling that moves pitch, formants and tempo together, as a longer or shorter vocal
tract and a slower or faster speaker would) and put it in a room (``reverb``: an
exponentially decaying noise impulse response); the keyword's end stays the end of the
dry word. The label track has ``Ty``
steps; the ``label_steps`` steps right after each keyword ends are 1 (the course's
trick that gives the rare event enough positive steps), clipped at ``Ty``.

Example ``i`` of split ``s`` draws all its randomness from ``rng(seed, "mix", s, i)``,
so any single example can be re-made exactly (for the logged examples, the benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.signal import oaconvolve

from dl_pipelines.audio import io as audio_io
from dl_pipelines.audio import levels
from dl_pipelines.pipelines.trigger_word import channel


@dataclass(frozen=True)
class ClipBank:
    """Clips stored end to end: clip ``i`` is ``samples[offsets[i]:offsets[i + 1]]``."""

    samples: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def clip(self, index: int) -> np.ndarray:
        raw = self.samples[self.offsets[index] : self.offsets[index + 1]]
        return raw.astype(np.float32) / 32768.0 if raw.dtype == np.int16 else raw

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def from_clips(cls, clips: list[np.ndarray]) -> ClipBank:
        offsets = np.zeros(len(clips) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(c) for c in clips])
        samples = audio_io.to_int16(np.concatenate(clips)) if clips else np.zeros(0, dtype=np.int16)
        return cls(samples, offsets)


@dataclass(frozen=True)
class MixSpec:
    """How examples are mixed (``trigger_word.mixing`` plus the audio settings)."""

    sample_rate: int
    n_samples: int  # samples per example (clip_seconds × rate)
    output_steps: int  # Ty
    label_steps: int  # ones after each keyword end
    max_positives: int
    max_negatives: int
    background_db: tuple[float, float]  # background RMS level, dBFS
    snr_db: tuple[float, float]  # word (active RMS) over background RMS
    peak: float = 0.99
    min_gap: int = 0  # samples of pause at least between two words
    end_margin: int = 0  # samples at the end where no word may be
    start_margin: int = 0  # samples at the start where no word may be
    warp: tuple[float, float] = (1.0, 1.0)  # resampling factor range, log-uniform (1 = off)
    reverb_probability: float = 0.0  # share of words put through a random room
    reverb_seconds: tuple[float, float] = (0.2, 0.8)  # its RT60 (60 dB decay) range
    reverb_drr_db: tuple[float, float] = (0.0, 12.0)  # direct-to-reverberant ratio range
    resynthesis_probability: float = 0.0  # share of words given a new glottal source
    rooms: tuple[np.ndarray, ...] = ()  # simulated room responses (else the noise tail)
    eq_probability: float = 0.0  # share of examples through a random mic response
    eq_db: float = 6.0  # its resonances' largest gain
    band_limit_probability: float = 0.0  # share of examples recorded at a lower rate …
    band_limit_rates: tuple[int, ...] = (8000, 16000)  # … one of these


# ----------------------------------------------------------------------------- labels
def end_step(end_sample: int, n_samples: int, output_steps: int) -> int:
    """The output step in which sample ``end_sample`` of an ``n_samples`` clip falls."""
    return int(end_sample * output_steps // n_samples)


def label_track(
    end_samples: list[int] | np.ndarray, n_samples: int, output_steps: int, label_steps: int
) -> np.ndarray:
    """``y`` (Ty,) uint8: 1 on the ``label_steps`` steps right after each keyword end."""
    y = np.zeros(output_steps, dtype=np.uint8)
    for end in end_samples:
        step = end_step(int(end), n_samples, output_steps)
        y[step + 1 : min(output_steps, step + 1 + label_steps)] = 1
    return y


# ----------------------------------------------------------------------------- placing
def needed(lengths: np.ndarray, min_gap: int = 0) -> int:
    """Samples that clips of ``lengths`` take with ``min_gap`` between neighbours."""
    return int(np.sum(lengths)) + min_gap * max(0, len(lengths) - 1)


def place(
    lengths: np.ndarray, n_samples: int, generator: np.random.Generator, min_gap: int = 0
) -> np.ndarray:
    """Random start samples for clips of ``lengths``, at least ``min_gap`` apart, in ``n_samples``.

    The free time (what the clips and the minimum gaps leave) is cut at uniform
    random points and the clips laid in a random order between the cuts, each after
    its minimum gap: every such arrangement is possible, and no retry loop is needed.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    free = n_samples - needed(lengths, min_gap)
    if free < 0:
        raise ValueError(
            f"clips of {int(lengths.sum())} samples with gaps of {min_gap} "
            f"do not fit in {n_samples}"
        )
    order = generator.permutation(len(lengths))
    cuts = np.sort(generator.integers(0, free + 1, len(lengths)))
    starts = np.empty(len(lengths), dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(lengths[order] + min_gap)[:-1]]) if len(lengths) else []
    starts[order] = cuts + np.asarray(before, dtype=np.int64)
    return starts


# ----------------------------------------------------------------------- augmentation
def warp(clip: np.ndarray, factor: float) -> np.ndarray:
    """``clip`` played ``factor`` times faster: pitch and formants × factor, length ÷ factor.

    Linear interpolation: at the factors used (≈ 0.8–1.25) what it aliases lies above
    speech's energy.
    """
    if factor == 1.0 or len(clip) < 2:
        return clip
    n = max(2, int(round(len(clip) / factor)))
    positions = np.arange(n, dtype=np.float64) * ((len(clip) - 1) / (n - 1))
    return np.interp(positions, np.arange(len(clip)), clip).astype(np.float32)


def room_response(
    generator: np.random.Generator, sample_rate: int, rt60: float, drr_db: float
) -> np.ndarray:
    """A room's impulse response: the direct path (1.0) then a noise tail decaying
    60 dB in ``rt60`` seconds, ``drr_db`` below the direct path in energy."""
    n = max(2, int(round(rt60 * sample_rate)))
    t = np.arange(1, n, dtype=np.float64) / sample_rate
    tail = generator.standard_normal(n - 1) * np.exp(-6.9078 * t / rt60)
    tail *= np.sqrt(levels.db_to_gain(-drr_db) ** 2 / max(float(np.sum(tail**2)), 1e-12))
    return np.concatenate([[1.0], tail]).astype(np.float32)


def augment_word(
    clip: np.ndarray,
    spec: MixSpec,
    generator: np.random.Generator,
) -> tuple[np.ndarray, int]:
    """A word in a new voice and room (``spec.resynthesis_probability``: a new glottal
    source, :func:`~.channel.resynthesise`; ``spec.warp``, ``spec.reverb_*``): the samples,
    and where the dry word ends in them (a reverberant tail may follow). With both off,
    the clip itself and its length."""
    if spec.resynthesis_probability > 0 and generator.random() < spec.resynthesis_probability:
        clip = channel.resynthesise(clip, spec.sample_rate, generator)
    low, high = spec.warp
    if high > low:
        clip = warp(clip, float(np.exp(generator.uniform(np.log(low), np.log(high)))))
    dry = len(clip)
    if spec.reverb_probability > 0 and generator.random() < spec.reverb_probability:
        if spec.rooms:
            response = spec.rooms[int(generator.integers(0, len(spec.rooms)))]
        else:
            response = room_response(
                generator,
                spec.sample_rate,
                generator.uniform(*spec.reverb_seconds),
                generator.uniform(*spec.reverb_drr_db),
            )
        clip = oaconvolve(clip, response).astype(np.float32)
    return clip, dry


def apply_channel(samples: np.ndarray, spec: MixSpec, generator: np.random.Generator) -> np.ndarray:
    """The whole example through a random microphone response and a lower recording
    rate (``spec.eq_*``, ``spec.band_limit_*``); draws nothing when both are off."""
    if spec.eq_probability > 0 and generator.random() < spec.eq_probability:
        samples = channel.apply_response(
            samples, channel.random_response(len(samples), spec.sample_rate, generator, spec.eq_db)
        )
    if spec.band_limit_probability > 0 and generator.random() < spec.band_limit_probability:
        rate = int(generator.choice(spec.band_limit_rates))
        samples = channel.band_limit(samples, spec.sample_rate, rate)
    return samples


# ------------------------------------------------------------------------------ mixing
class Mixed(NamedTuple):
    """One mixed example and what went into it (for the labels and the error analysis)."""

    samples: np.ndarray  # (n_samples,) float32
    ends: list[int]  # keyword end samples, in time order
    background: int  # the background clip's index in its bank
    keyword_clips: list[int]  # the keyword clips' indices, in the order of ``ends``
    keyword_snr_db: list[float]  # each keyword's SNR over the background, same order
    other_ends: list[int]  # other words' end samples, in time order


def mix_example(
    generator: np.random.Generator,
    spec: MixSpec,
    backgrounds: ClipBank,
    background_ids: np.ndarray,
    positives: ClipBank,
    positive_ids: np.ndarray,
    negatives: ClipBank,
    negative_ids: np.ndarray,
    n_positives: int | None = None,
    n_negatives: int | None = None,
    background_p: np.ndarray | None = None,
) -> Mixed:
    """One mixed example (:class:`Mixed`): its samples, keyword ends, and sources.

    Args:
        generator: The example's own generator.
        spec: Sizes, levels and SNRs.
        backgrounds, positives, negatives: The clip banks.
        background_ids, positive_ids, negative_ids: The clips this split may use.
        n_positives, n_negatives: Fixed counts; by default uniform in 0…max.
        background_p: How likely each of ``background_ids`` is; uniform by default.
    """
    n = spec.n_samples
    bg = int(
        generator.choice(background_ids)
        if background_p is None
        else generator.choice(background_ids, p=background_p)
    )
    start, length = backgrounds.offsets[bg], backgrounds.lengths()[bg]
    if length < n:
        raise ValueError(f"background {bg} has {length} samples, fewer than {n}")
    offset = int(generator.integers(0, length - n + 1))
    out = backgrounds.samples[start + offset : start + offset + n].astype(np.float32) / 32768.0
    out *= np.float32(
        levels.db_to_gain(generator.uniform(*spec.background_db))
        / max(float(levels.rms(out)), 1e-9)
    )
    background_rms = max(float(levels.rms(out)), 1e-6)

    k = int(generator.integers(0, spec.max_positives + 1)) if n_positives is None else n_positives
    m = int(generator.integers(0, spec.max_negatives + 1)) if n_negatives is None else n_negatives
    chosen = [("p", int(i)) for i in generator.choice(positive_ids, k)] if k else []
    chosen += [("n", int(i)) for i in generator.choice(negative_ids, m)] if m else []
    clips = []  # (kind, index, samples, where the dry word ends)
    for kind, i in chosen:  # (augment_word draws nothing and copies nothing when off)
        clips.append(
            (
                kind,
                i,
                *augment_word((positives if kind == "p" else negatives).clip(i), spec, generator),
            )
        )
    # Drop other words (then keywords) until everything fits.
    room = n - spec.start_margin - spec.end_margin
    while clips and needed([len(c[2]) for c in clips], spec.min_gap) > room:
        drop = max((j for j, c in enumerate(clips) if c[0] == "n"), default=None)
        clips.pop(drop if drop is not None else len(clips) - 1)
    starts = spec.start_margin + place(
        np.array([len(c[2]) for c in clips]), room, generator, spec.min_gap
    )
    keywords, others = [], []  # (end sample, clip index, SNR); end samples
    for (kind, i, clip, dry), begin in zip(clips, starts, strict=True):
        level = levels.active_rms(clip, spec.sample_rate)
        snr_db = float(generator.uniform(*spec.snr_db))
        gain = levels.gain_for_snr(max(level, 1e-6), background_rms, snr_db)
        out[begin : begin + len(clip)] += np.float32(gain) * clip
        if kind == "p":
            keywords.append((int(begin + dry), i, snr_db))
        else:
            others.append(int(begin + dry))
    keywords.sort()
    out = apply_channel(out, spec, generator)
    return Mixed(
        levels.peak_normalise(out, spec.peak),
        [k[0] for k in keywords],
        bg,
        [k[1] for k in keywords],
        [k[2] for k in keywords],
        sorted(others),
    )
