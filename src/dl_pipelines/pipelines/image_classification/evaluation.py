"""Evaluation of the trained zoo: every member scored once on the test split, ranked,
and the best one's confusion matrix."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from dl_pipelines.tracking.runs import as_mlflow_metrics

logger = logging.getLogger(__name__)


def as_model(model_or_loader: Any) -> Any:
    """A model, or the loader ``KerasModelsDataset`` gives for one, as a model."""
    return model_or_loader if hasattr(model_or_loader, "predict") else model_or_loader()


def predict_classes(model: Any, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """argmax of the class scores for ``(n, h, w, 1)`` images of the data set's size."""
    scores = model.predict(images.astype("float32"), batch_size=batch_size, verbose=0)
    return np.asarray(scores).argmax(axis=-1)


def evaluate_models(
    models: dict[str, Any],
    summaries: dict[str, Any],
    test: dict[str, np.ndarray],
    data_report: dict[str, Any],
) -> tuple[pd.DataFrame, dict, dict[str, Any], dict[str, np.ndarray]]:
    """Score every member on the test split and rank them.

    ``models`` may hold the models or loaders returning them (``KerasModelsDataset``).
    Each member's ``test_accuracy`` also goes to its own nested MLflow run.

    Returns:
        The comparison table (model, builder, loss, parameters, MACs, test accuracy,
        train seconds), the metrics for the pipeline's run (``<member>.test_accuracy``,
        ``<member>.params_count``, and ``test_accuracy`` / ``params_count`` of the best
        member), a JSON report (with the best member's confusion matrix) and the best
        member's test predictions.
    """
    from dl_pipelines.pipelines.image_classification.training import log_to_member_run

    y_true = test["labels"]
    class_names = data_report["class_names"]
    rows, predictions, accuracies = [], {}, {}
    for name in summaries:
        model = as_model(models[name])
        y_pred = predict_classes(model, test["images"])
        predictions[name] = y_pred
        accuracy = accuracies[name] = float(skm.accuracy_score(y_true, y_pred))
        summary = summaries[name]
        log_to_member_run(summary.get("mlflow_run_id"), {"test_accuracy": accuracy})
        rows.append(
            {
                "model": name,
                "builder": summary["builder"],
                "loss": summary["loss"],
                "input": "×".join(map(str, summary["input_size"])),
                "params": summary["params_count"],
                "macs": summary["macs"],
                "test_accuracy": round(accuracy, 4),
                "train_seconds": round(summary["train_seconds"], 1),
                "epochs": summary["epochs_run"],
            }
        )
        logger.info(
            "%s: test_accuracy=%.4f (%d parameters)", name, accuracy, summary["params_count"]
        )
    table = pd.DataFrame(rows).sort_values(
        ["test_accuracy", "params"], ascending=[False, True], ignore_index=True
    )
    best = str(table.loc[0, "model"])
    metrics: dict[str, float] = {}
    for row in table.itertuples():
        metrics[f"{row.model}.test_accuracy"] = accuracies[row.model]
        metrics[f"{row.model}.params_count"] = row.params
        metrics[f"{row.model}.train_seconds"] = row.train_seconds
    metrics.update(test_accuracy=accuracies[best], params_count=float(table.loc[0, "params"]))
    matrix = skm.confusion_matrix(y_true, predictions[best], labels=range(len(class_names)))
    report = {
        "dataset": data_report["dataset"],
        "n_test": int(len(y_true)),
        "best_model": best,
        "class_names": class_names,
        "models": table.to_dict(orient="records"),
        "best_confusion_matrix": {"rows_true_columns_predicted": matrix.tolist()},
    }
    return (
        table,
        as_mlflow_metrics(metrics),
        report,
        {"predicted": predictions[best], "model": np.asarray(best)},
    )
