"""The clips every example is mixed from: the user's, checked and split by speaker, or the
default set (:mod:`.default_clips`), packed into one bank per kind.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

import numpy as np

from dl_pipelines.audio import levels, resampling
from dl_pipelines.pipelines.trigger_word import speech
from dl_pipelines.pipelines.trigger_word.default_clips import default_clips
from dl_pipelines.pipelines.trigger_word.mixing import ClipBank
from dl_pipelines.pipelines.trigger_word.params import SPLITS, TriggerWordParams
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)

KINDS = ("positives", "negatives", "backgrounds")
#: A user's word clip shorter than this (after trimming silence) is warned about.
MIN_WORD_SECONDS = 0.15
Audio = tuple[np.ndarray, int]


def make_clips(
    raws: tuple[dict[str, Audio], dict[str, Audio], dict[str, Audio]],
    p: TriggerWordParams,
    seed: int,
) -> dict[str, np.ndarray]:
    """The clips of each kind, resampled (the user's) or synthesised (the defaults), split.

    Args:
        raws: The user's positives, negatives and backgrounds, ``{name: (samples,
            rate)}`` each; an empty one is replaced by the default set
            (:func:`~.default_clips.default_clips`).
        p: The ``trigger_word`` parameters.
        seed: The run's seed (splits, default clips).

    Returns:
        What :func:`~dl_pipelines.pipelines.trigger_word.nodes.prepare_clips` returns.
    """
    try:
        speech.check_speakable(p.keyword)
    except speech.SpeechError as error:
        raise ValueError(
            f"{error} Fix 'trigger_word.keyword' in conf/base/parameters_trigger_word.yml."
        ) from error
    rate = p.audio.sample_rate
    out: dict[str, np.ndarray] = {"sample_rate": np.asarray(rate)}
    for kind, raw in zip(KINDS, raws, strict=True):
        if raw:
            clips, split, names, groups = user_clips(kind, raw, p, seed)
        else:
            logger.info(
                "data/01_raw/trigger_word/%s is empty: synthesising the default %s.", kind, kind
            )
            clips, split, names, groups = default_clips(kind, p, seed)
        for s, name in enumerate(SPLITS):
            count = int(np.sum(np.asarray(split) == s))
            if count == 0:
                raise ValueError(
                    f"No {kind} clips for the {name} split: add more files (or "
                    f"speaker sub-folders) to data/01_raw/trigger_word/{kind}/."
                )
        bank = ClipBank.from_clips(clips)
        out[f"{kind}_samples"] = bank.samples
        out[f"{kind}_offsets"] = bank.offsets
        out[f"{kind}_split"] = np.asarray(split, dtype=np.int8)
        out[f"{kind}_names"] = np.asarray(names)
        out[f"{kind}_groups"] = np.asarray(groups)
        logger.info(
            "%s: %d clips, %.1f min (%s)",
            kind,
            len(clips),
            len(bank.samples) / rate / 60,
            ", ".join(f"{n}={int(np.sum(np.asarray(split) == s))}" for s, n in enumerate(SPLITS)),
        )
    return out


def user_clips(
    kind: str, raw: dict[str, Audio], p: TriggerWordParams, seed: int
) -> tuple[list[np.ndarray], list[int], list[str], list[str]]:
    """The user's clips of ``kind``: resampled, checked, split by speaker; with their
    names and groups (speakers)."""
    rate = p.audio.sample_rate
    clips, names = [], []
    for name, (samples, file_rate) in raw.items():
        where = f"data/01_raw/trigger_word/{kind}/{name}"
        x = resampling.resample(resampling.to_mono(samples), file_rate, rate)
        if float(np.max(np.abs(x))) < 1e-4:
            raise ValueError(f"Audio file '{where}' is silent: replace it or delete it.")
        if kind == "backgrounds":
            if len(x) < p.audio.n_samples:
                raise ValueError(
                    f"Background '{where}' lasts {len(x) / rate:.2f} s, shorter than one "
                    f"{p.audio.clip_seconds:g} s example: use backgrounds of at least "
                    f"{p.audio.clip_seconds:g} s (or lower trigger_word.audio.clip_seconds)."
                )
        else:
            x = levels.trim_silence(x, rate)
            if len(x) < MIN_WORD_SECONDS * rate:
                logger.warning(
                    "Clip '%s' lasts %.0f ms after trimming silence: shorter than "
                    "any spoken word (%.0f ms). Is it truncated or nearly silent? "
                    "Replace it or delete it.",
                    where,
                    1000 * len(x) / rate,
                    1000 * MIN_WORD_SECONDS,
                )
            if len(x) >= p.audio.n_samples // 2:
                raise ValueError(
                    f"Clip '{where}' lasts {len(x) / rate:.1f} s after trimming "
                    "silence: keyword and negative clips must be single words "
                    f"shorter than {p.audio.clip_seconds / 2:g} s."
                )
        clips.append(x)
        names.append(name)
    groups = [speaker(n) for n in names]
    return clips, split_groups(groups, p, rng(seed, "split", kind)), names, groups


def speaker(name: str) -> str:
    """A user clip's speaker: its sub-folder, or the file itself when at the top."""
    parts = PurePosixPath(name).parts
    return parts[0] if len(parts) > 1 else name


def split_groups(
    groups: list[str], p: TriggerWordParams, generator: np.random.Generator
) -> list[int]:
    """Each clip's split (0 train, 1 val, 2 test): whole groups to ``p.split``'s shares,
    or round robin when there are fewer than 3 groups."""
    unique = sorted(set(groups))
    if len(unique) < 3:
        logger.warning(
            "Only %d speaker(s)/file(s): the same clips serve train, val and test.", len(unique)
        )
        return [int(s) for s in np.arange(len(groups)) % 3]
    order = generator.permutation(len(unique))
    n_val = max(1, int(round(p.split.val * len(unique))))
    n_test = max(1, int(round(p.split.test * len(unique))))
    assigned = {}
    for rank, index in enumerate(order):
        assigned[unique[index]] = 1 if rank < n_val else 2 if rank < n_val + n_test else 0
    return [assigned[g] for g in groups]


def family(group: str) -> str:
    """The voice family of a clip's group: the engine of ``<engine>:<voice>``, eSpeak
    NG for its own voice names, ``user`` for a user's speaker folder or file."""
    if ":" in group:
        return group.split(":", 1)[0]
    return "espeak" if "+" in group else "user"
