"""The default clips, made when a folder of ``data/01_raw/trigger_word`` is empty: the
keyword and other words said by eSpeak NG voices and the other engines of
``default_data.engines`` (train/val/test voices disjoint), and synthetic backgrounds.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from dl_pipelines.pipelines.trigger_word import engines, speech, synthesis
from dl_pipelines.pipelines.trigger_word.params import (
    SPLITS,
    EngineSource,
    TriggerWordParams,
    confusable_weights,
    confusable_words,
)
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)


def default_clips(
    kind: str, p: TriggerWordParams, seed: int
) -> tuple[list[np.ndarray], list[int], list[str], list[str]]:
    """The default clips of ``kind``: clips, splits, names and groups (voice of a word,
    kind of a background)."""
    d = p.default_data
    rate = p.audio.sample_rate
    clips, split, names, groups = [], [], [], []
    start = time.perf_counter()
    confusables = confusable_words(p.keyword, d.negative_words, d.confusable_letters)
    weights = (
        confusable_weights(p.keyword, confusables, d.confusable_letters, d.confusable_boost)
        if d.confusable_boost != 1.0
        else None
    )
    if kind == "negatives" and len(confusables) < 3:
        logger.warning(
            "Few of trigger_word.default_data.negative_words sound like the keyword '%s' "
            "(%s): the detector will learn little about near misses. Put words sharing its "
            "sounds at the head of the list (docs/trigger_word.md § A new keyword).",
            p.keyword,
            ", ".join(confusables) or "none",
        )
    for s, split_name in enumerate(SPLITS):
        voices = getattr(d.voices, split_name).voices()
        if kind == "backgrounds":
            b = d.backgrounds
            kinds = b.train_kinds + (
                b.train_only_kinds if split_name == "train" else b.heldout_kinds
            )
            for bg_kind in kinds:
                for j in range(int(b.per_kind[split_name])):
                    generator = rng(seed, "background", split_name, bg_kind, j)
                    clips.append(
                        synthesis.background(
                            bg_kind,
                            b.seconds,
                            rate,
                            generator,
                            d.babble_words,
                            voices,
                            b.level_change_probability,
                            b.level_change_db,
                        )
                    )
                    split.append(s)
                    names.append(f"{split_name}/{bg_kind}-{j:02d}")
                    groups.append(bg_kind)
            continue
        for voice in voices:
            count = d.keyword_clips_per_voice if kind == "positives" else d.negative_clips_per_voice
            for j in range(count):
                generator = rng(seed, kind, voice, j)
                word = word_of(kind, p, split_name, generator, confusables, weights)
                try:
                    clip = synthesis.spoken_clip(
                        word, voice, rate, generator, d.rate, d.pitch, d.pitch_range
                    )
                except speech.SpeechError as error:
                    raise ValueError(
                        f"{error} Fix trigger_word.default_data.voices or the "
                        "words in conf/base/parameters_trigger_word.yml."
                    ) from error
                clips.append(clip)
                split.append(s)
                names.append(f"{split_name}/{voice}/{word}-{j}")
                groups.append(voice)
        for source in d.engines:
            if source.split == split_name:
                made = engine_clips(kind, source, p, seed, confusables, weights)
                clips += made[0]
                split += [s] * len(made[0])
                names += made[1]
                groups += made[2]
    logger.info(
        "Synthesised %d default %s in %.1f s.", len(clips), kind, time.perf_counter() - start
    )
    return clips, split, names, groups


def engine_clips(
    kind: str,
    source: EngineSource,
    p: TriggerWordParams,
    seed: int,
    confusables: list[str],
    weights: np.ndarray | None,
) -> tuple[list[np.ndarray], list[str], list[str]]:
    """The clips of one more synthesiser (``default_data.engines``); none, with a log
    line, when it is not installed. A clip's group is ``<engine>:<voice>``."""
    adapter = engines.engine(source.engine)
    why = adapter.missing()
    if why is not None:
        logger.warning(
            "Speech engine '%s' skipped (%s): the %s split has no %s voices.",
            source.engine,
            why,
            source.split,
            source.engine,
        )
        return [], [], []
    requests, names, groups = [], [], []
    count = (
        source.keyword_clips_per_voice if kind == "positives" else source.negative_clips_per_voice
    )
    low, high = np.log(source.speed)
    for voice in source.voices:
        group = f"{source.engine}:{voice}"
        for j in range(count):
            generator = rng(seed, kind, group, j)
            word = word_of(kind, p, source.split, generator, confusables, weights)
            requests.append(
                (
                    word,
                    voice,
                    float(np.exp(generator.uniform(low, high))),
                    int(generator.integers(0, 2**31)),
                )
            )
            names.append(f"{source.split}/{group}/{word}-{j}")
            groups.append(group)
    start = time.perf_counter()
    try:
        clips = engines.spoken_many(source.engine, requests, p.audio.sample_rate)
    except speech.SpeechError as error:
        raise ValueError(
            f"{error} Fix trigger_word.default_data.engines in "
            "conf/base/parameters_trigger_word.yml."
        ) from error
    logger.info(
        "%s: %d %s for %s in %.1f s.",
        source.engine,
        len(clips),
        kind,
        source.split,
        time.perf_counter() - start,
    )
    return clips, names, groups


def word_of(
    kind: str,
    p: TriggerWordParams,
    split: str,
    generator: np.random.Generator,
    confusables: list[str],
    weights: np.ndarray | None,
) -> str:
    """The word a clip of ``kind`` says: the keyword, or another word
    (:func:`negative_word`; confusable ones favoured in the training split only)."""
    if kind == "positives":
        return p.keyword
    d = p.default_data
    return negative_word(
        generator,
        d.negative_words,
        confusables,
        d.train_confusable_share if split == "train" else 0.0,
        weights,
    )


def negative_word(
    generator: np.random.Generator,
    words: tuple[str, ...],
    confusables: list[str],
    confusable_share: float,
    weights: np.ndarray | None = None,
) -> str:
    """One other word: a confusable one (drawn with ``weights``, uniform when ``None``)
    with probability ``confusable_share``, else any."""
    if confusables and confusable_share > 0 and generator.random() < confusable_share:
        return str(generator.choice(confusables, p=weights))
    return str(generator.choice(list(words)))
