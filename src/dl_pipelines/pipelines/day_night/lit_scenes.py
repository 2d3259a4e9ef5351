"""Training scenes in which brightness alone misleads: lit nights and shaded days.

The camera model of ``rendering.py`` makes a whole crop dark, so a model trained on it
alone learns "dark everywhere = night" and calls a floodlit palace under a black sky
day. Two renderers of the default data break that shortcut:

**Lit night** (``render_lit_night``), from a photo crop, in linear light:

1. a skyline: the crop's upper part becomes sky above a stepped (roofs) or smooth
   (trees, hills) edge; the rest is the *subject*;
2. the subject is lit by artificial light — floodlights from below (brightness rising
   towards the ground as ``t^gamma``, in one or two sodium / tungsten / LED colours),
   or a dark façade with lit windows;
3. the sky is black or deep blue, with a light-pollution glow above the skyline;
4. auto exposure on the subject: its mean brightness is set, so the subject is bright
   and the sky stays dark;
5. optionally water or wet ground: the lower part mirrors the scene with a ripple;
6. lamps: Gaussian glows of street or bridge lamps, streaked on the water below;
7. sensor noise: shot noise plus read noise.

**Shaded day** (``add_shade``): a daylight image with dark regions — a cast shadow,
a dark foreground, or a dark object — lit by blue skylight only, so that darkness
somewhere in the picture is no cue for night.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from dl_pipelines.vision.images import linear_to_srgb, resize, srgb_to_linear

#: Linear RGB of artificial lights: sodium, high-pressure sodium, tungsten, LED, cool LED.
LIGHTS = (
    (1.0, 0.45, 0.10),
    (1.0, 0.62, 0.30),
    (1.0, 0.72, 0.45),
    (1.0, 0.9, 0.8),
    (0.82, 0.9, 1.0),
)
LUMINANCE = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _check_range(
    name: str, value: tuple[float, float], low: float = 0.0, high: float = float("inf")
) -> None:
    if not low <= value[0] <= value[1] <= high:
        raise ValueError(
            f"{name} must be a range [low, high] with {low} <= low <= high"
            f"{'' if high == float('inf') else f' <= {high}'}, got {list(value)}"
        )


def _check_share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a share in [0, 1], got {value}")


@dataclass(frozen=True)
class LitNightModel:
    """Parameters of the lit-night renderer (``day_night.data.default_data.lit_night``)."""

    enabled: bool
    share: float
    seed: int
    sky_fraction: tuple[float, float]
    sky_level: tuple[float, float]
    horizon_glow: tuple[float, float]
    subject_level: tuple[float, float]
    floodlight_gamma: tuple[float, float]
    floodlight_floor: tuple[float, float]
    flat_share: float
    window_share: float
    window_size: tuple[float, float]
    water_share: float
    reflectance: tuple[float, float]
    lamps: tuple[int, int]
    lamp_row_share: float
    lamp_radius: tuple[float, float]
    lamp_intensity: tuple[float, float]
    lamp_halo: tuple[float, float]
    shot_noise: float
    read_noise: tuple[float, float]

    def __post_init__(self) -> None:
        for name in ("share", "flat_share", "window_share", "water_share", "lamp_row_share"):
            _check_share(name, getattr(self, name))
        for name in (
            "sky_fraction",
            "subject_level",
            "floodlight_floor",
            "window_size",
            "reflectance",
            "lamp_radius",
            "lamp_halo",
        ):
            _check_range(name, getattr(self, name), high=1.0)
        for name in (
            "sky_level",
            "horizon_glow",
            "floodlight_gamma",
            "lamps",
            "lamp_intensity",
            "read_noise",
        ):
            _check_range(name, getattr(self, name))
        if self.sky_level[1] >= self.subject_level[0]:
            raise ValueError(
                "sky_level must stay below subject_level (the sky is darker than the lit subject)"
            )
        if self.shot_noise < 0:
            raise ValueError(f"shot_noise must be >= 0, got {self.shot_noise}")


@dataclass(frozen=True)
class ShadedDayModel:
    """Parameters of the shaded-day renderer (``day_night.data.default_data.shaded_day``)."""

    enabled: bool
    share: float
    seed: int
    regions: tuple[int, int]
    shade_stops: tuple[float, float]

    def __post_init__(self) -> None:
        _check_share("share", self.share)
        _check_range("regions", self.regions)
        _check_range("shade_stops", self.shade_stops)
        if self.regions[0] < 1:
            raise ValueError(f"regions must start at 1 or more, got {list(self.regions)}")


# ------------------------------------------------------------------------------ lit night
def render_lit_night(
    crop: np.ndarray, size: tuple[int, int], rng: np.random.Generator, model: LitNightModel
) -> np.ndarray:
    """A night scene lit by artificial light from a photo crop (module docstring)."""
    height, width = size
    albedo = srgb_to_linear(resize(crop, size))
    if rng.random() < model.flat_share:  # a plain wall: the crop's mean colour, shaded
        albedo = albedo.mean(axis=(0, 1)) * (0.7 + 0.3 * _blur(albedo, 8))
    yy = np.arange(height, dtype=np.float32)[:, None]
    edge = skyline(width, height, rng, model.sky_fraction)
    subject = (yy >= edge[None, :]).astype(np.float32)[..., None]

    colours = np.array(LIGHTS, dtype=np.float32)[rng.integers(len(LIGHTS), size=2)]
    if rng.random() < 0.5:  # one colour, or a left/right mix of two
        colours[1] = colours[0]
    across = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    light = colours[0] + (colours[1] - colours[0]) * across
    t = np.clip((yy - edge[None, :]) / np.maximum(height - edge[None, :], 1.0), 0.0, 1.0)
    if rng.random() < model.window_share:
        lit = albedo * light * 0.04 + _windows(size, rng, model.window_size) * light
    else:
        floor = rng.uniform(*model.floodlight_floor)
        floodlight = floor + (1 - floor) * t ** rng.uniform(*model.floodlight_gamma)
        lit = albedo * light * floodlight[..., None]
    level = float(((lit * subject) @ LUMINANCE).sum()) / max(float(subject.sum()), 1.0)
    lit = lit * rng.uniform(*model.subject_level) / max(level, 1e-6)

    sky_t = np.clip(yy / np.maximum(edge[None, :], 1.0), 0.0, 1.0)[..., None]
    zenith = rng.uniform(*model.sky_level) * np.array(
        [0.25, 0.45, 1.0] if rng.random() < 0.6 else [1.0, 1.0, 1.0], dtype=np.float32
    )
    glow = rng.uniform(*model.horizon_glow) * np.array(LIGHTS[1], dtype=np.float32)
    sky = zenith + (glow - zenith) * sky_t**3
    scene = sky * (1 - subject) + lit * subject

    lamps = _lamps(size, rng, model)
    if rng.random() < model.water_share:
        level_y = int(rng.uniform(max(0.55, float(edge.max()) / height + 0.05), 0.9) * height)
        scene = _mirror(scene, min(level_y, height - 1), rng, model.reflectance)
        lamps = [lamp for lamp in lamps if lamp[1] < level_y]
        for x, y, radius, colour in lamps:
            streak = _gaussian(size, x, 2 * level_y - y, radius, 4.0 * radius)
            streak[:level_y] = 0.0
            scene = scene + rng.uniform(*model.reflectance) * streak[..., None] * colour
    for x, y, radius, colour in lamps:  # a bright core and the lens's wide, faint halo
        glow = _gaussian(size, x, y, radius, radius) + rng.uniform(*model.lamp_halo) * _gaussian(
            size, x, y, 5 * radius, 5 * radius
        )
        scene = scene + rng.uniform(*model.lamp_intensity) * glow[..., None] * colour

    signal = np.clip(scene, 0.0, None)
    variance = model.shot_noise * signal + rng.uniform(*model.read_noise) ** 2
    noisy = signal + rng.standard_normal(signal.shape).astype(np.float32) * np.sqrt(variance)
    return linear_to_srgb(noisy)


def _lamps(
    size: tuple[int, int], rng: np.random.Generator, model: LitNightModel
) -> list[tuple[float, float, float, np.ndarray]]:
    """Lamps ``(x, y, radius, colour)``: anywhere, or in a row on posts (bridge, street)."""
    height, width = size
    count = int(rng.integers(model.lamps[0], model.lamps[1] + 1))
    colour = np.array(LIGHTS[rng.integers(len(LIGHTS))], dtype=np.float32)
    if rng.random() < model.lamp_row_share:  # evenly spaced, one height, one colour
        row = rng.uniform(0.05, 0.8) * height
        spacing = width / max(count, 1)
        return [
            (
                (i + rng.uniform(0.3, 0.7)) * spacing,
                row + rng.normal(0, 0.01 * height),
                rng.uniform(*model.lamp_radius) * width,
                colour,
            )
            for i in range(count)
        ]
    return [
        (
            rng.uniform(0, width),
            rng.uniform(0.05, 0.95) * height,
            rng.uniform(*model.lamp_radius) * width,
            np.array(LIGHTS[rng.integers(len(LIGHTS))], dtype=np.float32),
        )
        for _ in range(count)
    ]


def skyline(
    width: int, height: int, rng: np.random.Generator, sky_fraction: tuple[float, float]
) -> np.ndarray:
    """Row of the subject's top edge in every column: roofs (steps) or a smooth line."""
    base = rng.uniform(*sky_fraction) * height
    if rng.random() < 0.5:
        edge = np.empty(width, dtype=np.float32)
        x = 0
        while x < width:
            step = int(rng.integers(max(2, width // 10), max(3, width // 2)))
            edge[x : x + step] = base + rng.uniform(-0.15, 0.15) * height
            x += step
    else:
        coarse = rng.uniform(-0.15, 0.15, size=5).astype(np.float32) * height
        edge = base + np.interp(np.linspace(0, 4, width), np.arange(5), coarse)
    return np.clip(edge, 1.0, 0.9 * height).astype(np.float32)


def _windows(
    size: tuple[int, int], rng: np.random.Generator, side: tuple[float, float]
) -> np.ndarray:
    """Lit windows: a jittered grid of bright rectangles (linear, one channel)."""
    height, width = size
    out = np.zeros((height, width, 1), dtype=np.float32)
    w = max(1, int(rng.uniform(*side) * width))
    h = max(1, int(w * rng.uniform(1.0, 1.8)))
    pitch_x, pitch_y = w + max(1, int(w * rng.uniform(0.5, 2))), h + max(1, int(h * 0.8))
    lit_share = rng.uniform(0.2, 0.8)
    for top in range(int(rng.integers(0, pitch_y)), height, pitch_y):
        for left in range(int(rng.integers(0, pitch_x)), width, pitch_x):
            if rng.random() < lit_share:
                out[top : top + h, left : left + w] = rng.uniform(0.4, 1.0)
    return out


def _mirror(
    scene: np.ndarray, level: int, rng: np.random.Generator, reflectance: tuple[float, float]
) -> np.ndarray:
    """Water or wet ground below row ``level``: the scene mirrored with a ripple."""
    out = scene.copy()
    height = scene.shape[0]
    ripple = rng.uniform(0.5, 2.0)
    wavelength = rng.uniform(2.0, 6.0)
    factor = rng.uniform(*reflectance)
    for y in range(level, height):
        source = max(0, 2 * level - y - 1)
        shift = int(round(ripple * np.sin(y / wavelength * 2 * np.pi + rng.uniform(0, 0.5))))
        out[y] = np.roll(scene[source], shift, axis=0) * factor
    return out


def _blur(image: np.ndarray, factor: int) -> np.ndarray:
    """A heavily smoothed, normalised copy (mean 1): down- then up-sampled."""
    height, width = image.shape[:2]
    small = resize(linear_to_srgb(image), (max(1, height // factor), max(1, width // factor)))
    smooth = srgb_to_linear(
        np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC))
    )
    return smooth / max(float(smooth.mean()), 1e-6)


def _gaussian(size: tuple[int, int], x: float, y: float, sx: float, sy: float) -> np.ndarray:
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    return np.exp(-0.5 * (((xx - x) / sx) ** 2 + ((yy - y) / sy) ** 2))


# ------------------------------------------------------------------------------ shaded day
def add_shade(image: np.ndarray, rng: np.random.Generator, model: ShadedDayModel) -> np.ndarray:
    """A daylight image with dark regions: cast shadow, dark foreground or dark object."""
    height, width = image.shape[:2]
    linear = srgb_to_linear(image)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    skylight = np.array([0.85, 0.95, 1.15], dtype=np.float32)
    for _ in range(int(rng.integers(model.regions[0], model.regions[1] + 1))):
        kind = rng.integers(3)
        if kind == 0:  # cast shadow: a half-plane with a soft edge
            angle = rng.uniform(0, 2 * np.pi)
            cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
            distance = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
            mask = np.clip(distance / rng.uniform(0.5, 3.0) + 0.5, 0.0, 1.0)
        elif kind == 1:  # dark foreground: the bottom with an uneven top edge
            top = height * (
                rng.uniform(0.45, 0.85) + rng.uniform(-0.1, 0.1, size=4).astype(np.float32)
            )
            edge = np.interp(np.linspace(0, 3, width), np.arange(4), top)
            mask = np.clip(yy - edge[None, :] + 0.5, 0.0, 1.0)
        else:  # a dark object: a smooth blob
            coarse = rng.random((4, 4)).astype(np.float32)
            blob = np.asarray(
                Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
            )
            mask = np.clip((blob - rng.uniform(0.55, 0.75)) * 8.0, 0.0, 1.0)
        shade = 2.0 ** -rng.uniform(*model.shade_stops) * skylight
        linear = linear * (1 - mask[..., None]) + linear * shade * mask[..., None]
    return linear_to_srgb(linear)
