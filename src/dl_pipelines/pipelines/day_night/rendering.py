"""The offline default day/night data: real photos by day, rendered by night.

Day images are random crops of real photographs with a mild exposure and white
balance jitter. Night images are other crops of the same photographs put through a
simple physical model of a camera at night, computed in linear light:

1. exposure drop: the scene receives 2^-stops of the daylight;
2. moonlight colour: a cool white balance and desaturation (the eye and the camera
   see little colour in dim light);
3. artificial lights: sodium, tungsten and LED sources add a glow and light the
   surfaces around them (scaled by the surfaces' own reflectance);
4. auto exposure: the camera raises the gain by part of the lost stops;
5. sensor noise: photon shot noise (variance ∝ signal × gain) plus read noise.

Procedural sky scenes (sky gradient, clouds or stars, sun or moon, a textured
ground, lit windows at night) add many small, independent sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from dl_pipelines.vision.images import linear_to_srgb, random_square_crop, resize, srgb_to_linear

#: Linear-light RGB of artificial light sources.
LIGHT_COLOURS = (
    (1.00, 0.50, 0.12),  # low-pressure sodium street light
    (1.00, 0.62, 0.30),  # high-pressure sodium
    (1.00, 0.72, 0.42),  # tungsten
    (0.95, 0.95, 1.00),  # cool LED
)


@dataclass(frozen=True)
class NightModel:
    """Parameters of the night rendering (``day_night.default_data.night``)."""

    exposure_stops: tuple[float, float]
    auto_exposure: tuple[float, float]
    blue_shift: tuple[float, float]
    desaturation: tuple[float, float]
    lights_mean: float
    light_radius: tuple[float, float]
    light_intensity: tuple[float, float]
    shot_noise: float
    read_noise: float

    def __post_init__(self) -> None:
        for name in (
            "exposure_stops",
            "auto_exposure",
            "blue_shift",
            "desaturation",
            "light_radius",
            "light_intensity",
        ):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be a range [low, high] with 0 <= low <= high")


@dataclass(frozen=True)
class DayModel:
    """Parameters of the day rendering (``day_night.default_data.day``)."""

    exposure_stops: tuple[float, float]
    white_balance: float


def render_day(
    crop: np.ndarray, size: tuple[int, int], rng: np.random.Generator, model: DayModel
) -> np.ndarray:
    """A daylight image from a crop: resize, exposure and white-balance jitter."""
    linear = srgb_to_linear(resize(crop, size))
    gain = 2.0 ** rng.uniform(*model.exposure_stops)
    balance = 1.0 + rng.uniform(-model.white_balance, model.white_balance, size=3)
    return linear_to_srgb(linear * gain * balance)


def render_night(
    crop: np.ndarray, size: tuple[int, int], rng: np.random.Generator, model: NightModel
) -> np.ndarray:
    """A night image from a crop, by the camera model in the module docstring."""
    albedo = srgb_to_linear(resize(crop, size))
    stops = rng.uniform(*model.exposure_stops)
    scene = albedo * 2.0**-stops

    blue = rng.uniform(*model.blue_shift)
    scene = scene * np.array([blue, 0.5 * (1 + blue), 1.0], dtype=np.float32)
    luminance = scene @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    scene = scene + rng.uniform(*model.desaturation) * (luminance[..., None] - scene)

    scene = scene + _artificial_lights(albedo, rng, model)

    gain = 2.0 ** (stops * rng.uniform(*model.auto_exposure))
    signal = np.clip(scene * gain, 0.0, None)
    # Shot noise (variance ∝ photons) and read noise, both amplified by the gain.
    variance = model.shot_noise * gain * signal + (model.read_noise * gain) ** 2
    noisy = signal + rng.standard_normal(signal.shape).astype(np.float32) * np.sqrt(variance)
    return linear_to_srgb(noisy)


def _artificial_lights(
    albedo: np.ndarray, rng: np.random.Generator, model: NightModel
) -> np.ndarray:
    """Glow of point lights plus the light they throw on nearby surfaces (linear RGB)."""
    height, width = albedo.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = np.zeros_like(albedo)
    for _ in range(rng.poisson(model.lights_mean)):
        colour = np.array(LIGHT_COLOURS[rng.integers(len(LIGHT_COLOURS))], dtype=np.float32)
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        radius = rng.uniform(*model.light_radius) * max(height, width)
        intensity = rng.uniform(*model.light_intensity)
        distance2 = (yy - cy) ** 2 + (xx - cx) ** 2
        glow = np.exp(-distance2 / (2 * radius**2))
        spill = np.exp(-distance2 / (2 * (4 * radius) ** 2))
        light += intensity * colour * (glow[..., None] + 0.15 * spill[..., None] * albedo)
    return light


def sky_scene(size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One procedural landscape rendered by day and by night (same layout).

    Returns:
        ``(day, night)`` RGB ``uint8`` images of ``size``.
    """
    height, width = size
    horizon = int(height * rng.uniform(0.45, 0.8))
    t = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None, None]
    ground_colour = np.array(
        [(0.10, 0.22, 0.05), (0.25, 0.18, 0.10), (0.20, 0.20, 0.22)][rng.integers(3)],
        dtype=np.float32,
    )
    texture = 0.6 + 0.8 * _smooth_noise((height - horizon, width), rng, cells=8)[..., None]
    ground = ground_colour * texture

    zenith = np.array([0.05, 0.20, 0.65], dtype=np.float32) * rng.uniform(0.7, 1.2)
    horizon_colour = np.array([0.55, 0.70, 0.90], dtype=np.float32)
    sky_day = (zenith + (horizon_colour - zenith) * t) * np.ones((1, width, 1), np.float32)
    clouds = np.clip(_smooth_noise((horizon, width), rng, cells=5) * 1.6 - 0.55, 0, 1)
    sky_day = sky_day + (0.9 - sky_day) * clouds[..., None] * rng.uniform(0.3, 1.0)
    day = np.concatenate([sky_day, ground], axis=0)
    sun = (rng.uniform(0, width), rng.uniform(0, horizon * 0.7), rng.uniform(2, 5))
    day = day + 3.0 * _disc(size, *sun)[..., None]

    night_zenith = np.array([0.002, 0.003, 0.010], dtype=np.float32)
    night_horizon = np.array([0.030, 0.018, 0.010], dtype=np.float32) * rng.uniform(0.5, 2)
    sky_night = (night_zenith + (night_horizon - night_zenith) * t) * np.ones(
        (1, width, 1), np.float32
    )
    stars = (rng.random((horizon, width)) < 0.015) * rng.uniform(0.05, 0.6, (horizon, width))
    sky_night = sky_night + stars[..., None].astype(np.float32)
    night = np.concatenate([sky_night, ground * 0.01], axis=0)
    if rng.random() < 0.6:
        moon = (rng.uniform(0, width), rng.uniform(0, horizon * 0.7), rng.uniform(2, 4))
        night = night + 0.8 * _disc(size, *moon)[..., None]
    for _ in range(rng.integers(0, 6)):
        wy = int(rng.integers(horizon, height))
        wx = int(rng.integers(0, width))
        night[wy : wy + 2, wx : wx + 2] += np.array(LIGHT_COLOURS[2], dtype=np.float32) * 0.6
    night = night + rng.normal(0, 0.004, night.shape).astype(np.float32)
    return linear_to_srgb(day), linear_to_srgb(night)


def _smooth_noise(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> np.ndarray:
    """Smooth value noise in [0, 1]: a coarse random grid upsampled bicubically."""
    height, width = shape
    if height == 0 or width == 0:
        return np.zeros(shape, dtype=np.float32)
    coarse = rng.random((cells, cells)).astype(np.float32)
    image = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(image), 0.0, 1.0)


def _disc(size: tuple[int, int], cx: float, cy: float, radius: float) -> np.ndarray:
    """A soft-edged disc of ones on zeros."""
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    return np.clip(radius + 0.5 - np.hypot(yy - cy, xx - cx), 0.0, 1.0)


def crops(
    photo: np.ndarray, count: int, rng: np.random.Generator, fraction: tuple[float, float]
) -> list[np.ndarray]:
    """``count`` random square crops of a photo (side a random share of its short side)."""
    return [random_square_crop(photo, rng, *fraction) for _ in range(count)]
