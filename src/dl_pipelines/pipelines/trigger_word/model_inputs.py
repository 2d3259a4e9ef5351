"""Model inputs: every split's examples mixed from the clips, as spectrograms and labels.

Example ``i`` of a split is drawn from its own generator (:func:`mix_one`), so any example
can be made again exactly (the recording-rate evaluation and the logged examples do); the
spectrograms of a chunk are computed on other threads while the next chunk is mixed.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from dl_pipelines.audio import spectrograms
from dl_pipelines.pipelines.trigger_word import channel
from dl_pipelines.pipelines.trigger_word.clips import KINDS, Audio, family
from dl_pipelines.pipelines.trigger_word.mixing import (
    ClipBank,
    Mixed,
    MixSpec,
    label_track,
    mix_example,
)
from dl_pipelines.pipelines.trigger_word.params import SPLITS, TriggerWordParams
from dl_pipelines.runtime.seeding import rng

logger = logging.getLogger(__name__)


def banks(clips: dict[str, np.ndarray]) -> dict[str, tuple[ClipBank, np.ndarray]]:
    """Each kind's clip bank and the split of each of its clips."""
    return {
        kind: (ClipBank(clips[f"{kind}_samples"], clips[f"{kind}_offsets"]), clips[f"{kind}_split"])
        for kind in KINDS
    }


def groups(clips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each clip's group: the voice or speaker of a word, the kind or file of a background."""
    return {kind: np.asarray(clips[f"{kind}_groups"]) for kind in KINDS}


def train_or(split: str, train_value: Any, value: Any) -> Any:
    """``train_value`` for the training split when it is set, else ``value``."""
    return train_value if split == "train" and train_value is not None else value


def mix_spec(p: TriggerWordParams, split: str = "train", seed: int = 0) -> MixSpec:
    """How ``split`` is mixed: only training words are warped and reverberated and only
    training examples go through random channels (the rooms drawn from ``seed``), and
    training examples may have their own SNR range (``mixing.train_snr_db``) and most
    other words (``mixing.train_max_negatives``)."""
    m = p.mixing
    augment = (
        {
            "warp": m.voice_warp,
            "reverb_probability": m.reverb_probability,
            "reverb_seconds": m.reverb_seconds,
            "reverb_drr_db": m.reverb_drr_db,
            "eq_probability": m.channel_eq_probability,
            "eq_db": m.channel_eq_db,
            "band_limit_probability": m.channel_band_limit_probability,
            "band_limit_rates": m.channel_rates,
            "resynthesis_probability": m.voice_resynthesis_probability,
        }
        if split == "train"
        else {}
    )
    if augment and m.reverb_rooms and m.reverb_probability > 0:
        augment["rooms"] = channel.room_bank(
            m.reverb_rooms,
            p.audio.sample_rate,
            m.reverb_seconds,
            int(rng(seed, "rooms").integers(0, 2**31)),
        )
    snr_db = train_or(split, m.train_snr_db, m.snr_db)
    return MixSpec(
        sample_rate=p.audio.sample_rate,
        n_samples=p.audio.n_samples,
        output_steps=p.output_steps,
        label_steps=m.label_steps,
        max_positives=m.max_positives,
        max_negatives=train_or(split, m.train_max_negatives, m.max_negatives),
        background_db=m.background_db,
        snr_db=snr_db,
        min_gap=int(round(m.min_gap_s * p.audio.sample_rate)),
        end_margin=int(round(m.end_margin_s * p.audio.sample_rate)),
        start_margin=int(round(m.start_margin_s * p.audio.sample_rate)),
        **augment,
    )


def background_p(
    backgrounds: tuple[ClipBank, np.ndarray], groups: np.ndarray, p: TriggerWordParams, split: str
) -> np.ndarray | None:
    """How likely each of ``split``'s backgrounds is drawn: ``None`` (uniform) except
    for training with ``mixing.train_background_weights``, where a background weighs its
    group's weight (1 for a group not named). A named group that no training background
    belongs to (the default kinds, with your own backgrounds) is ignored, with a log
    line."""
    weights = p.mixing.train_background_weights
    if split != "train" or not weights:
        return None
    mine = np.asarray(groups)[backgrounds[1] == SPLITS.index(split)]
    unknown = sorted(set(map(str, weights)) - set(mine.tolist()))
    if unknown:
        logger.info(
            "trigger_word.mixing.train_background_weights names %s, which no "
            "training background belongs to (the groups are %s): ignored.",
            unknown,
            sorted(set(mine.tolist()))[:10],
        )
        weights = {k: v for k, v in weights.items() if str(k) not in unknown}
        if not weights:
            return None
    w = np.asarray([float(weights.get(str(g), 1.0)) for g in mine])
    return w / w.sum()


def mix_one(
    clips_banks: dict[str, tuple[ClipBank, np.ndarray]],
    p: TriggerWordParams,
    split: str,
    index: int,
    free: bool,
    seed: int,
    backgrounds_p: np.ndarray | None = None,
) -> Mixed:
    """Example ``index`` of ``split`` (keyword-free when ``free``), exactly reproducible;
    ``backgrounds_p`` from :func:`background_p`."""
    s = SPLITS.index(split)
    ids = {kind: np.flatnonzero(split_of == s) for kind, (_, split_of) in clips_banks.items()}
    generator = rng(seed, "mix", split, "free" if free else "keyword", index)
    return mix_example(
        generator,
        mix_spec(p, split, seed),
        clips_banks["backgrounds"][0],
        ids["backgrounds"],
        clips_banks["positives"][0],
        ids["positives"],
        clips_banks["negatives"][0],
        ids["negatives"],
        n_positives=0 if free else None,
        n_negatives=(
            int(
                generator.integers(
                    0,
                    train_or(split, p.mixing.train_max_negatives, p.mixing.free_max_negatives) + 1,
                )
            )
            if free
            else None
        ),
        background_p=backgrounds_p,
    )


def mix_splits(
    clips: dict[str, np.ndarray], p: TriggerWordParams, seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Every split mixed (``mixing``'s counts) and turned into spectrograms and labels:
    what :func:`~dl_pipelines.pipelines.trigger_word.nodes.make_model_inputs` returns."""
    clip_banks = banks(clips)
    clip_groups = groups(clips)
    m = p.mixing
    per_clip_h = p.audio.clip_seconds / 3600.0
    train_free = int(round(m.train_examples * m.train_free_share))
    plan = {
        "train": (m.train_examples - train_free, train_free),
        "val": (m.val_examples, int(np.ceil(m.val_free_hours / per_clip_h))),
        "test": (m.test_examples, int(np.ceil(m.test_free_hours / per_clip_h))),
    }
    outputs, report = (
        {},
        {
            "input_frames": p.input_frames,
            "output_steps": p.output_steps,
            "n_freqs": p.spectrogram.n_freqs,
        },
    )
    for split, (n_keyword, n_free) in plan.items():
        start = time.perf_counter()
        outputs[split] = mix_split(clip_banks, p, split, n_keyword, n_free, seed, clip_groups)
        data = outputs[split]
        report[split] = {
            "examples_with_keywords": n_keyword,
            "keyword_free_examples": n_free,
            "keyword_free_hours": round(n_free * per_clip_h, 3),
            "keywords": int(np.sum(data["ends"] >= 0)),
            "label_positive_share": round(float(data["y"].mean()), 4),
            "seconds": round(time.perf_counter() - start, 1),
        }
        logger.info("%s: %s", split, report[split])
    return outputs["train"], outputs["val"], outputs["test"], report


def mix_split(
    banks: dict[str, tuple[ClipBank, np.ndarray]],
    p: TriggerWordParams,
    split: str,
    n_keyword: int,
    n_free: int,
    seed: int,
    groups: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """``n_keyword`` examples with keywords and ``n_free`` keyword-free ones of ``split``,
    mixed and transformed (see :func:`mix_splits`)."""
    n = n_keyword + n_free
    x = np.empty((n, p.input_frames, p.spectrogram.n_freqs), dtype=np.float16)
    y = np.zeros((n, p.output_steps), dtype=np.uint8)
    after_other = np.zeros_like(y)
    ends = np.full((n, p.mixing.max_positives), -1, dtype=np.int32)
    free = np.arange(n) >= n_keyword
    background = np.empty(n, dtype=np.int32)
    keyword_clip = np.full(ends.shape, -1, dtype=np.int32)
    keyword_snr_db = np.full(ends.shape, np.nan, dtype=np.float32)
    chunk = p.mixing.chunk
    weights = background_p(banks["backgrounds"], groups["backgrounds"], p, split)

    def transform(batch: np.ndarray, begin: int) -> None:
        x[begin : begin + len(batch)] = spectrograms.spectrogram(batch, **p.spectrogram.kwargs())

    # The spectrograms of one chunk (NumPy/SciPy, without the GIL) are computed on other
    # threads while this one mixes the next chunk: the output does not depend on timing.
    last_log = time.perf_counter()
    with ThreadPoolExecutor(max_workers=p.mixing.spectrogram_threads) as pool:
        pending: list[Future] = []
        for begin in range(0, n, chunk):
            stop = min(n, begin + chunk)
            batch = np.empty((stop - begin, p.audio.n_samples), dtype=np.float32)
            for i in range(begin, stop):
                index = i - n_keyword if free[i] else i
                mixed = mix_one(banks, p, split, index, bool(free[i]), seed, weights)
                batch[i - begin] = mixed.samples
                k = len(mixed.ends)
                ends[i, :k], keyword_clip[i, :k] = mixed.ends, mixed.keyword_clips
                keyword_snr_db[i, :k] = mixed.keyword_snr_db
                background[i] = mixed.background
                y[i] = label_track(
                    mixed.ends, p.audio.n_samples, p.output_steps, p.mixing.label_steps
                )
                after_other[i] = label_track(
                    mixed.other_ends, p.audio.n_samples, p.output_steps, p.mixing.label_steps
                )
            pending.append(pool.submit(transform, batch, begin))
            while len(pending) > p.mixing.spectrogram_threads:  # bounded memory
                pending.pop(0).result()
            if time.perf_counter() - last_log > 15 or stop == n:
                logger.info("mixing %s: %d/%d examples", split, stop, n)
                last_log = time.perf_counter()
        for future in pending:
            future.result()
    keyword_group = np.where(keyword_clip >= 0, groups["positives"][keyword_clip], "")
    families = np.asarray([family(g) for g in groups["positives"]] or [""])
    keyword_family = np.where(keyword_clip >= 0, families[np.maximum(keyword_clip, 0)], "")
    return {
        "x": x,
        "y": y,
        "ends": ends,
        "free": free,
        "after_other": after_other,
        "background": groups["backgrounds"][background],
        "keyword_group": keyword_group,
        "keyword_family": keyword_family,
        "keyword_snr_db": keyword_snr_db,
    }


def first_training_examples(
    clips: dict[str, np.ndarray], p: TriggerWordParams, seed: int
) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], dict[str, Audio]]:
    """The first ``mixing.logged_examples`` training examples: ``(title, spectrogram,
    label track)`` each, and ``{example_<i>.wav: (samples, rate)}``."""
    clip_banks = banks(clips)
    weights = background_p(clip_banks["backgrounds"], groups(clips)["backgrounds"], p, "train")
    examples, wavs = [], {}
    for i in range(p.mixing.logged_examples):
        samples, ends, *_ = mix_one(clip_banks, p, "train", i, False, seed, weights)
        x = spectrograms.spectrogram(samples, **p.spectrogram.kwargs())
        y = label_track(ends, p.audio.n_samples, p.output_steps, p.mixing.label_steps)
        examples.append((f"train example {i}: {len(ends)} keyword(s)", x, y))
        wavs[f"example_{i}.wav"] = (samples, p.audio.sample_rate)
    return examples, wavs
