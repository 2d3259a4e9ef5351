"""Use on new images: faces_verify and faces_identify, and their bad input."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.pipelines.faces import nodes, registry
from dl_pipelines.vision.images import resize
from tests.conftest import PROJECT_ROOT
from tests.pipelines.faces.conftest import BASE, LFW


class StubEncoder:
    """Stands in for the Keras encoder: the embedding is the mean colour of the crop."""

    def predict(self, x, batch_size=None, verbose=0):
        means = x.reshape(len(x), -1, 3).mean(axis=1)
        return means / np.linalg.norm(means, axis=1, keepdims=True)


def _coloured(colour) -> np.ndarray:
    return np.full((30, 30, 3), colour, np.uint8)


def _registered(params: dict, **crop) -> dict:
    """A version of the registered ``faces`` model as ``faces_registered_model`` loads it:
    the stub encoder, τ and the crop settings (``params``' unless given)."""
    return {
        "model": StubEncoder(),
        "faces_threshold": {"tau": 0.01, "image_size": [16, 16]},
        "faces_crop": {**{key: params[key] for key in registry.CROP_KEYS}, **crop},
    }


def test_verify_pair_uses_tau() -> None:
    params = {**BASE["detection"], "enabled": False}
    encoder = _registered(params)
    same = nodes.verify_pair(encoder, _coloured((200, 20, 20)), _coloured((190, 25, 20)), params)
    other = nodes.verify_pair(encoder, _coloured((200, 20, 20)), _coloured((20, 20, 200)), params)
    assert same["same"] and not other["same"]
    assert set(same) >= {"distance", "same", "tau"}


def test_the_versions_crop_settings_override_the_runs() -> None:
    """A version is applied to the crops it was trained on: its own ``clahe_clip_limit``
    (and ``enabled``, ``margin``), whatever ``faces.detection`` says in this run."""
    ramp = np.repeat(np.linspace(30, 220, 30, dtype=np.uint8)[None, :, None], 30, axis=0)
    image_a = np.concatenate([ramp, ramp // 2, ramp // 3], axis=2)
    image_b = image_a[:, ::-1]
    params = {**BASE["detection"], "enabled": False, "clahe_clip_limit": 0.0}
    plain = nodes.verify_pair(_registered(params), image_a, image_b, params)
    equalised = {**params, "clahe_clip_limit": 4.0}
    assert nodes.verify_pair(_registered(params), image_a, image_b, equalised) == plain
    assert nodes.verify_pair(_registered(equalised), image_a, image_b, params) != plain


def test_identify_folder_names_people_and_rejects_one_person_gallery() -> None:
    params = {**BASE["detection"], "enabled": False}
    encoder = _registered(params)
    gallery = {"red/1.png": _coloured((200, 0, 0)), "blue/1.png": _coloured((0, 0, 200))}
    probes = {"x.png": _coloured((190, 10, 0)), "y.png": _coloured((0, 200, 0))}
    table = nodes.identify_folder(encoder, gallery, probes, params, 1)
    assert table.set_index("file")["person"].to_dict() == {"x.png": "red", "y.png": "unknown"}
    with pytest.raises(ValueError, match="needs at least two person folders"):
        nodes.identify_folder(encoder, {"red/1.png": gallery["red/1.png"]}, probes, params, 1)
    with pytest.raises(ValueError, match="not in a person folder"):
        nodes.identify_folder(encoder, {"1.png": gallery["red/1.png"]}, probes, params, 1)


def _face(size: int = 40) -> np.ndarray:
    """A real lfw_subset face the Haar cascade finds, as RGB uint8."""
    face = np.repeat((LFW[0] * 255).astype(np.uint8)[..., None], 3, axis=2)
    return resize(face, (size, size))


def test_identify_folder_with_every_gallery_or_probe_face_skipped_names_the_files() -> None:
    params = {**BASE["detection"], "no_face": "skip"}
    encoder = _registered(params)
    flat = np.full((40, 40, 3), 90, np.uint8)
    probes = {"x.png": _face()}
    # a face for ann only: skipping bob's faceless image leaves a gallery of one person
    with pytest.raises(ValueError, match=r"\(bob/1.png\) are skipped.*holds 1 person \(ann\)"):
        nodes.identify_folder(encoder, {"ann/1.png": _face(), "bob/1.png": flat}, probes, params, 1)
    with pytest.raises(ValueError, match=r"ann/1.png, bob/1.png.*holds 0 person"):
        nodes.identify_folder(encoder, {"ann/1.png": flat, "bob/1.png": flat}, probes, params, 1)
    gallery = {"ann/1.png": _face(), "bob/1.png": _face(48)}
    with pytest.raises(ValueError, match=r"No face found in any probe image \(p1.png, p2.png\)"):
        nodes.identify_folder(encoder, gallery, {"p1.png": flat, "p2.png": flat}, params, 1)
    # one faceless probe among others is listed as "no face", not an error
    table = nodes.identify_folder(encoder, gallery, {"p1.png": flat, "x.png": _face()}, params, 1)
    assert table.set_index("file").loc["p1.png", "person"] == "no face"


def test_unreadable_or_missing_verify_image_names_the_file(tmp_path) -> None:
    catalog = yaml.safe_load((PROJECT_ROOT / "conf/base/catalog_faces.yml").read_text())
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a JPEG")
    for name in ("faces_verify_image_a", "faces_verify_image_b"):
        dataset = AbstractDataset.from_config(name, {**catalog[name], "filepath": str(broken)})
        with pytest.raises(DatasetError, match="broken.jpg.*Replace it"):
            dataset.load()
        dataset = AbstractDataset.from_config(
            name, {**catalog[name], "filepath": str(tmp_path / "absent.png")}
        )
        with pytest.raises(DatasetError, match="absent.png.*--params image_a="):
            dataset.load()
