"""Figures of style transfer: the pairs, G while optimising, the costs, the stylizer."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.style_transfer.images import cover
from dl_pipelines.pipelines.style_transfer.params import CostParams


def pair_figures(
    content_images: dict,
    style_images: dict,
    results: dict[str, np.ndarray],
    histories: dict[str, dict],
) -> dict[str, Figure]:
    """One content | style | result figure per pair (``<pair>.png``).

    ``results`` may hold arrays or, read back from a folder, functions that load them.
    """
    figures = {}
    for name, result in results.items():
        result = result() if callable(result) else result  # a PartitionedDataset's loader
        history = histories[name]
        size = result.shape[:2]
        panels = [
            (cover(content_images[history["content"]], size), f"content: {history['content']}"),
            (cover(style_images[history["style"]], size), f"style: {history['style']}"),
            (result, f"result ({history['step'][-1]} steps)"),
        ]
        figures[f"{name}.png"] = _panel_figure(
            panels, f"{history['content']} in the style of {history['style']}"
        )
    return figures


def progress_figures(
    snapshots: dict[str, dict[int, np.ndarray]], histories: dict[str, dict]
) -> dict[str, Figure]:
    """The intermediate images of every pair, with the step and the total loss."""
    figures = {}
    for name, images in snapshots.items():
        history = histories[name]
        by_step = dict(zip(history["step"], history["total_loss"], strict=True))
        panels = []
        for step in sorted(images):
            loss = by_step.get(step)
            caption = f"step {step}" + (f"\nJ = {loss:.3g}" if loss is not None else "")
            panels.append((images[step], caption))
        figures[f"{name}.png"] = _panel_figure(
            panels, f"{name}: generated image G while optimising"
        )
    return figures


def _panel_figure(panels: list[tuple[np.ndarray, str]], title: str) -> Figure:
    fig = Figure(figsize=(3.0 * len(panels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (image, caption) in zip(axes, panels, strict=True):
        ax.imshow(image)
        ax.set_title(caption, fontsize=9)
        ax.axis("off")
    fig.suptitle(title)
    return fig


def losses_figure(histories: dict[str, dict], cost: CostParams) -> Figure:
    """Total, weighted content and weighted style cost against the step, one line a pair."""
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = (
        ("total_loss", 1.0, "J(G)"),
        ("content_loss", cost.alpha, "α·J_content"),
        ("style_loss", cost.beta, "β·J_style"),
    )
    for ax, (key, scale, label) in zip(axes, panels, strict=True):
        for name, history in histories.items():
            values = np.asarray(history[key], dtype=float) * scale
            values[values <= 0] = np.nan  # J_content is 0 at step 0 when G starts at C
            ax.plot(history["step"], values, marker="o", ms=2, label=name)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Style transfer by optimisation: cost per step")
    return fig


def comparison_figure(panels: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]) -> Figure:
    """Per held-out pair: content | optimisation | stylizer."""
    fig = Figure(figsize=(9, 3.2 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 3, squeeze=False)
    for row, (content, optimised, fast, name) in zip(axes, panels, strict=True):
        for ax, image, caption in zip(
            row,
            (content, optimised, fast),
            (f"content ({name})", "optimisation", "stylizer (1 pass)"),
            strict=True,
        ):
            ax.imshow(image)
            ax.set_title(caption, fontsize=9)
            ax.axis("off")
    fig.suptitle("Optimisation vs feed-forward stylizer")
    return fig
