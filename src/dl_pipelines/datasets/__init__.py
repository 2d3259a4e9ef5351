"""Custom Kedro datasets, for what kedro-datasets has no dataset for.

* :class:`ImageFolderDataset` – a folder of images, optionally one sub-folder per class,
  decoded with clear errors naming the bad file.
* :class:`PackageImagesDataset` – real photos shipped inside installed Python packages
  (scikit-image, scikit-learn, matplotlib): the offline default data.
* :class:`KerasModelDataset` – a Keras 3 ``.keras`` file on any backend (kedro-datasets'
  ``TensorFlowModelDataset`` needs TensorFlow, which a JAX or PyTorch machine may lack).
* :class:`NpzDataset` – a dict of NumPy arrays in one ``.npz`` file (model inputs).
* :class:`CocoDetectionDataset` – a COCO-style ``annotations.json`` with its images
  (boxes, classes, keypoints) for the detection and localization pipelines.
* :class:`ImageMaskFolderDataset` – image + PNG class-mask pairs for segmentation.
* :class:`MlflowKerasModelDataset` – kedro-mlflow's model dataset for Keras that adds
  the input/output signature read off the model.

Every writer writes to a temporary file beside the target and renames it into place,
so a failed run never leaves a half-written file.
"""

from dl_pipelines.datasets.coco import CocoDetectionDataset
from dl_pipelines.datasets.image_folder import ImageFolderDataset
from dl_pipelines.datasets.image_masks import ImageMaskFolderDataset
from dl_pipelines.datasets.keras_model import KerasModelDataset
from dl_pipelines.datasets.mlflow_keras import MlflowKerasModelDataset
from dl_pipelines.datasets.npz import NpzDataset
from dl_pipelines.datasets.package_images import PackageImagesDataset

__all__ = [
    "CocoDetectionDataset",
    "ImageFolderDataset",
    "ImageMaskFolderDataset",
    "KerasModelDataset",
    "MlflowKerasModelDataset",
    "NpzDataset",
    "PackageImagesDataset",
]
