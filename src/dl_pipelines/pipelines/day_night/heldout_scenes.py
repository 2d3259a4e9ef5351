"""Held-out day/night scenes drawn from geometry — never used for training.

An independent generator for the held-out evaluation: it shares no code with the
training renderers (``rendering.py``, ``lit_scenes.py``) beyond sRGB conversion and
resizing, and it is built differently. Scenes are drawn as vector shapes (polygons,
ellipses, gradients) on a supersampled canvas rather than derived from photo crops;
lights glow with a Lorentzian (not Gaussian) falloff; water mirrors with a sine ripple;
exposure is set on the highlights at night and on the mean by day; noise is added after
the tone curve. Each scene's geometry is drawn twice, by day and by night:

* ``monument``: a columned façade with a pediment, dome or tower — sunlit with shaded
  columns and dark trees by day; floodlit from below under a black or deep-blue sky
  by night;
* ``bridge``: an arched bridge over water with lamp posts — by night the lamps glow and
  streak the water, the arches are floodlit or not;
* ``skyline``: a row of towers with window grids, over water or ground — by night dark
  towers with some windows lit;
* ``street``: house fronts, shop windows, lamp posts and a road in front — by night lit
  shop windows, lamps and their reflections on the wet road.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from dl_pipelines.vision.images import linear_to_srgb, resize

#: Linear RGB of night light sources (this module's own palette).
LAMPS = {
    "sodium": (1.0, 0.52, 0.16),
    "metal_halide": (0.88, 0.93, 1.0),
    "warm_led": (1.0, 0.78, 0.55),
    "cool_led": (0.80, 0.88, 1.0),
}
#: Linear albedo of building materials.
STONE = ((0.62, 0.55, 0.42), (0.72, 0.71, 0.68), (0.42, 0.42, 0.45), (0.50, 0.24, 0.14))

Canvas = np.ndarray  # (s, s, 3) float32, linear light


class Scene:
    """One scene's geometry, painted onto a day and a night canvas at once."""

    def __init__(self, side: int, rng: np.random.Generator) -> None:
        self.side, self.rng = side, rng
        self.day = np.zeros((side, side, 3), np.float32)
        self.night = np.zeros((side, side, 3), np.float32)
        self.lamp = np.array(LAMPS[list(LAMPS)[rng.integers(len(LAMPS))]], np.float32)
        self.lights: list[tuple[float, float, float, np.ndarray]] = []  # x, y, radius, colour

    # ------------------------------------------------------------------ shapes
    def mask(self, draw: Callable[[ImageDraw.ImageDraw], None]) -> np.ndarray:
        image = Image.new("L", (self.side, self.side), 0)
        draw(ImageDraw.Draw(image))
        return (np.asarray(image, dtype=np.float32) / 255.0)[..., None]

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return self.mask(lambda d: d.rectangle([x0, y0, x1, y1], fill=255))

    def paint(self, mask: np.ndarray, day, night) -> None:
        """Fill ``mask`` with a colour (or image) on each canvas."""
        self.day = self.day * (1 - mask) + np.asarray(day, np.float32) * mask
        self.night = self.night * (1 - mask) + np.asarray(night, np.float32) * mask

    def rows(self) -> np.ndarray:
        return np.arange(self.side, dtype=np.float32)[:, None, None] / self.side

    # -------------------------------------------------------------------- sky
    def sky(self, horizon: float) -> None:
        t = np.clip(self.rows() / max(horizon, 1e-3), 0, 1)
        rng = self.rng
        zenith = np.array([0.10, 0.24, 0.62], np.float32) * rng.uniform(0.6, 1.3)
        haze = np.array([0.55, 0.68, 0.86], np.float32) * rng.uniform(0.8, 1.2)
        if rng.random() < 0.25:  # overcast
            zenith = haze = np.full(3, rng.uniform(0.35, 0.7), np.float32)
        night_zenith = np.array([0.0, 0.0, rng.uniform(0.0, 0.006)], np.float32)
        glow = np.array([0.012, 0.008, 0.010], np.float32) * rng.uniform(0.0, 1.0)
        if rng.random() < 0.4:  # light pollution: an orange horizon
            glow = np.array([0.03, 0.015, 0.006], np.float32) * rng.uniform(0.3, 1.0)
        ones = np.ones((1, self.side, 1), np.float32)
        self.day = (zenith + (haze - zenith) * t**1.5) * ones
        self.night = (night_zenith + (glow - night_zenith) * t**3) * ones

    # ------------------------------------------------------------------ lights
    def light(self, x: float, y: float, radius: float, colour=None) -> None:
        self.lights.append((x, y, radius, self.lamp if colour is None else colour))

    def glow(self, x: float, y: float, radius: float, stretch: float = 1.0) -> np.ndarray:
        yy, xx = np.mgrid[0 : self.side, 0 : self.side].astype(np.float32)
        d2 = ((xx - x) / radius) ** 2 + ((yy - y) / (radius * stretch)) ** 2
        return (1.0 / (1.0 + d2) ** 1.5)[..., None]

    def water(self, level: float, darken: tuple[float, float]) -> None:
        """Mirror everything above ``level`` into the water below, with a ripple."""
        top = int(level)
        if top <= 1 or top >= self.side:
            return
        amplitude = self.rng.uniform(0.5, 2.5) * self.side / 128
        phase, frequency = self.rng.uniform(0, 6.3), self.rng.uniform(0.4, 1.2)
        for canvas, factor in (
            (self.day, self.rng.uniform(0.45, 0.7)),
            (self.night, self.rng.uniform(*darken)),
        ):
            for y in range(top, self.side):
                source = min(top - 1, max(0, 2 * top - y))
                shift = int(round(amplitude * np.sin(frequency * y + phase)))
                canvas[y] = np.roll(canvas[source], shift, axis=0) * factor
        tint = np.array([0.85, 0.95, 1.1], np.float32)
        self.day[top:] *= tint
        for x, y, radius, colour in self.lights:  # streaks of the lights on the water
            streak = self.glow(x, 2 * top - y, radius * 0.8, stretch=6.0)
            streak[:top] = 0
            self.night += 0.6 * streak * colour

    # ---------------------------------------------------------------- camera
    def finish(self, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        night = self.night.copy()
        for x, y, radius, colour in self.lights:
            night += 3.0 * self.glow(x, y, radius) * colour
        luminance = night @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        night *= rng.uniform(0.7, 1.1) / max(float(np.percentile(luminance, 97)), 1e-4)
        day_lum = self.day @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        day = self.day * rng.uniform(0.17, 0.3) / max(float(day_lum.mean()), 1e-4)
        images = []
        for canvas, noise in ((day, rng.uniform(0, 2)), (night, rng.uniform(2, 6))):
            image = resize(linear_to_srgb(canvas), size).astype(np.float32)
            image += rng.normal(0, noise, image.shape)
            images.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
        return images[0], images[1]


def _windows(
    scene: Scene, x0: float, y0: float, x1: float, y1: float, lit_share: float, night_wall
) -> None:
    """A grid of windows on a wall: dark glass by day, some lit by night."""
    rng = scene.rng
    columns, rows = int(rng.integers(3, 9)), int(rng.integers(3, 12))
    cell_w, cell_h = (x1 - x0) / columns, (y1 - y0) / rows
    for i in range(columns):
        for j in range(rows):
            left, top = x0 + (i + 0.25) * cell_w, y0 + (j + 0.25) * cell_h
            m = scene.rect(left, top, left + 0.5 * cell_w, top + 0.5 * cell_h)
            lit = rng.random() < lit_share
            warm = np.array(LAMPS["warm_led"] if rng.random() < 0.7 else LAMPS["cool_led"])
            scene.paint(
                m,
                np.full(3, rng.uniform(0.03, 0.12)),
                warm * rng.uniform(0.3, 1.0) if lit else night_wall,
            )


def _trees(scene: Scene, ground: float) -> None:
    """Dark trees in the foreground (dark regions by day too)."""
    rng, s = scene.rng, scene.side
    for _ in range(int(rng.integers(0, 4))):
        cx, r = rng.uniform(0, s), rng.uniform(0.06, 0.16) * s
        m = scene.mask(
            lambda d, cx=cx, r=r: d.ellipse([cx - r, ground - 2.2 * r, cx + r, ground], fill=255)
        )
        scene.paint(m, np.array([0.02, 0.05, 0.015]) * rng.uniform(0.5, 2), np.zeros(3))


def monument(scene: Scene) -> None:
    rng, s = scene.rng, scene.side
    ground, top = rng.uniform(0.72, 0.92) * s, rng.uniform(0.3, 0.55) * s
    x0, width = rng.uniform(0.0, 0.3) * s, rng.uniform(0.45, 0.95) * s
    x1 = min(s - 1.0, x0 + width)
    scene.sky(ground / s)
    stone = np.array(STONE[rng.integers(len(STONE))], np.float32)
    light = scene.lamp * rng.uniform(0.6, 1.0)
    gamma = rng.uniform(0.5, 2.0)
    falloff = 0.3 + 0.7 * np.clip((scene.rows() * s - top) / (ground - top), 0, 1) ** gamma
    roof = rng.integers(3)
    if roof == 0:  # pediment
        apex = top - rng.uniform(0.08, 0.18) * s
        body = scene.mask(
            lambda d: d.polygon([(x0, top), ((x0 + x1) / 2, apex), (x1, top)], fill=255)
        )
    elif roof == 1:  # dome
        r = (x1 - x0) * rng.uniform(0.2, 0.35)
        body = scene.mask(
            lambda d: d.ellipse([(x0 + x1) / 2 - r, top - r, (x0 + x1) / 2 + r, top + r], fill=255)
        )
    else:  # tower
        tw = (x1 - x0) * rng.uniform(0.12, 0.25)
        body = scene.rect((x0 + x1 - tw) / 2, rng.uniform(0.05, 0.2) * s, (x0 + x1 + tw) / 2, top)
    body = np.maximum(body, scene.rect(x0, top, x1, ground))
    scene.paint(body, stone, stone * light * (falloff + 0.5 * (roof == 2)))
    shade_side = rng.random() < 0.5
    n = int(rng.integers(4, 10))
    for i in range(n):  # gaps between columns: shaded by day, darker by night
        left = x0 + (i + 0.55) * (x1 - x0) / n
        gap = scene.rect(
            left,
            top + 0.08 * (ground - top),
            left + 0.3 * (x1 - x0) / n,
            ground - 0.05 * (ground - top),
        )
        scene.paint(
            gap,
            stone * (0.25 if shade_side else 0.4) * np.array([0.8, 0.9, 1.1]),
            stone * light * falloff * rng.uniform(0.1, 0.4),
        )
    scene.paint(
        scene.rect(0, ground, s, s),
        np.array([0.3, 0.29, 0.27]) * rng.uniform(0.4, 1),
        np.array([0.01, 0.009, 0.008]) + 0.05 * scene.lamp * rng.uniform(0, 1),
    )
    _trees(scene, s)


def bridge(scene: Scene) -> None:
    rng, s = scene.rng, scene.side
    level = rng.uniform(0.55, 0.75) * s
    deck = rng.uniform(0.3, 0.5) * level
    thick = rng.uniform(0.04, 0.08) * s
    scene.sky(level / s)
    bank = rng.uniform(0.02, 0.1) * s  # the far bank, low buildings
    scene.paint(
        scene.rect(0, level - bank, s, level), np.array([0.12, 0.13, 0.12]), np.full(3, 0.004)
    )
    stone = np.array(STONE[rng.integers(len(STONE))], np.float32)
    lit = rng.random() < 0.6
    arches = int(rng.integers(2, 6))
    span = s / arches
    body = scene.rect(0, deck, s, level)
    for i in range(arches):
        cx, r = (i + 0.5) * span, 0.4 * span
        hole = scene.mask(
            lambda d, cx=cx, r=r: d.ellipse(
                [cx - r, deck + thick, cx + r, deck + thick + 2 * (level - deck - thick)], fill=255
            )
        )
        body = np.clip(body - hole, 0, 1)
    glow_colour = stone * scene.lamp * (rng.uniform(0.4, 0.9) if lit else 0.02)
    scene.paint(body, stone * 0.8, glow_colour)
    post = rng.uniform(0.06, 0.12) * s
    lamps = int(rng.integers(3, 9))
    for i in range(lamps):
        x = (i + rng.uniform(0.3, 0.7)) * s / lamps
        scene.paint(
            scene.rect(x - 0.5, deck - post, x + 0.5, deck), np.full(3, 0.05), np.full(3, 0.01)
        )
        scene.light(x, deck - post, rng.uniform(0.01, 0.025) * s)
    scene.water(level, (0.25, 0.5))


def skyline(scene: Scene) -> None:
    rng, s = scene.rng, scene.side
    base = rng.uniform(0.65, 0.9) * s
    scene.sky(base / s)
    x = -rng.uniform(0, 0.1) * s
    while x < s:
        width = rng.uniform(0.1, 0.25) * s
        top = rng.uniform(0.15, 0.7) * base
        wall = np.array([0.35, 0.38, 0.42], np.float32) * rng.uniform(0.4, 1.6)
        night_wall = wall * rng.uniform(0.005, 0.03)
        scene.paint(scene.rect(x, top, x + width, base), wall, night_wall)
        _windows(scene, x, top, x + width, base, rng.uniform(0.15, 0.75), night_wall)
        if rng.random() < 0.3:  # a lit crown
            scene.light(x + width / 2, top, rng.uniform(0.015, 0.04) * s)
        x += width + rng.uniform(0, 0.05) * s
    if rng.random() < 0.5:
        scene.water(base, (0.3, 0.6))
    else:
        scene.paint(scene.rect(0, base, s, s), np.array([0.2, 0.2, 0.19]), np.full(3, 0.006))


def street(scene: Scene) -> None:
    rng, s = scene.rng, scene.side
    kerb = rng.uniform(0.6, 0.8) * s
    scene.sky(rng.uniform(0.2, 0.45))
    x = 0.0
    while x < s:
        width, top = rng.uniform(0.2, 0.4) * s, rng.uniform(0.1, 0.4) * s
        wall = np.array(STONE[rng.integers(len(STONE))], np.float32) * rng.uniform(0.6, 1.1)
        night_wall = wall * rng.uniform(0.01, 0.05)
        scene.paint(scene.rect(x, top, x + width, kerb), wall, night_wall)
        _windows(
            scene, x, top, x + width, kerb - 0.2 * (kerb - top), rng.uniform(0.2, 0.6), night_wall
        )
        shop = scene.rect(x + 0.1 * width, kerb - 0.17 * (kerb - top), x + 0.9 * width, kerb)
        scene.paint(shop, np.full(3, 0.06), scene.lamp * rng.uniform(0.2, 0.8))
        x += width
    if rng.random() < 0.5:  # a shaded side of the street by day
        shade = scene.mask(
            lambda d: d.polygon(
                [(0, 0), (rng.uniform(0.2, 0.6) * s, 0), (rng.uniform(0.1, 0.5) * s, s), (0, s)],
                fill=255,
            )
        )
        scene.day *= 1 - shade * 0.75
    post = rng.uniform(0.25, 0.45) * s
    for i in range(int(rng.integers(1, 4))):
        px = (i + rng.uniform(0.2, 0.8)) * s / 3
        scene.paint(
            scene.rect(px - 1, kerb + 0.05 * s - post, px + 1, kerb + 0.05 * s),
            np.full(3, 0.03),
            np.full(3, 0.005),
        )
        scene.light(px, kerb + 0.05 * s - post, rng.uniform(0.015, 0.03) * s)
    road = np.array([0.09, 0.09, 0.1], np.float32) * rng.uniform(0.6, 1.5)
    if rng.random() < 0.5:
        scene.paint(scene.rect(0, kerb, s, s), road, road * 0.05)
    else:  # wet road: a dim mirror
        scene.water(kerb, (0.15, 0.35))
        scene.day[int(kerb) :] = scene.day[int(kerb) :] * 0.3 + road


SCENE_KINDS: dict[str, Callable[[Scene], None]] = {
    "monument": monument,
    "bridge": bridge,
    "skyline": skyline,
    "street": street,
}


def draw_scene(
    kind: str, size: tuple[int, int], rng: np.random.Generator, supersample: int
) -> tuple[np.ndarray, np.ndarray]:
    """One scene of ``kind`` drawn by day and by night: two RGB ``uint8`` images."""
    if kind not in SCENE_KINDS:
        raise ValueError(f"Unknown held-out scene kind '{kind}': use {sorted(SCENE_KINDS)}")
    scene = Scene(max(size) * supersample, rng)
    SCENE_KINDS[kind](scene)
    return scene.finish(size)
