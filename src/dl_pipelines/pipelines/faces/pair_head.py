"""The notes' other way to compare two faces: a Siamese encoder with a binary head.

σ(Σₖ wₖ |f(xᵢ)ₖ − f(xⱼ)ₖ| + b) is trained from scratch with binary cross-entropy on
balanced pairs of training people and scored on the test pairs the triplet encoder is
scored on. A comparison only: ``faces_verify`` and ``faces_identify`` use the triplet
encoder. Keras is imported inside the function.
"""

from __future__ import annotations

import logging

import numpy as np

from dl_pipelines.pipelines.faces import evaluation as ev
from dl_pipelines.pipelines.faces.params import ModelParams, PairHeadParams
from dl_pipelines.pipelines.faces.training import new_encoder
from dl_pipelines.runtime.seeding import rng
from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)


def train_and_evaluate_pair_head(
    train: dict[str, np.ndarray],
    val: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    arch: ModelParams,
    config: PairHeadParams,
    seed: int,
) -> tuple[dict, dict]:
    """The notes' alternative: a Siamese encoder + σ(Σ w_k|f_k(x_i) − f_k(x_j)| + b) head.

    Same encoder architecture, trained from scratch with binary cross-entropy on
    balanced pairs of training people (redrawn every epoch). The decision threshold on
    ŷ is chosen on validation pairs; scored on the same balanced test pairs as the
    triplet encoder: ``pair_verify_accuracy``, ``pair_verify_roc_auc``.
    """
    import keras

    from dl_pipelines.nn.callbacks import MlflowMetricsCallback
    from dl_pipelines.pipelines.faces.model import build_pair_classifier
    from dl_pipelines.runtime.seeding import seed_everything

    seed_everything(seed)
    model = build_pair_classifier(new_encoder(arch, train["images"].shape[1:]))
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    images = train["images"].astype("float32")
    history: dict[str, list[float]] = {}

    for epoch in range(config.epochs):
        i, j, same = _random_pairs(
            train["persons"], config.pairs_per_epoch, rng(seed, "pair_epoch", epoch)
        )
        fitted = model.fit(
            [images[i], images[j]],
            same.astype("float32"),
            batch_size=config.batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            verbose=0,
            callbacks=[MlflowMetricsCallback(prefix="pair_")],
        )
        for k, v in fitted.history.items():
            history.setdefault(k, []).extend(float(x) for x in v)

    def scores(part: dict[str, np.ndarray], generator: np.random.Generator):
        a, b, y = ev.balanced_pairs(part["persons"], generator)
        x = part["images"].astype("float32")
        p = model.predict([x[a], x[b]], batch_size=256, verbose=0).reshape(-1)
        return p, y

    p_val, y_val = scores(val, rng(seed, "val_pairs"))
    # "same" when ŷ ≥ t ⇔ −ŷ ≤ −t: reuse the distance threshold search on −ŷ
    threshold = -ev.best_threshold(-p_val, y_val)
    p_test, y_test = scores(test, rng(seed, "test_pairs"))
    figures = {
        "pair_verify_accuracy": float(np.mean((p_test >= threshold) == y_test)),
        "pair_verify_roc_auc": float(ev.verification_metrics(-p_test, y_test, 0)["roc_auc"]),
    }
    logger.info(
        "Pairwise head on unseen people: %s", ", ".join(f"{k}={v:.4f}" for k, v in figures.items())
    )
    return as_mlflow_metrics(figures), {
        "enabled": True,
        "threshold": threshold,
        "metrics": figures,
        "history": history,
    }


def _random_pairs(persons: np.ndarray, count: int, generator: np.random.Generator):
    """``count`` pairs, half of the same person, half of two different people."""
    persons = np.asarray(persons)
    people = np.unique(persons)
    members = {p: np.flatnonzero(persons == p) for p in people}
    half = count // 2
    same_people = generator.choice(people, half)
    first = [generator.choice(members[p], 2, replace=False) for p in same_people]
    a = [int(f[0]) for f in first]
    b = [int(f[1]) for f in first]
    for _ in range(count - half):
        p, q = generator.choice(people, 2, replace=False)
        a.append(int(generator.choice(members[p])))
        b.append(int(generator.choice(members[q])))
    same = np.asarray([1] * half + [0] * (count - half))
    return np.asarray(a), np.asarray(b), same
