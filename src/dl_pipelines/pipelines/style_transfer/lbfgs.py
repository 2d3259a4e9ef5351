"""L-BFGS on the pixels of G through ``scipy.optimize.minimize`` (method L-BFGS-B).

Keras 3 has no backend-neutral "gradient of this function" call, but ``train_on_batch``
computes gradients on every backend. One step of plain SGD with learning rate ``s``
moves G from ``x`` to ``x − s·∇J(x)``, so ``∇J(x) = (x − x_new) / s`` — exact up to
float32 rounding, which stays small when ``s`` makes the step large against the
pixel values (``s`` is set from the first gradient). The bounds [0, 255] are
L-BFGS-B's, not a clip.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from dl_pipelines.pipelines.style_transfer.optimisation import record_costs

logger = logging.getLogger(__name__)

#: Target size of the SGD probe step ``s·|∇J|`` (pixel values are ≤ 255).
_PROBE_STEP = 1e4


def optimise_lbfgs(
    extractor,
    initial: np.ndarray,
    content: np.ndarray,
    style: np.ndarray,
    weights,
    config,
    name: str,
    metric_prefix: str = "",
) -> dict[str, Any]:
    """Like ``optimisation.optimise_image`` with ``optimizer: lbfgs``.

    ``steps`` counts L-BFGS iterations.
    """
    import keras
    from keras import ops
    from scipy.optimize import Bounds, minimize

    from dl_pipelines.pipelines.style_transfer import model as st_model

    probe = keras.optimizers.SGD(learning_rate=1.0)
    optimiser = st_model.build_pixel_optimiser(
        extractor, initial, content, style, weights, probe, clip=False
    )
    shape = tuple(optimiser.image.shape)
    state: dict[str, Any] = {"scale": 1.0, "probed": False}

    def cost_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        pixels = x.reshape(shape).astype(np.float32)
        optimiser.image.assign(pixels)
        logs = optimiser.train_on_batch(st_model.DUMMY, st_model.DUMMY, return_dict=True)
        moved = ops.convert_to_numpy(optimiser.image)
        gradient = (pixels.astype(np.float64) - moved) / state["scale"]
        if not state["probed"]:
            typical = float(np.median(np.abs(gradient))) or 1.0
            state["scale"], state["probed"] = _PROBE_STEP / typical, True
            probe.learning_rate.assign(state["scale"])
        return float(logs["total_loss"]), gradient.ravel()

    history: dict[str, list[float]] = {"step": [], **{c: [] for c in st_model.COST_COLUMNS}}
    snapshots = {0: st_model.generated_image(optimiser)}
    started = time.perf_counter()
    iteration = {"n": 0}

    def record(step: int, costs: dict[str, float]) -> None:
        record_costs(history, step, costs, metric_prefix)
        logger.info(
            "%s L-BFGS iteration %d/%d: total %.4g (content %.4g, style %.4g)",
            name,
            step,
            config.steps,
            costs["total_loss"],
            costs["content_loss"],
            costs["style_loss"],
        )

    record(0, st_model.evaluate(optimiser))

    def callback(x: np.ndarray) -> None:
        iteration["n"] += 1
        step = iteration["n"]
        if step % config.log_every == 0 or step % config.snapshot_every == 0:
            optimiser.image.assign(x.reshape(shape).astype(np.float32))
            if step % config.log_every == 0 and step < config.steps:
                record(step, st_model.evaluate(optimiser))
            if step % config.snapshot_every == 0:
                snapshots[step] = st_model.generated_image(optimiser)

    result = minimize(
        cost_and_gradient,
        initial.astype(np.float64).ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=Bounds(0.0, 255.0),
        callback=callback,
        options={"maxiter": config.steps},
    )
    seconds = time.perf_counter() - started
    optimiser.image.assign(result.x.reshape(shape).astype(np.float32))
    steps = max(iteration["n"], 1)
    record(steps, st_model.evaluate(optimiser))
    snapshots[steps] = st_model.generated_image(optimiser)
    return {
        "image": snapshots[steps],
        "history": history,
        "snapshots": snapshots,
        "seconds": seconds,
        "step_seconds": seconds / steps,
    }
