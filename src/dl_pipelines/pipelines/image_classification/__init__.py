"""``image_classification``: a config-driven zoo of classifiers, from a linear SVM to
EfficientNet, trained and compared on real digits or Fashion-MNIST."""

from dl_pipelines.pipelines.image_classification.pipeline import create_pipeline

__all__ = ["create_pipeline"]
