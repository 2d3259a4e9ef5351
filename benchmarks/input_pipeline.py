"""Training throughput of the shared input pipeline against plain in-memory ``fit``.

Trains the day_night CNN for a few epochs on a default-sized set of random 64×64
images twice in one process — once from NumPy arrays handed straight to
``model.fit`` (the plain baseline), once through ``ArrayBatches`` (seeded shuffle,
flip augmentation) with 1 worker and with a 2-thread prefetch pool — and prints images
per second and the ratios.

    .venv/bin/python benchmarks/input_pipeline.py [--images 1024] [--epochs 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras

    from dl_pipelines.nn.keras_data import ArrayBatches, random_horizontal_flip
    from dl_pipelines.pipelines.day_night.model import build_day_night_cnn

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (args.images, 64, 64, 3), dtype=np.uint8)
    y = rng.integers(0, 2, (args.images, 1)).astype("float32")

    def model() -> keras.Model:
        keras.utils.set_random_seed(0)
        return build_day_night_cnn((64, 64, 3), (16, 32, 64), 3, 32, 0.3, 1e-3)

    def plain() -> None:
        model().fit(
            x.astype("float32"),
            y,
            batch_size=args.batch_size,
            epochs=args.epochs,
            shuffle=True,
            verbose=0,
        )

    def pipeline(workers: int):
        def run() -> None:
            batches = ArrayBatches(
                x,
                y,
                args.batch_size,
                shuffle=True,
                seed=0,
                augment=random_horizontal_flip,
                workers=workers,
                max_queue_size=4,
            )
            model().fit(batches, epochs=args.epochs, verbose=0)

        return run

    def images_per_second(run) -> float:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return args.images * args.epochs / float(np.median(times))

    pipeline(1)()  # warm-up: graph tracing
    base = images_per_second(plain)
    print(
        f"backend={keras.backend.backend()} images={args.images} epochs={args.epochs} "
        f"batch={args.batch_size} repeats={args.repeats} (median)"
    )
    print(f"plain model.fit(ndarray)                 {base:7.0f} images/s")
    for workers in (1, 2):
        ours = images_per_second(pipeline(workers))
        print(
            f"ArrayBatches, shuffle+flip, workers={workers}  {ours:7.0f} images/s   "
            f"ratio to plain {ours / base:5.2f}"
        )


if __name__ == "__main__":
    main()
