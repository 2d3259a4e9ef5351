"""Nodes of ``trigger_word``: clips → mixed examples → spectrograms → detector → events.

Pure functions: arrays and parameters in, arrays, models, figures and dicts out. Keras
is imported inside the training, evaluation and detection nodes only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dl_pipelines.audio import events, windows
from dl_pipelines.audio import io as audio
from dl_pipelines.audio import stream as audio_stream
from dl_pipelines.audio.stream import AudioFile
from dl_pipelines.pipelines.trigger_word import channel, engines, plots, speech, synthesis
from dl_pipelines.pipelines.trigger_word.mixing import (
    ClipBank,
    Mixed,
    MixSpec,
    label_track,
    mix_example,
)
from dl_pipelines.pipelines.trigger_word.params import (
    SPLITS,
    EngineSource,
    TriggerWordParams,
    confusable_weights,
    confusable_words,
    parse_params,
)
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking import plots as plotting
from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)

KINDS = ("positives", "negatives", "backgrounds")
#: Frames read at a time from a file of trigger_word_detect (``lazy: true``).
STREAM_BLOCK_FRAMES = 1 << 18
#: A user's word clip shorter than this (after trimming silence) is warned about.
MIN_WORD_SECONDS = 0.15
Audio = tuple[np.ndarray, int]


# ------------------------------------------------------------------------------- clips
def prepare_clips(
    positives: dict[str, Audio],
    negatives: dict[str, Audio],
    backgrounds: dict[str, Audio],
    params: dict[str, Any],
    seed: int,
) -> dict[str, np.ndarray]:
    """Resample the user's clips, or synthesise the default ones, and split them.

    Each of ``data/01_raw/trigger_word/{positives,negatives,backgrounds}`` that is empty
    is replaced by the default set: the keyword and other words said by eSpeak NG
    voices (train/val/test voices disjoint) and synthetic backgrounds (some kinds held
    out for val/test). User clips are split by speaker sub-folder (or file).

    Returns:
        For each kind ``<kind>_samples`` (int16, clips end to end), ``<kind>_offsets``,
        ``<kind>_split`` (0 train, 1 val, 2 test), ``<kind>_names`` and
        ``<kind>_groups`` (the voice or speaker of a word, the kind or file of a
        background: what the test FRR is broken down by), plus ``sample_rate``.
    """
    p = parse_params(params)
    try:
        speech.check_speakable(p.keyword)
    except speech.SpeechError as error:
        raise ValueError(
            f"{error} Fix 'trigger_word.keyword' in conf/base/parameters_trigger_word.yml."
        ) from error
    rate = p.audio.sample_rate
    out: dict[str, np.ndarray] = {"sample_rate": np.asarray(rate)}
    for kind, raw in zip(KINDS, (positives, negatives, backgrounds), strict=True):
        if raw:
            clips, split, names, groups = _user_clips(kind, raw, p, seed)
        else:
            logger.info(
                "data/01_raw/trigger_word/%s is empty: synthesising the default %s.", kind, kind
            )
            clips, split, names, groups = _default_clips(kind, p, seed)
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


def _user_clips(
    kind: str, raw: dict[str, Audio], p: TriggerWordParams, seed: int
) -> tuple[list[np.ndarray], list[int], list[str], list[str]]:
    rate = p.audio.sample_rate
    clips, names = [], []
    for name, (samples, file_rate) in raw.items():
        where = f"data/01_raw/trigger_word/{kind}/{name}"
        x = audio.resample(audio.to_mono(samples), file_rate, rate)
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
            x = audio.trim_silence(x, rate)
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
    groups = [_speaker(n) for n in names]
    return clips, _split_groups(groups, p, rng(seed, "split", kind)), names, groups


def _speaker(name: str) -> str:
    """A user clip's speaker: its sub-folder, or the file itself when at the top."""
    parts = PurePosixPath(name).parts
    return parts[0] if len(parts) > 1 else name


def _split_groups(
    groups: list[str], p: TriggerWordParams, generator: np.random.Generator
) -> list[int]:
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


def _default_clips(
    kind: str, p: TriggerWordParams, seed: int
) -> tuple[list[np.ndarray], list[int], list[str], list[str]]:
    """Clips, splits, names and groups (voice of a word, kind of a background)."""
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
                word = (
                    p.keyword
                    if kind == "positives"
                    else _negative_word(
                        generator,
                        d.negative_words,
                        confusables,
                        d.train_confusable_share if split_name == "train" else 0.0,
                        weights,
                    )
                )
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
                made = _engine_clips(kind, source, p, seed, confusables, weights)
                clips += made[0]
                split += [s] * len(made[0])
                names += made[1]
                groups += made[2]
    logger.info(
        "Synthesised %d default %s in %.1f s.", len(clips), kind, time.perf_counter() - start
    )
    return clips, split, names, groups


def _engine_clips(
    kind: str,
    source: EngineSource,
    p: TriggerWordParams,
    seed: int,
    confusables: list[str],
    weights: np.ndarray | None,
) -> tuple[list[np.ndarray], list[str], list[str]]:
    """The clips of one more synthesiser (``default_data.engines``); none, with a log
    line, when it is not installed. A clip's group is ``<engine>:<voice>``."""
    d = p.default_data
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
            word = (
                p.keyword
                if kind == "positives"
                else _negative_word(
                    generator,
                    d.negative_words,
                    confusables,
                    d.train_confusable_share if source.split == "train" else 0.0,
                    weights,
                )
            )
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
    try:
        clips = engines.spoken_many(source.engine, requests, p.audio.sample_rate)
    except speech.SpeechError as error:
        raise ValueError(
            f"{error} Fix trigger_word.default_data.engines in "
            "conf/base/parameters_trigger_word.yml."
        ) from error
    return clips, names, groups


def family(group: str) -> str:
    """The voice family of a clip's group: the engine of ``<engine>:<voice>``, eSpeak
    NG for its own voice names, ``user`` for a user's speaker folder or file."""
    if ":" in group:
        return group.split(":", 1)[0]
    return "espeak" if "+" in group else "user"


def _negative_word(
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


# ------------------------------------------------------------------------------ mixing
def _banks(clips: dict[str, np.ndarray]) -> dict[str, tuple[ClipBank, np.ndarray]]:
    return {
        kind: (ClipBank(clips[f"{kind}_samples"], clips[f"{kind}_offsets"]), clips[f"{kind}_split"])
        for kind in KINDS
    }


def _groups(clips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each clip's group: the voice or speaker of a word, the kind or file of a background."""
    return {kind: np.asarray(clips[f"{kind}_groups"]) for kind in KINDS}


def _train_or(split: str, train_value: Any, value: Any) -> Any:
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
    snr_db = _train_or(split, m.train_snr_db, m.snr_db)
    return MixSpec(
        sample_rate=p.audio.sample_rate,
        n_samples=p.audio.n_samples,
        output_steps=p.output_steps,
        label_steps=m.label_steps,
        max_positives=m.max_positives,
        max_negatives=_train_or(split, m.train_max_negatives, m.max_negatives),
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
                    _train_or(split, p.mixing.train_max_negatives, p.mixing.free_max_negatives) + 1,
                )
            )
            if free
            else None
        ),
        background_p=backgrounds_p,
    )


def make_model_inputs(
    clips: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[dict, dict, dict, dict[str, Any]]:
    """Mix every split and turn it into the model input (cached in 05_model_input).

    Returns:
        ``train``, ``val``, ``test``: ``x`` (n, Tx, freqs) float16 spectrograms, ``y``
        (n, Ty) uint8 labels, ``ends`` (n, max_positives) keyword end samples (-1 pad),
        ``free`` (n,) whether the example is keyword-free audio, ``after_other`` (n, Ty)
        uint8 1 on the ``label_steps`` steps after each other word ends (where a near
        miss would be a false accept; weighted by ``training.other_word_weight``), and
        where each example came from: ``background`` (n,) its background's group,
        ``keyword_group`` and ``keyword_snr_db`` (n, max_positives) each keyword's voice
        or speaker and its SNR ("" and NaN pad); and a report.
    """
    p = parse_params(params)
    banks = _banks(clips)
    groups = _groups(clips)
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
        outputs[split] = _mix_split(banks, p, split, n_keyword, n_free, seed, groups)
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


def _mix_split(
    banks,
    p: TriggerWordParams,
    split: str,
    n_keyword: int,
    n_free: int,
    seed: int,
    groups: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
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
        x[begin : begin + len(batch)] = audio.spectrogram(batch, **p.spectrogram.kwargs())

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


def log_examples(
    clips: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[Figure, dict[str, Audio]]:
    """The first training examples as a figure (spectrogram + label track) and as WAVs."""
    p = parse_params(params)
    banks = _banks(clips)
    weights = background_p(banks["backgrounds"], _groups(clips)["backgrounds"], p, "train")
    examples, wavs = [], {}
    for i in range(p.mixing.logged_examples):
        samples, ends, *_ = mix_one(banks, p, "train", i, False, seed, weights)
        x = audio.spectrogram(samples, **p.spectrogram.kwargs())
        y = label_track(ends, p.audio.n_samples, p.output_steps, p.mixing.label_steps)
        examples.append((f"train example {i}: {len(ends)} keyword(s)", x, y))
        wavs[f"example_{i}.wav"] = (samples, p.audio.sample_rate)
    return plots.examples_figure(examples, p.audio.clip_seconds), wavs


# ------------------------------------------------------------------------------ training
def train_model(
    train: dict[str, np.ndarray], val: dict[str, np.ndarray], params: dict[str, Any], seed: int
) -> tuple[Any, dict[str, list[float]]]:
    """Train the detector; per-epoch ``train_*``/``val_*`` metrics go to MLflow.

    Validation uses the validation examples with keywords (the keyword-free hour is
    for the threshold, in the evaluation). ``training.seed``, when set, seeds the
    training instead of ``seed``.
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback, WeightAveraging
    from dl_pipelines.nn.keras_data import ArrayBatches
    from dl_pipelines.pipelines.trigger_word.model import SpecAugment, build_trigger_word_model
    from dl_pipelines.runtime.seeding import seed_everything

    p = parse_params(params)
    t, m = p.training, p.model
    seed = seed if t.seed is None else t.seed
    seed_everything(seed)
    learning_rate = t.learning_rate
    if t.lr_schedule == "cosine":
        steps = -(-len(train["x"]) // t.batch_size) * t.epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(t.learning_rate, steps, alpha=0.05)
    model = build_trigger_word_model(
        n_freqs=train["x"].shape[-1],
        conv_filters=p.model.conv_filters,
        conv_kernel=p.model.conv_kernel,
        conv_stride=p.model.conv_stride,
        gru_units=p.model.gru_units,
        dropout=p.model.dropout,
        learning_rate=learning_rate,
        positive_weight=t.positive_weight,
        focal_gamma=t.focal_gamma,
        augmentation=SpecAugment(
            m.freq_mask_bins,
            m.time_mask_frames,
            m.masks,
            seed,
            m.band_limit_probability,
            m.band_limit_bins,
            p.spectrogram.floor_value,
            name="spec_augment",
        ),
    )
    keep = ~val["free"]
    logger.info(
        "Training %s (%d parameters) on %d examples of %d × %d, validating on %d; "
        "Keras backend %s.",
        model.name,
        model.count_params(),
        len(train["x"]),
        train["x"].shape[1],
        train["x"].shape[2],
        int(keep.sum()),
        keras.backend.backend(),
    )
    # The label-0 steps right after other words, where a near miss fires, can weigh more.
    weights = (
        None
        if t.other_word_weight == 1.0
        else (1.0 + (t.other_word_weight - 1.0) * train["after_other"]).astype("float32")
    )
    batches = ArrayBatches(
        train["x"],
        train["y"][..., None].astype("float32"),
        t.batch_size,
        shuffle=True,
        seed=seed,
        sample_weight=weights,
    )
    validation = ArrayBatches(
        val["x"][keep], val["y"][keep][..., None].astype("float32"), t.batch_size
    )
    # Early stopping restores the best epoch; weight averaging (after it in the list)
    # then replaces it with the mean of the last epochs, when any of them ran.
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=t.early_stopping_patience, restore_best_weights=True
        ),
        MlflowMetricsCallback(),
    ]
    if t.average_last_epochs:
        callbacks.append(WeightAveraging(t.average_last_epochs))
    history = model.fit(
        batches, validation_data=validation, epochs=t.epochs, verbose=t.verbose, callbacks=callbacks
    )
    return model, {k: [float(v) for v in values] for k, values in history.history.items()}


def plot_training(history: dict[str, list[float]]) -> Figure:
    """Training and validation curves."""
    return plotting.training_curves(history, title="trigger_word training")


# ---------------------------------------------------------------------------- evaluation
def predict_scores(model: Any, x: np.ndarray, batch_size: int = 16) -> np.ndarray:
    """Per-step scores (n, Ty) of spectrograms ``x`` (n, Tx, freqs)."""
    from dl_pipelines.nn.keras_data import ArrayBatches

    if len(x) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    out = model.predict(ArrayBatches(x, None, batch_size), verbose=0)
    return np.asarray(out, dtype=np.float32)[..., 0]


def _tolerance_steps(p: TriggerWordParams) -> tuple[int, int]:
    e = p.evaluation
    return (
        int(np.floor(e.tolerance_s[0] / p.seconds_per_step)),
        int(np.ceil(e.tolerance_s[1] / p.seconds_per_step)),
    )


def _event_counts(
    scores: np.ndarray, data: dict[str, np.ndarray], p: TriggerWordParams, thresholds: np.ndarray
) -> tuple[dict, dict, tuple[list, list, list]]:
    """Sweep counts on the keyword examples and on the keyword-free ones, and each
    example's peaks (steps, scores) and keyword end steps."""
    e = p.evaluation
    refractory = max(1, int(round(e.refractory_s / p.seconds_per_step)))
    tolerance = _tolerance_steps(p)
    steps, values, ends = [], [], []
    for track, clip_ends in zip(events.hold(scores, p.hold_steps), data["ends"], strict=True):
        found = events.peaks(track, refractory)
        steps.append(found)
        values.append(track[found])
        ends.append(
            np.asarray(
                [int(v) * p.output_steps // p.audio.n_samples for v in clip_ends if v >= 0],
                dtype=np.int64,
            )
        )
    keyword = ~data["free"]
    pick = lambda mask, items: [items[i] for i in np.flatnonzero(mask)]  # noqa: E731
    with_kw = events.sweep(
        pick(keyword, values), pick(keyword, steps), pick(keyword, ends), thresholds, tolerance
    )
    without = events.sweep(
        pick(~keyword, values), pick(~keyword, steps), pick(~keyword, ends), thresholds, tolerance
    )
    return with_kw, without, (steps, values, ends)


def frr_by(
    hit: np.ndarray, groups: np.ndarray, order: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """``{group: {"keywords": n, "frr": share missed}}`` over the keywords of each group,
    in ``order`` (groups without keywords left out) or sorted."""
    hit, groups = np.asarray(hit, dtype=bool), np.asarray(groups)
    present = set(np.unique(groups).tolist())
    return {
        str(g): {"keywords": int(np.sum(groups == g)), "frr": float(np.mean(~hit[groups == g]))}
        for g in (order if order is not None else sorted(present))
        if g in present
    }


def band_names(edges: tuple[float, ...]) -> list[str]:
    """``["0-5 dB", "5-10 dB", …]`` for band ``edges`` ``(0, 5, 10, …)``."""
    return [
        f"{low:g} to {high:g} dB" if low < 0 else f"{low:g}-{high:g} dB"
        for low, high in zip(edges, edges[1:], strict=False)
    ]


def snr_band(snr_db: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Band name (:func:`band_names`) of each SNR; ``""`` outside ``edges`` or NaN."""
    names = np.asarray([*band_names(edges), ""])
    snr_db = np.asarray(snr_db, dtype=np.float64)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), snr_db, side="right") - 1
    inside = (index >= 0) & (index < len(edges) - 1) | (snr_db == edges[-1])
    return names[np.where(inside, np.minimum(index, len(edges) - 2), len(names) - 1)]


def _breakdown(
    data: dict[str, np.ndarray],
    peaks: tuple[list, list, list],
    threshold: float,
    p: TriggerWordParams,
) -> dict[str, Any]:
    """The test FRR at ``threshold`` by background, SNR band, background × band, voice."""
    steps, values, ends = peaks
    hit = [
        events.matched(s[v >= threshold], e, _tolerance_steps(p))[0]
        for s, v, e, free in zip(steps, values, ends, data["free"], strict=True)
        if not free
    ]
    hit = np.concatenate(hit) if hit else np.zeros(0, dtype=bool)
    keyword = data["ends"][~data["free"]] >= 0  # ends are sorted, padded at the end
    background = np.repeat(data["background"][~data["free"]], keyword.sum(axis=1))
    edges = p.evaluation.snr_bands_db
    band = snr_band(data["keyword_snr_db"][~data["free"]][keyword], edges)
    return {
        "threshold": threshold,
        "by_background": frr_by(hit, background),
        "by_snr": frr_by(hit[band != ""], band[band != ""], band_names(edges)),
        "by_background_and_snr": {
            str(b): frr_by(
                hit[(background == b) & (band != "")],
                band[(background == b) & (band != "")],
                band_names(edges),
            )
            for b in np.unique(background)
        },
        "by_voice": frr_by(hit, data["keyword_group"][~data["free"]][keyword]),
    }


def _family_frr(
    data: dict[str, np.ndarray],
    peaks: tuple[list, list, list],
    thresholds: np.ndarray,
    p: TriggerWordParams,
) -> dict[str, tuple[np.ndarray, int]]:
    """The FRR of each voice family (:func:`family`) at every threshold, and its
    number of keywords."""
    steps, values, ends = peaks
    keyword = np.flatnonzero(~data["free"])
    hits = events.hit_matrix(
        [values[i] for i in keyword],
        [steps[i] for i in keyword],
        [ends[i] for i in keyword],
        thresholds,
        _tolerance_steps(p),
    )
    present = data["ends"][keyword] >= 0
    if "keyword_family" in data:
        families = np.asarray(data["keyword_family"])[keyword][present]
    else:  # model inputs made before families were recorded
        families = np.asarray(
            [family(str(g)) for g in np.asarray(data["keyword_group"])[keyword][present]]
        )
    return {
        str(f): (1.0 - hits[families == f].mean(axis=0), int(np.sum(families == f)))
        for f in np.unique(families)
    }


def trained_families(p: TriggerWordParams) -> set[str]:
    """The voice families heard in training: eSpeak NG (or the user's speakers) and
    every engine of ``default_data.engines`` in the train split."""
    return {"espeak", "user"} | {e.engine for e in p.default_data.engines if e.split == "train"}


def _family_metrics(
    split: str, frr: dict[str, tuple[np.ndarray, int]], index: int, seen: set[str]
) -> dict[str, float]:
    """``<split>_frr_family_<f>`` at the chosen threshold, and the FRR over the families
    heard in training (``<split>_frr_seen_families``: new voices of them) and over the
    held-out engines (``<split>_frr_heldout_engine``), weighted by their keywords."""
    out = {f"{split}_frr_family_{f}": float(curve[index]) for f, (curve, _) in frr.items()}
    for name, chosen in (
        ("seen_families", [f for f in frr if f in seen]),
        ("heldout_engine", [f for f in frr if f not in seen]),
    ):
        total = sum(frr[f][1] for f in chosen)
        if total:
            out[f"{split}_frr_{name}"] = float(
                sum(frr[f][0][index] * frr[f][1] for f in chosen) / total
            )
    return out


def _metric_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-/ ]", "_", text).replace(" dB", "dB").replace(" ", "_")


def evaluate_model(
    model: Any, val: dict[str, np.ndarray], test: dict[str, np.ndarray], params: dict[str, Any]
) -> tuple[dict, dict[str, Any], dict[str, Any]]:
    """Event-level evaluation; the threshold is chosen on validation.

    The threshold is the lowest on the grid whose false accepts per hour on the
    validation keyword-free audio are at most ``max_fa_per_hour``. At that threshold
    the test split gives ``test_frr`` (keyword examples), ``test_fa_per_hour``
    (keyword-free audio of held-out voices and backgrounds), and precision, recall,
    F1 over all test audio. Frame accuracy is logged too, never the headline.

    Returns:
        MLflow metrics, the JSON report, and the DET curves for the figure.
    """
    p = parse_params(params)
    e = p.evaluation
    thresholds = events.threshold_grid(e.thresholds, *e.threshold_range)
    curves, at, peaks, by_family = {}, {}, {}, {}
    for name, data in (("val", val), ("test", test)):
        start = time.perf_counter()
        scores = predict_scores(model, data["x"], e.batch_size)
        logger.info(
            "Scored %d %s examples in %.1f s.", len(scores), name, time.perf_counter() - start
        )
        with_kw, without, peaks[name] = _event_counts(scores, data, p, thresholds)
        by_family[name] = _family_frr(data, peaks[name], thresholds, p)
        hours = float(data["free"].sum()) * p.audio.clip_seconds / 3600.0
        counts = {k: with_kw[k] + (without[k] if k == "false_accepts" else 0) for k in with_kw}
        curves[name] = {
            **events.rates(counts, hours, without["false_accepts"]),
            "hours_free": hours,
        }
        keyword = ~data["free"]
        at[name] = {
            "frame_accuracy": float(np.mean((scores[keyword] >= 0.5) == (data["y"][keyword] == 1)))
        }
    ok = np.flatnonzero(curves["val"]["fa_per_hour"] <= e.max_fa_per_hour)
    if ok.size:
        index = int(ok[0])
    else:
        index = len(thresholds) - 1
        logger.warning(
            "No threshold keeps the validation FA/h at or below %.2f; using %.4g.",
            e.max_fa_per_hour,
            thresholds[index],
        )
    threshold = float(thresholds[index])
    test_c, val_c = curves["test"], curves["val"]
    metrics = {
        "test_frr": float(test_c["frr"][index]),
        "test_fa_per_hour": float(test_c["fa_per_hour"][index]),
        "test_precision": float(test_c["precision"][index]),
        "test_recall": float(test_c["recall"][index]),
        "test_f1": float(test_c["f1"][index]),
        "threshold": threshold,
        "val_frr_at_threshold": float(val_c["frr"][index]),
        "val_fa_per_hour_at_threshold": float(val_c["fa_per_hour"][index]),
        "test_frame_accuracy": at["test"]["frame_accuracy"],
        "test_hours_keyword_free": float(test_c["hours_free"]),
    }
    seen = trained_families(p)
    for split in ("val", "test"):
        metrics.update(_family_metrics(split, by_family[split], index, seen))
    logger.info(
        "Test at threshold %.4g: %s",
        threshold,
        ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()),
    )
    breakdown = _breakdown(test, peaks["test"], threshold, p)
    for by, prefix in (("by_background", "test_frr_background_"), ("by_snr", "test_frr_snr_")):
        metrics.update(
            {_metric_name(prefix + group): value["frr"] for group, value in breakdown[by].items()}
        )
    logger.info(
        "Test FRR at the threshold by background: %s; by SNR: %s",
        *(
            ", ".join(f"{g} {v['frr']:.3f} ({v['keywords']})" for g, v in breakdown[by].items())
            for by in ("by_background", "by_snr")
        ),
    )
    report = {
        "metrics": metrics,
        "threshold": threshold,
        "keyword": p.keyword,
        "sample_rate": p.audio.sample_rate,
        "refractory_s": e.refractory_s,
        "hold_s": e.hold_s,
        "tolerance_s": list(e.tolerance_s),
        "events": {
            split: {
                "keywords": int(np.sum(data["ends"] >= 0)),
                "examples": int(len(data["free"])),
                "keyword_free_hours": curves[split]["hours_free"],
            }
            for split, data in (("val", val), ("test", test))
        },
        "test_frr_breakdown": breakdown,
        "trained_families": sorted(seen),
        "frr_by_family": {
            split: {
                f: {"keywords": n, "frr": float(c[index])} for f, (c, n) in by_family[split].items()
            }
            for split in ("val", "test")
        },
    }
    logger.info(
        "FRR at the threshold by voice family (trained on %s): %s",
        sorted(seen),
        "; ".join(
            f"{split} "
            + ", ".join(f"{f} {v['frr']:.3f} ({v['keywords']})" for f, v in fams.items())
            for split, fams in report["frr_by_family"].items()
        ),
    )
    det = {
        "thresholds": thresholds.tolist(),
        "chosen": index,
        **{
            f"{split}_{k}": np.asarray(curves[split][k]).tolist()
            for split in ("val", "test")
            for k in ("frr", "fa_per_hour")
        },
        **{
            f"{split}_frr_by_family": {
                f: np.asarray(c).tolist() for f, (c, _) in by_family[split].items()
            }
            for split in ("val", "test")
        },
        "trained_families": sorted(seen),
    }
    return as_mlflow_metrics(metrics), report, det


def evaluate_recording_rates(
    model: Any,
    clips: dict[str, np.ndarray],
    report: dict[str, Any],
    params: dict[str, Any],
    seed: int,
) -> dict[str, Any]:
    """The test FRR when the test keyword examples are recorded at lower rates.

    Each test example with keywords is mixed again (exactly, from its own generator),
    resampled to each of ``evaluation.recording_rates`` and back, and scored at the
    threshold chosen on validation: ``test_frr_<rate>hz`` beside the full-rate
    ``test_frr_full_rate`` of the same examples (what a phone or headset recording at
    16 or 8 kHz loses).
    """
    p = parse_params(params)
    threshold = float(report["threshold"])
    banks = _banks(clips)
    rates = [r for r in p.evaluation.recording_rates if r < p.audio.sample_rate]
    if not rates:
        return {}
    mixed = [mix_one(banks, p, "test", i, False, seed) for i in range(p.mixing.test_examples)]
    ends = np.full((len(mixed), p.mixing.max_positives), -1, dtype=np.int64)
    for i, example in enumerate(mixed):
        ends[i, : len(example.ends)] = example.ends
    data = {"ends": ends, "free": np.zeros(len(mixed), dtype=bool)}
    grid = np.asarray([threshold])
    frr = {}
    for rate in [p.audio.sample_rate, *rates]:
        scores = []
        for begin in range(0, len(mixed), p.mixing.chunk):  # bounded memory
            batch = np.stack(
                [
                    channel.band_limit(m.samples, p.audio.sample_rate, rate)
                    for m in mixed[begin : begin + p.mixing.chunk]
                ]
            )
            x = audio.spectrogram(batch, **p.spectrogram.kwargs()).astype(np.float16)
            scores.append(predict_scores(model, x, p.evaluation.batch_size))
        counts, _, _ = _event_counts(np.concatenate(scores), data, p, grid)
        name = "full_rate" if rate == p.audio.sample_rate else f"{rate}hz"
        frr[f"test_frr_{name}"] = float(
            counts["misses"][0] / max(1, counts["hits"][0] + counts["misses"][0])
        )
    logger.info(
        "Test FRR at threshold %.4g by recording rate: %s",
        threshold,
        ", ".join(f"{k} {v:.3f}" for k, v in frr.items()),
    )
    return as_mlflow_metrics(frr)


def plot_det(det: dict[str, Any]) -> Figure:
    """DET curve: false-reject rate against false accepts per hour, val and test."""
    return plots.det_figure(det)


def plot_frr_breakdown(report: dict[str, Any]) -> Figure:
    """Test FRR at the chosen threshold by background × SNR band and by voice."""
    return plots.breakdown_figure(report["test_frr_breakdown"])


def gate_for_registry(model: Any, report: dict[str, Any], params: dict[str, Any]) -> Any:
    """The model to register, only if its test FRR is good enough.

    The registered copy has no training-only layers (:func:`~.model.inference_model`),
    so it loads — and ``mlflow models serve`` serves it — without this project's code.
    """
    from dl_pipelines.pipelines.trigger_word.model import inference_model

    p = parse_params(params)
    frr = report["metrics"]["test_frr"]
    if frr > p.registry.max_test_frr:
        raise ValueError(
            f"test_frr {frr:.3f} is above trigger_word.registry.max_test_frr "
            f"{p.registry.max_test_frr}: the model is not registered."
        )
    return inference_model(model)


# ------------------------------------------------------------------------------- detect
def detect_folder(
    model: Any, files: dict[str, Audio], report: dict[str, Any], params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Figure], dict[str, Audio]]:
    """Score every file; detections table, a figure per file, chimed copies.

    Files of any length are scored in bounded, overlapping windows
    (``detect.window_seconds``, ``detect.overlap_seconds``; see
    :mod:`~dl_pipelines.audio.windows`), so an hour of audio never
    becomes one model input; each output step is scored by one window only, so a
    keyword in an overlap is detected once.

    Args:
        model: The trained detector (any input length).
        files: ``{name: (samples (n, channels), rate)}`` at the files' own rates.
        report: The training run's test report (its ``threshold``).
        params: ``trigger_word``.

    Returns:
        ``file,time_s,score`` (one row per detection; ``time_s`` = estimated end of the
        keyword, also where the plot marks it and the chime starts), ``{<file>.png:
        figure}`` and ``{<file>.wav: (audio with chimes, rate)}`` (``<file>.mp3.wav``
        for a file in another format).
    """
    p = parse_params(params)
    detector = windows.Detector.from_params(
        p, p.detect.threshold if p.detect.threshold is not None else report["threshold"]
    )
    detector.check_model(model, "The trained model")
    rows, figures, chimed = [], {}, {}
    for name, entry in files.items():
        if isinstance(entry, AudioFile):  # read forward in blocks, window by window
            rate = entry.rate
            mono = audio_stream.ForwardSignal(
                audio_stream.mono_chunks_at_rate(
                    entry.blocks(STREAM_BLOCK_FRAMES), rate, detector.sample_rate, entry.frames
                ),
                audio_stream.output_length(entry.frames, rate, detector.sample_rate),
            )
        else:
            samples, rate = entry
            mono = audio.resample(audio.to_mono(samples), rate, detector.sample_rate)
        start = time.perf_counter()
        found = windows.detect_signal(
            lambda x: model.predict(x, verbose=0), mono, detector, p.evaluation.batch_size, name
        )
        seconds = len(mono) / detector.sample_rate
        logger.info(
            "%s: %.1f s of audio scored in %.2f s, %d detection(s) at %s",
            name,
            seconds,
            time.perf_counter() - start,
            len(found.steps),
            ", ".join(f"{t:.2f} s" for t in found.times_s) or "-",
        )
        rows.extend(found.rows(name))
        figures[f"{name}.png"] = plots.detection_figure(
            name,
            found.picture,
            found.scores,
            detector.threshold,
            found.times_s,
            detector.seconds_per_step,
            seconds,
        )
        del mono
        chime = (found.times_s, p.detect.chime_hz, p.detect.chime_seconds, p.detect.chime_db)
        chimed[_chimed_name(name)] = (
            audio_stream.Blocks(chimed_blocks(entry, *chime), rate, entry.channels)
            if isinstance(entry, AudioFile)
            else (add_chimes(samples, rate, *chime), rate)
        )
    table = pd.DataFrame(rows, columns=["file", "time_s", "score"])
    return table, figures, chimed


def _chimed_name(name: str) -> str:
    """``x.wav`` stays ``x.wav``; ``x.mp3`` becomes ``x.mp3.wav`` (no clash with ``x.wav``)."""
    return name if PurePosixPath(name).suffix.lower() in audio.WAV_EXTENSIONS else f"{name}.wav"


def _bell(rate: int, frequency: float, seconds: float, level_db: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    bell = np.sin(2 * np.pi * frequency * t) + 0.5 * np.sin(2 * np.pi * 2 * frequency * t)
    return (bell * np.exp(-t * 6.0 / seconds) * float(audio.db_to_gain(level_db)) / 1.5).astype(
        np.float32
    )


def _ring(
    block: np.ndarray, offset: int, rate: int, times_s: list[float], bell: np.ndarray
) -> np.ndarray:
    """``block`` (samples ``offset`` … of a signal) with the bells that sound in it."""
    out = np.array(block, dtype=np.float32, copy=True)
    for time_s in times_s:
        begin = int(time_s * rate) - offset
        lo, hi = max(0, begin), min(len(out), begin + len(bell))
        if lo < hi:
            chunk = bell[lo - begin : hi - begin]
            out[lo:hi] += chunk if out.ndim == 1 else chunk[:, None]
    return out


def add_chimes(
    samples: np.ndarray,
    rate: int,
    times_s: list[float],
    frequency: float,
    seconds: float,
    level_db: float,
) -> np.ndarray:
    """A copy of ``samples`` (any channels) with a decaying bell tone at each time."""
    bell = _bell(rate, frequency, seconds, level_db)
    return audio.peak_normalise(_ring(samples, 0, rate, times_s, bell), 0.99)


def chimed_blocks(
    file: AudioFile, times_s: list[float], frequency: float, seconds: float, level_db: float
) -> Iterator[np.ndarray]:
    """:func:`add_chimes` of a file read in blocks: one pass for the peak, one to write."""
    bell = _bell(file.rate, frequency, seconds, level_db)

    def rung() -> Iterator[np.ndarray]:
        offset = 0
        for block in file.blocks(STREAM_BLOCK_FRAMES):
            yield _ring(block, offset, file.rate, times_s, bell)
            offset += len(block)

    peak = max((float(np.max(np.abs(b))) for b in rung() if b.size), default=0.0)
    gain = np.float32(0.99 / peak if peak > 0.99 else 1.0)  # down, never up
    for block in rung():
        yield block * gain
