"""The sections of ``conf/base/parameters_faces.yml`` as typed, checked dataclasses.

The nodes parse their ``params:`` inputs with :func:`dl_pipelines.runtime.config.parse`
into these classes; a bad value stops the run before its first node, naming the key and
the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dl_pipelines.nn.training import FitParams

#: ``lfw_subset`` holds 100 real faces, then 100 non-face patches.
LFW_SUBSET_FACES = 100
NO_FACE_POLICIES = ("typical_box", "whole_image", "skip", "error")


@dataclass(frozen=True)
class NuisanceParams:
    """``faces.data.default_data.nuisance``: how strongly each change is drawn."""

    exposure_stops: tuple[float, float]  # global brightness change, in stops
    gamma: tuple[float, float]  # tone-curve exponent
    side_light: float  # max strength of a left/right light gradient
    rotation_degrees: float  # in-plane rotation (head roll), ±
    yaw_squeeze: float  # horizontal squeeze (head turn), max share
    scale: tuple[float, float]  # zoom of the face in the frame
    shift: float  # translation, share of the side, ±
    blur_sigma: tuple[float, float]  # Gaussian blur sigma in pixels of the 25-px face
    jpeg_quality: tuple[int, int]  # JPEG quality range
    jpeg_probability: float
    glasses_probability: float
    beard_probability: float
    tint: float  # max share of a colour tint (make-up, light colour)
    contrast: tuple[float, float]  # contrast factor (< 1: flatter, ageing-like)
    noise_sigma: float  # sensor noise std in 0–255 units
    flip_probability: float  # mirror image (a face is nearly symmetric)

    def __post_init__(self) -> None:
        for name in (
            "jpeg_probability",
            "glasses_probability",
            "beard_probability",
            "flip_probability",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 1 <= self.jpeg_quality[0] <= self.jpeg_quality[1] <= 100:
            raise ValueError("jpeg_quality must be [low, high] within 1..100")
        if not 0 < self.scale[0] <= self.scale[1]:
            raise ValueError("scale must be [low, high] with 0 < low <= high")


@dataclass(frozen=True)
class DetectorParams:
    """``faces.detection``: how the Haar cascade scans an image."""

    cascade: str = "haarcascade_frontalface_default.xml"
    upsample_to: int = 120  # short side scanned, in pixels (small images are enlarged)
    pad_fraction: float = 0.25  # border added on each side, share of the side
    scale_factor: float = 1.1  # window growth between scales
    min_neighbors: int = 3  # overlapping detections needed to keep a box
    min_size_fraction: float = 0.2  # smallest face, share of the short side

    def __post_init__(self) -> None:
        if self.upsample_to < 24:
            raise ValueError("upsample_to must be at least 24 (the cascade's window)")
        if self.scale_factor <= 1.0:
            raise ValueError("scale_factor must be > 1")
        if not 0 <= self.pad_fraction <= 1 or not 0 < self.min_size_fraction <= 1:
            raise ValueError("pad_fraction must be in [0, 1], min_size_fraction in (0, 1]")


@dataclass(frozen=True)
class SyntheticPeopleParams:
    """``faces.data.default_data.synthetic_people``: procedural extra training people."""

    identities: int
    images_per_identity: int
    blend: tuple[float, float]

    def __post_init__(self) -> None:
        if self.identities < 0 or self.images_per_identity < 2:
            raise ValueError("identities must be >= 0 and images_per_identity >= 2")


@dataclass(frozen=True)
class DefaultDataParams:
    """``faces.data.default_data``: the offline set made when data/01_raw/faces is empty."""

    identities: int
    images_per_identity: int
    photo_side: int
    nuisance: NuisanceParams
    synthetic_people: SyntheticPeopleParams

    def __post_init__(self) -> None:
        if not 4 <= self.identities <= LFW_SUBSET_FACES:
            raise ValueError(f"identities must be in 4..{LFW_SUBSET_FACES} (lfw_subset faces)")
        if self.images_per_identity < 2 or self.photo_side < 25:
            raise ValueError("images_per_identity must be >= 2 and photo_side >= 25")


@dataclass(frozen=True)
class DataParams:
    """``faces.data``."""

    image_size: tuple[int, int]
    min_images_per_person: int
    default_data: DefaultDataParams

    def __post_init__(self) -> None:
        if min(self.image_size) < 16:
            raise ValueError(f"image_size must be at least 16×16, got {self.image_size}")
        if self.min_images_per_person < 2:
            raise ValueError("min_images_per_person must be >= 2 (a positive pair needs two)")


@dataclass(frozen=True)
class DetectionParams:
    """``faces.detection``."""

    enabled: bool
    no_face: str
    margin: float
    clahe_clip_limit: float = 0.0
    detector: DetectorParams = field(default_factory=DetectorParams)

    def __post_init__(self) -> None:
        if self.no_face not in NO_FACE_POLICIES:
            raise ValueError(f"no_face must be one of {NO_FACE_POLICIES}, got {self.no_face!r}")
        if not 0 <= self.margin <= 1:
            raise ValueError("margin must be in [0, 1]")


@dataclass(frozen=True)
class SplitParams:
    """``faces.split``: shares of *people* (open set: no person in two splits)."""

    train: float
    val: float
    test: float

    def __post_init__(self) -> None:
        if (
            min(self.train, self.val, self.test) <= 0
            or abs(self.train + self.val + self.test - 1) > 1e-6
        ):
            raise ValueError("train, val and test must be positive and sum to 1")


@dataclass(frozen=True)
class ModelParams:
    """``faces.model``."""

    embedding_dim: int
    stem_filters: int
    stage_filters: tuple[int, ...]
    block: str
    dropout: float
    ensemble: int = 1  # encoders trained from seeds seed, seed + 1, …

    def __post_init__(self) -> None:
        if self.embedding_dim < 2 or not self.stage_filters:
            raise ValueError("embedding_dim must be >= 2 and stage_filters non-empty")
        if self.ensemble < 1:
            raise ValueError(f"ensemble must be >= 1, got {self.ensemble}")
        if not 0 <= self.dropout < 1:
            raise ValueError("dropout must be in [0, 1)")


@dataclass(frozen=True, kw_only=True)
class TrainingParams(FitParams):
    """``faces.training``: batches of P people × K images (so no ``batch_size``).

    Attributes:
        identities_per_batch: P, the people of a batch.
        images_per_identity: K, the images of each of them.
        margin: α of the triplet loss (the embeddings have unit norm).
        mining: ``batch_hard`` or ``semi_hard`` (:mod:`.metric_learning`).
        horizontal_flip: Mirror training crops at random.
        shift_pixels: Random shift of training crops, ± pixels.
        brightness: Random gain of training crops, ± share.
        passes_per_epoch: Visits of every training person per epoch.
        cosine_decay: Let the learning rate fall to 2 % of itself along a cosine.
    """

    identities_per_batch: int
    images_per_identity: int
    margin: float
    mining: str
    horizontal_flip: bool
    shift_pixels: int = 0
    brightness: float = 0.0
    passes_per_epoch: int = 1
    cosine_decay: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        from dl_pipelines.pipelines.faces.metric_learning import MINING_STRATEGIES

        if self.mining not in MINING_STRATEGIES:
            raise ValueError(f"mining must be one of {MINING_STRATEGIES}, got {self.mining!r}")
        if self.margin < 0:
            raise ValueError(f"margin must be >= 0, got {self.margin}")
        if self.identities_per_batch < 2 or self.images_per_identity < 2:
            raise ValueError("identities_per_batch (P) and images_per_identity (K) must be >= 2")


@dataclass(frozen=True)
class EvaluationParams:
    """``faces.evaluation``."""

    enrolled_fraction: float
    gallery_per_person: int
    neighbours: int
    map_method: str
    far_targets: tuple[float, ...] = (1e-2, 1e-3)
    flip_tta: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.enrolled_fraction <= 1 or self.gallery_per_person < 1:
            raise ValueError("enrolled_fraction must be in (0, 1], gallery_per_person >= 1")
        if self.map_method not in ("tsne", "pca"):
            raise ValueError("map_method must be 'tsne' or 'pca'")


@dataclass(frozen=True)
class PairHeadParams:
    """``faces.pair_head``: the binary-classification comparison variant."""

    enabled: bool
    epochs: int
    pairs_per_epoch: int
    batch_size: int
    learning_rate: float

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.pairs_per_epoch < 2 or self.batch_size < 1:
            raise ValueError("epochs >= 1, pairs_per_epoch >= 2 and batch_size >= 1")
