"""End to end: ``kedro run`` of trigger_word and trigger_word_detect, tracked in MLflow."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import KedroProject
from tests.pipelines.trigger_word.conftest import write_recording

pytestmark = pytest.mark.e2e

TEST_METRICS = (
    "test_frr",
    "test_fa_per_hour",
    "test_precision",
    "test_recall",
    "test_f1",
    "threshold",
)
DETECT = "data/07_model_output/trigger_word"


def test_training_run_is_tracked(trained_trigger_word: KedroProject) -> None:
    project = trained_trigger_word
    (run,) = project.runs("trigger_word")
    assert run.info.status == "FINISHED"
    assert run.data.params["trigger_word.keyword"] == "activate"
    assert run.data.params["trigger_word.model.gru_units"] == "[16]"
    for name in TEST_METRICS:
        assert name in run.data.metrics, name
    assert 0 <= run.data.metrics["test_frr"] <= 1
    assert run.data.metrics["test_fa_per_hour"] >= 0
    assert 0 < run.data.metrics["threshold"] < 1
    client = project.client()
    epochs = len(client.get_metric_history(run.info.run_id, "train_loss"))
    assert epochs >= 1
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == epochs
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {
        "plots/examples.png",
        "plots/training_curves.png",
        "plots/det_curve.png",
        "plots/frr_breakdown.png",
    } <= plots
    examples = {a.path for a in client.list_artifacts(run.info.run_id, "examples")}
    assert {"examples/example_0.wav", "examples/example_1.wav"} <= examples
    (version,) = client.search_model_versions("name = 'trigger_word'")
    assert version.run_id == run.info.run_id
    with project.tracking():  # detection reads the threshold stored with the version
        import mlflow

        stored = mlflow.models.get_model_info("models:/trigger_word/1").metadata
    assert stored["trigger_word_detection"]["threshold"] == pytest.approx(
        run.data.metrics["threshold"]
    )


def test_model_inputs_are_cached_compactly(trained_trigger_word: KedroProject) -> None:
    folder = trained_trigger_word.path / "data/05_model_input/trigger_word"
    with np.load(folder / "train.npz") as train:
        assert train["x"].dtype == np.float16 and train["x"].shape[1:] == (598, 101)
        assert train["y"].dtype == np.uint8 and train["y"].shape[1] == 146
    with np.load(folder / "test.npz") as test:
        assert test["free"].any() and (~test["free"]).any()
        assert (test["ends"][test["free"]] == -1).all()  # keyword-free really is


def test_training_loss_falls_and_reports(trained_trigger_word: KedroProject) -> None:
    reporting = trained_trigger_word.path / "data/08_reporting/trigger_word"
    history = json.loads((reporting / "history.json").read_text())
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    report = json.loads((reporting / "test_metrics.json").read_text())
    assert report["events"]["test"]["keyword_free_hours"] >= 0.02
    det = json.loads((reporting / "det_curve.json").read_text())
    frr = np.asarray(det["test_frr"])
    assert (np.diff(frr) >= -1e-9).all()  # FRR never falls as the threshold rises
    for name in ("examples", "training_curves", "det_curve", "frr_breakdown"):
        assert (reporting / f"{name}.png").stat().st_size > 1000, name


def test_test_frr_is_broken_down_by_background_snr_and_voice(
    trained_trigger_word: KedroProject,
) -> None:
    reporting = trained_trigger_word.path / "data/08_reporting/trigger_word"
    report = json.loads((reporting / "test_metrics.json").read_text())
    breakdown = report["test_frr_breakdown"]
    assert breakdown["threshold"] == report["threshold"]
    keywords = report["events"]["test"]["keywords"]
    # every test keyword is counted once per breakdown, and the misses add up to test_frr
    # (conf/test mixes at 10-20 dB, so every keyword falls in a band)
    for by in ("by_background", "by_snr", "by_voice"):
        groups = breakdown[by].values()
        assert sum(g["keywords"] for g in groups) == keywords, by
        misses = sum(g["frr"] * g["keywords"] for g in groups)
        assert misses == pytest.approx(report["metrics"]["test_frr"] * keywords), by
    assert all(0.0 <= g["median_peak"] <= 1.0 for g in breakdown["by_voice"].values())
    assert set(breakdown["by_snr"]) <= {"10-15 dB", "15-20 dB"}
    assert set(breakdown["by_background"]) <= {
        "white",
        "pink",
        "brown",
        "hum",
        "babble",
        "room",
        "music",
    }  # background kinds
    for background, bands in breakdown["by_background_and_snr"].items():
        assert (
            sum(b["keywords"] for b in bands.values())
            == breakdown["by_background"][background]["keywords"]
        )
    (run,) = trained_trigger_word.runs("trigger_word")
    for band in breakdown["by_snr"]:
        assert f"test_frr_snr_{band.replace(' dB', 'dB')}" in run.data.metrics
    for background in breakdown["by_background"]:
        assert f"test_frr_background_{background}" in run.data.metrics


def test_detects_the_keyword_in_held_out_recordings(
    trained_trigger_word: KedroProject, tmp_path: Path
) -> None:
    """16 kHz mono and 44.1 kHz stereo files in a test voice: detections at the keyword.

    ``long_25s.wav`` is longer than one scoring window (10 s, overlap 2 s): its first
    keyword ends in the overlap of windows 0 and 1, its second late in the file; each
    is detected once, at the right time.
    """
    folder = tmp_path / "new recordings"
    truth = {
        "mono_16k.wav": write_recording(
            folder, "mono_16k.wav", [("activate", 0.5), ("activate", 3.5)], "en-029+m4", 16000, 6.0
        ),
        "stereo_44k.wav": write_recording(
            folder, "stereo_44k.wav", [("activate", 1.0)], "en-029+f4", 44100, 3.0, stereo=True
        ),
        "long_25s.wav": write_recording(
            folder,
            "long_25s.wav",
            [("activate", 8.6), ("activate", 21.0)],
            "en-029+m4",
            16000,
            25.0,
        ),
    }
    from tests.conftest import PROJECT_ROOT

    shipped = sorted((PROJECT_ROOT / "data/01_raw/trigger_word/detect").glob("*.wav"))
    for wav in shipped:  # the examples shipped with the project are scored too
        shutil.copy(wav, folder / wav.name)
    project = trained_trigger_word
    # A fixed threshold: the one chosen on validation cannot serve with conf/test sizes.
    # 0.02 h of validation keyword-free audio makes the 0.5 FA/h budget "no false accept
    # at all"; the tiny model's false-accept peaks (≤ ~0.9) reach its keyword peaks
    # (~0.83-0.88), so the chosen threshold is ~0.9 and nothing would be detected.
    project.run(
        "--pipelines",
        "trigger_word_detect",
        "--params",
        f"input_dir={folder},trigger_word.detect.threshold=0.5",
    )
    table = pd.read_csv(project.path / DETECT / "detections.csv")
    assert list(table.columns) == ["file", "time_s", "score"]
    assert set(table["file"]) <= set(truth) | {wav.name for wav in shipped}
    plots = {p.name for p in (project.path / DETECT / "plots").iterdir()}
    assert {f"{wav.name}.png" for wav in shipped} <= plots
    for name, ends in truth.items():
        found = table.loc[table["file"] == name, "time_s"].to_numpy()
        for end in ends:
            assert np.any(np.abs(found - end) < 0.5), (name, end, found)
            assert np.sum(np.abs(found - end) < 1.0) == 1, (name, end, found)  # once
        assert (project.path / DETECT / "plots" / f"{name}.png").stat().st_size > 1000
    from dl_pipelines.audio import io as audio_io

    chimed, rate = audio_io.load_audio(project.path / DETECT / "chimed/stereo_44k.wav", mono=False)
    original, _ = audio_io.load_audio(folder / "stereo_44k.wav", mono=False)
    assert rate == 44100 and chimed.shape == original.shape
    assert not np.allclose(chimed, original, atol=1e-3)  # the chime is in
    (run,) = project.runs("trigger_word_detect")
    assert run.info.status == "FINISHED"


def test_a_recording_at_16_khz_is_detected_as_at_44_khz(
    trained_trigger_word: KedroProject, tmp_path: Path
) -> None:
    """The same recording at 44.1 and 16 kHz (what phones and headsets record): each
    keyword found in the 44.1 kHz copy is found in the other, at the same time. (The
    tiny test model does not hear 8 kHz audio; the base model's figures on 8 kHz are in
    docs/trigger_word.md.)"""
    from dl_pipelines.audio import io as audio_io
    from dl_pipelines.audio import resampling

    folder = tmp_path / "rates"
    ends = write_recording(
        folder,
        "at_44k.wav",
        [("activate", 0.5), ("activate", 3.5)],
        "en-029+m4",
        44100,
        6.0,
        seed=3,
    )
    samples, rate = audio_io.load_audio(folder / "at_44k.wav")
    for low in (16000,):
        (folder / f"at_{low // 1000}k.wav").write_bytes(
            audio_io.wav_bytes(resampling.resample(samples, rate, low), low)
        )
    project = trained_trigger_word
    project.run(
        "--pipelines",
        "trigger_word_detect",
        "--params",
        f"input_dir={folder},trigger_word.detect.threshold=0.5",
    )
    table = pd.read_csv(project.path / DETECT / "detections.csv")
    found = {
        name: table.loc[table["file"] == name, "time_s"].to_numpy()
        for name in ("at_44k.wav", "at_16k.wav")
    }
    for end in ends:
        assert np.any(np.abs(found["at_44k.wav"] - end) < 0.5), (end, found)
        assert np.any(np.abs(found["at_16k.wav"] - end) < 0.5), (end, found)


def test_the_run_reports_each_voice_family_and_the_held_out_engine(
    trained_trigger_word: KedroProject,
) -> None:
    """Validation and test each hold out a whole synthesiser; the FRR of every family
    is logged, and the DET curve has a line per family."""
    from dl_pipelines.pipelines.trigger_word import engines

    report = json.loads(
        (trained_trigger_word.path / "data/08_reporting/trigger_word/test_metrics.json").read_text()
    )
    assert "espeak" in report["frr_by_family"]["test"]
    (run,) = trained_trigger_word.runs("trigger_word")
    metrics = run.data.metrics
    assert "test_frr_seen_families" in metrics and "test_frr_family_espeak" in metrics
    if engines.engine("flite").missing() is None:
        assert "flite" in report["frr_by_family"]["test"]
        assert "test_frr_heldout_engine" in metrics and "test_frr_family_flite" in metrics
        assert 0.0 <= metrics["test_frr_heldout_engine"] <= 1.0
    if engines.engine("festival").missing() is None:
        assert "val_frr_family_festival" in metrics
    # conf/test examples are 16 kHz: the test keyword examples are also scored at 8 kHz
    assert {"test_frr_full_rate", "test_frr_8000hz"} <= set(metrics)
    assert "test_frr_16000hz" not in metrics
    assert 0.0 <= metrics["test_frr_8000hz"] <= 1.0


# ---------------------------------------------------------------------------- bad input
def test_corrupt_wav_fails_the_detect_run_naming_it(
    trained_trigger_word: KedroProject, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    write_recording(folder, "good.wav", [("activate", 0.2)], "en-029+m4", 16000, 1.5)
    (folder / "broken.wav").write_bytes(b"RIFF....WAVEnot really")
    csv = trained_trigger_word.path / DETECT / "detections.csv"
    before = csv.read_bytes() if csv.exists() else None
    result = trained_trigger_word.run(
        "--pipelines", "trigger_word_detect", "--params", f"input_dir={folder}", check=False
    )
    trained_trigger_word.assert_failed_cleanly(
        result, "trigger_word_detect", "broken.wav", "Cannot decode"
    )
    assert (csv.read_bytes() if csv.exists() else None) == before


def test_short_background_fails_the_training_run(project: KedroProject) -> None:
    folder = project.path / "data/01_raw/trigger_word/backgrounds"
    write_recording(folder, "short.wav", [], "en-029+m4", 16000, 1.0)
    result = project.run("--pipelines", "trigger_word", check=False)
    project.assert_failed_cleanly(result, "trigger_word", "short.wav", "shorter than one")
    assert project.outputs() == []
