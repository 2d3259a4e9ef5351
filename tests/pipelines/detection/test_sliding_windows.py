"""The convolutional implementation of sliding windows gives the sliding-window scores."""

from __future__ import annotations

import numpy as np

from dl_pipelines.pipelines.detection.sliding_windows import (
    build_window_classifier,
    sliding_window_scores,
    to_fully_convolutional,
    window_stride,
)


def test_fully_convolutional_scores_equal_sliding_window_scores() -> None:
    import keras

    keras.utils.set_random_seed(0)
    classifier = build_window_classifier(window=16, num_classes=3)
    fcn = to_fully_convolutional(classifier)
    assert window_stride(classifier) == 4
    image = np.random.default_rng(0).uniform(0, 1, (40, 36, 3)).astype("float32")
    by_crops = sliding_window_scores(classifier, image, stride=4)
    at_once = fcn.predict(image[None], verbose=0)[0]
    assert by_crops.shape == at_once.shape == (7, 6, 3)  # (40−16)/4+1, (36−16)/4+1
    np.testing.assert_allclose(at_once, by_crops, atol=1e-5)
    # on a window-sized image both are the classifier itself
    np.testing.assert_allclose(
        fcn.predict(image[None, :16, :16], verbose=0)[0, 0, 0],
        classifier.predict(image[None, :16, :16], verbose=0)[0],
        atol=1e-6,
    )
