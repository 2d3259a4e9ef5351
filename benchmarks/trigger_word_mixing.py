"""Mixing + spectrogram throughput of trigger_word against a plain pydub + mlab baseline,
and the detector's latency on one 10 s clip.

Both sides make the same examples in one process from the same clip banks (default
eSpeak keyword/negative clips and synthetic backgrounds at 44.1 kHz, 10 s examples):

* ours: the pipeline's own ``_mix_split``: ``mix_one`` (NumPy slices, gains from active
  RMS) for every example, the NumPy spectrograms of each ``chunk`` of examples computed
  on ``mixing.spectrogram_threads`` threads while the next chunk is mixed (training
  examples, so every word is also warped and half of them reverberated; the same without
  that, as validation and test are mixed, is printed too);
* baseline: per example, pydub ``AudioSegment`` slicing, ``apply_gain`` and ``overlay``
  of every clip (the course's way), then ``matplotlib.mlab.specgram`` (NFFT 200,
  overlap 120) of the result.

Latency: spectrogram + ``model.predict`` + peak picking on one 10 s clip, as
``trigger_word_detect`` does it (one scoring window of ``detect.window_seconds``), with the
trained model of ``data/06_models/trigger_word/model.keras`` when it exists (else a
freshly built model of the base size; the cost is the same), median of ``--repeats``.

    .venv/bin/python benchmarks/trigger_word_mixing.py [--examples 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from matplotlib import mlab
    from pydub import AudioSegment

    from dl_pipelines.audio import events, windows
    from dl_pipelines.audio import io as audio_io
    from dl_pipelines.pipelines.trigger_word import model_inputs, nodes
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    raw = yaml.safe_load((ROOT / "conf/base/parameters_trigger_word.yml").read_text())
    params = raw["trigger_word"]
    small = params["default_data"]
    small["voices"]["train"]["variants"] = small["voices"]["train"]["variants"][:4]
    small["backgrounds"]["per_kind"] = {"train": 2, "val": 1, "test": 1}
    p = parse_params(params)
    clips = nodes.prepare_clips({}, {}, {}, params, seed=0)
    banks, groups = model_inputs.banks(clips), model_inputs.groups(clips)
    rate, n = p.audio.sample_rate, args.examples

    def ours() -> None:  # exactly what make_model_inputs runs for a split
        model_inputs.mix_split(banks, p, "train", n, 0, 0, groups)

    one_thread = dataclasses.replace(p, mixing=dataclasses.replace(p.mixing, spectrogram_threads=1))

    def ours_one_thread() -> None:
        model_inputs.mix_split(banks, one_thread, "train", n, 0, 0, groups)

    def ours_unaugmented() -> None:  # validation/test mixing: no warping or rooms
        model_inputs.mix_split(banks, p, "test", n, 0, 0, groups)

    def segment(samples: np.ndarray) -> AudioSegment:
        return AudioSegment(
            audio_io.to_int16(samples).tobytes(), frame_rate=rate, sample_width=2, channels=1
        )

    positives = [segment(banks["positives"][0].clip(i)) for i in range(len(banks["positives"][0]))]
    negatives = [segment(banks["negatives"][0].clip(i)) for i in range(len(banks["negatives"][0]))]
    backgrounds = [
        segment(banks["backgrounds"][0].clip(i)) for i in range(len(banks["backgrounds"][0]))
    ]

    def baseline() -> None:
        generator = np.random.default_rng(0)
        for _ in range(n):
            bg = backgrounds[int(generator.integers(len(backgrounds)))]
            start_ms = int(generator.integers(0, len(bg) - 10_000))
            mixed = bg[start_ms : start_ms + 10_000].apply_gain(float(generator.uniform(-10, 0)))
            used: list[tuple[int, int]] = []
            words = [
                positives[int(i)]
                for i in generator.integers(0, len(positives), generator.integers(0, 5))
            ] + [
                negatives[int(i)]
                for i in generator.integers(0, len(negatives), generator.integers(0, 4))
            ]
            for word in words:  # the course's retry-until-no-overlap placement
                for _ in range(100):
                    at = int(generator.integers(0, 10_000 - len(word)))
                    if all(at + len(word) <= a or at >= b for a, b in used):
                        used.append((at, at + len(word)))
                        mixed = mixed.overlay(
                            word.apply_gain(float(generator.uniform(0, 10))), position=at
                        )
                        break
            x = np.asarray(mixed.get_array_of_samples(), dtype=np.float32) / 32768.0
            mlab.specgram(x, NFFT=200, Fs=8000, noverlap=120)

    def per_second(run) -> float:
        times = []
        for _ in range(max(1, args.repeats // 2)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return n / float(np.median(times))

    base_rate = per_second(baseline)
    our_rate = per_second(ours)
    single_rate = per_second(ours_one_thread)
    plain_rate = per_second(ours_unaugmented)
    print(f"mixing + spectrogram, {n} examples of 10 s at {rate} Hz:")
    print(f"  baseline (pydub overlay + mlab.specgram): {base_rate:7.1f} examples/s")
    print(f"  trigger_word (NumPy mix + FFT, threads):   {our_rate:7.1f} examples/s")
    print(f"  trigger_word with 1 spectrogram thread:   {single_rate:7.1f} examples/s")
    print(f"  trigger_word without training augmentation: {plain_rate:5.1f} examples/s")
    print(
        f"  ratio: {our_rate / base_rate:.2f}× ({single_rate / base_rate:.2f}× with 1 thread, "
        f"{plain_rate / base_rate:.2f}× without warping and rooms, as the baseline)"
    )

    import keras

    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model

    trained = ROOT / "data/06_models/trigger_word/model.keras"
    if trained.is_file():
        model = keras.saving.load_model(trained, compile=False)
        source = str(trained.relative_to(ROOT))
    else:
        m = p.model
        model = build_trigger_word_model(
            p.spectrogram.n_freqs,
            m.conv_filters,
            m.conv_kernel,
            m.conv_stride,
            m.gru_units,
            m.dropout,
            1e-3,
            1.0,
        )
        source = "untrained model of the base size"
    clip = model_inputs.mix_one(banks, p, "train", 0, False, 0)[0]
    refractory = int(round(p.evaluation.refractory_s / p.seconds_per_step))

    def detect_once() -> None:
        scores, _ = windows.score_in_windows(
            lambda x: model.predict(x, verbose=0),
            clip,
            p.spectrogram.kwargs(),
            p.model.conv_kernel,
            p.model.conv_stride,
            int(round(p.detect.window_seconds / p.seconds_per_step)),
            int(round(p.detect.overlap_seconds / p.seconds_per_step)),
            p.evaluation.batch_size,
        )
        events.detect(scores, 0.5, refractory, p.hold_steps)

    detect_once()  # build the predict function
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        detect_once()
        times.append(time.perf_counter() - start)
    print(
        f"detection latency per 10 s clip ({source}, Keras backend "
        f"{keras.backend.backend()}): median {1000 * np.median(times):.0f} ms "
        f"(min {1000 * np.min(times):.0f} ms) over {args.repeats} runs"
    )


if __name__ == "__main__":
    main()
