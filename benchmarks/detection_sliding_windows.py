"""Sliding windows one crop at a time against their convolutional implementation.

Builds the window classifier of ``dl_pipelines.pipelines.detection.sliding_windows``
(32×32 windows, two conv/pool stages, two dense layers), converts it to a
fully-convolutional network, and scores every window of a batch of images both ways in
one process: crops classified with ``predict`` (the baseline) and one pass of the
fully-convolutional network. Prints windows per second, the largest score difference
and the speed ratio.

    .venv/bin/python benchmarks/detection_sliding_windows.py [--size 256] [--images 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="image side in pixels")
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras

    from dl_pipelines.pipelines.detection.sliding_windows import (
        build_window_classifier,
        sliding_window_scores,
        to_fully_convolutional,
        window_stride,
    )

    keras.utils.set_random_seed(0)
    classifier = build_window_classifier(
        args.window, num_classes=5, filters=(16, 32), dense_units=64
    )
    fcn = to_fully_convolutional(classifier)
    stride = window_stride(classifier)
    images = np.random.default_rng(0).uniform(0, 255, (args.images, args.size, args.size, 3))
    images = images.astype("float32")
    # warm up both (graph tracing)
    sliding_window_scores(classifier, images[0], stride)
    fcn.predict(images[:1], verbose=0)

    def best_of(run) -> float:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    crops = best_of(lambda: [sliding_window_scores(classifier, image, stride) for image in images])
    at_once = best_of(lambda: fcn.predict(images, verbose=0))
    by_crops = np.stack([sliding_window_scores(classifier, image, stride) for image in images])
    convolutional = fcn.predict(images, verbose=0)
    windows = by_crops.shape[1] * by_crops.shape[2] * args.images
    print(
        f"{args.images} images of {args.size}×{args.size}, {args.window}×{args.window} "
        f"windows at stride {stride}: {windows} windows, backend {keras.backend.backend()}"
    )
    print(f"sliding windows (crops):  {crops:8.3f} s  {windows / crops:10.0f} windows/s")
    print(f"fully convolutional:      {at_once:8.3f} s  {windows / at_once:10.0f} windows/s")
    print(f"largest score difference: {np.abs(by_crops - convolutional).max():.2e}")
    print(f"speed ratio: {crops / at_once:.1f}× faster as one convolutional pass")


if __name__ == "__main__":
    main()
