"""Procedurally painted style images: colourful styles made offline from a seed.

The textures installed with scikit-image (brick, grass, gravel) are grey and the Hubble
deep field is mostly black; these two painters add strong colour and stroke structure:

* :func:`paint_mosaic` – a stained-glass mosaic: Voronoi cells in a vivid palette with
  dark lead lines between them.
* :func:`paint_swirls` – impasto brush strokes that follow a field of vortices
  (line-integral convolution of paint blobs along the flow), in blues and yellows.
"""

from __future__ import annotations

import numpy as np

#: Painter name → function(size, rng) → RGB uint8 image.
PAINTERS = {}


def _painter(function):
    PAINTERS[function.__name__.removeprefix("paint_")] = function
    return function


def _smooth_noise(size: int, rng: np.random.Generator, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a ``cells``×``cells`` random grid, bilinearly upsampled."""
    grid = rng.random((cells + 1, cells + 1))
    coords = np.linspace(0, cells, size, endpoint=False)
    i = coords.astype(int)
    f = coords - i
    f = f * f * (3 - 2 * f)  # smoothstep
    top = grid[i][:, i] * (1 - f)[None, :] + grid[i][:, i + 1] * f[None, :]
    bottom = grid[i + 1][:, i] * (1 - f)[None, :] + grid[i + 1][:, i + 1] * f[None, :]
    return top * (1 - f)[:, None] + bottom * f[:, None]


@_painter
def paint_mosaic(size: int, rng: np.random.Generator, cells: int = 90) -> np.ndarray:
    """Stained glass: Voronoi cells in a vivid palette, shaded, with dark lead lines."""
    palette = np.array(
        [
            [220, 40, 40],
            [250, 190, 30],
            [30, 90, 200],
            [40, 160, 80],
            [140, 50, 170],
            [250, 120, 20],
            [20, 170, 190],
            [240, 240, 210],
        ],
        dtype=np.float64,
    )
    points = rng.random((cells, 2)) * size
    colours = palette[rng.integers(0, len(palette), cells)]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    first = np.full((size, size), np.inf)
    second = np.full((size, size), np.inf)
    owner = np.zeros((size, size), dtype=int)
    for index, (y, x) in enumerate(points):
        distance = np.hypot(yy - y, xx - x)
        closer = distance < first
        second = np.where(closer, first, np.minimum(second, distance))
        owner = np.where(closer, index, owner)
        first = np.where(closer, distance, first)
    image = colours[owner]
    shade = 0.75 + 0.35 * _smooth_noise(size, rng, 6)[..., None]
    image = image * shade
    border = (second - first) < size / 110
    image[border] = (25, 20, 20)
    return np.clip(image, 0, 255).astype(np.uint8)


@_painter
def paint_swirls(
    size: int, rng: np.random.Generator, vortices: int = 9, steps: int = 24
) -> np.ndarray:
    """Swirling brush strokes: paint noise smeared along a field of vortices."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    flow_y = np.zeros((size, size))
    flow_x = np.ones((size, size)) * 0.3
    for _ in range(vortices):
        cy, cx = rng.random(2) * size
        radius = size * rng.uniform(0.08, 0.22)
        spin = rng.choice([-1.0, 1.0])
        dy, dx = yy - cy, xx - cx
        weight = np.exp(-(dy**2 + dx**2) / (2 * radius**2))
        flow_y += spin * dx / radius * weight * 2
        flow_x += -spin * dy / radius * weight * 2
    norm = np.hypot(flow_y, flow_x) + 1e-6
    flow_y, flow_x = flow_y / norm, flow_x / norm

    blobs = rng.random((size // 2, size // 2))
    blobs = np.kron(blobs, np.ones((2, 2)))[:size, :size]
    smeared = np.zeros((size, size))
    for direction in (1.0, -1.0):
        py, px = yy.copy(), xx.copy()
        for _ in range(steps):
            iy = np.clip(py.astype(int), 0, size - 1)
            ix = np.clip(px.astype(int), 0, size - 1)
            smeared += blobs[iy, ix]
            py += direction * flow_y[iy, ix]
            px += direction * flow_x[iy, ix]
    strokes = smeared / (2 * steps)
    strokes = (strokes - strokes.mean()) / (strokes.std() + 1e-6)

    base = _smooth_noise(size, rng, 4)
    sky = np.array([25, 50, 130.0])
    light = np.array([90, 140, 210.0])
    gold = np.array([245, 205, 60.0])
    t = np.clip(base + 0.18 * strokes, 0, 1)[..., None]
    image = np.where(
        t < 0.55, sky + (light - sky) * (t / 0.55), light + (gold - light) * ((t - 0.55) / 0.45)
    )
    image = image * (1 + 0.12 * strokes[..., None])
    return np.clip(image, 0, 255).astype(np.uint8)


def paint(name: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """Paint the style ``name`` (a key of :data:`PAINTERS`) at ``size``×``size``."""
    if name not in PAINTERS:
        raise ValueError(f"Unknown painted style '{name}'; the painters are {sorted(PAINTERS)}.")
    return PAINTERS[name](size, rng)
