"""The demo's photos, drawn offline from code: the product a post is about, in its colourway,
in one of the places customers write about (beach, city, trail, lake, brunch). No people, no
downloads; the same seed draws the same picture.

A picture is judged at a glance in a gallery, so each has a recognisable product silhouette
(a shirt, jeans, a sneaker, a mug...), lit from above with a soft shadow, on a scene with
depth (sky, horizon, ground), a little grain, and a varied framing.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 480, 600
RGB = tuple[int, int, int]

COLOURWAYS: dict[str, RGB] = {
    "Oat": (214, 196, 164),
    "Forest": (46, 94, 62),
    "Navy": (36, 52, 94),
    "Charcoal": (62, 64, 70),
    "Rust": (170, 82, 46),
    "Sand": (200, 176, 130),
    "Sky": (128, 176, 222),
    "Black": (30, 30, 34),
    "Olive": (110, 116, 60),
}
PLACES = ("beach", "city", "trail", "lake", "brunch")


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _shade(colour: RGB, factor: float) -> RGB:
    return (
        max(0, min(255, int(colour[0] * factor))),
        max(0, min(255, int(colour[1] * factor))),
        max(0, min(255, int(colour[2] * factor))),
    )


def _gradient(draw: ImageDraw.ImageDraw, top: int, bottom: int, start: RGB, end: RGB) -> None:
    span = max(1, bottom - top)
    for y in range(top, bottom):
        draw.line([(0, y), (WIDTH, y)], fill=_mix(start, end, (y - top) / span))


# Scenes: each paints the background and returns the y where the product rests.
def _beach(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> int:
    horizon = int(rng.integers(200, 260))
    _gradient(draw, 0, horizon, (120, 180, 230), (200, 228, 245))
    _gradient(draw, horizon, horizon + 70, (40, 120, 170), (90, 170, 200))
    _gradient(draw, horizon + 70, HEIGHT, (236, 214, 170), (214, 188, 140))
    sun = int(rng.integers(60, 420))
    draw.ellipse((sun - 28, 40, sun + 28, 96), fill=(255, 244, 200))
    for _ in range(5):  # foam
        y = horizon + 66 + int(rng.integers(0, 8))
        x = int(rng.integers(0, WIDTH - 120))
        draw.line([(x, y), (x + int(rng.integers(60, 160)), y)], fill=(245, 245, 240), width=3)
    return HEIGHT - 90


def _city(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> int:
    _gradient(draw, 0, HEIGHT, (196, 206, 220), (150, 156, 166))
    x = 0
    while x < WIDTH:
        width = int(rng.integers(50, 110))
        top = int(rng.integers(80, 260))
        tone = int(rng.integers(110, 170))
        draw.rectangle((x, top, x + width, 420), fill=(tone, tone + 4, tone + 10))
        for wy in range(top + 14, 400, 26):
            for wx in range(x + 8, x + width - 12, 18):
                lit = rng.random() < 0.3
                draw.rectangle(
                    (wx, wy, wx + 8, wy + 12), fill=(240, 220, 150) if lit else (90, 98, 110)
                )
        x += width + 4
    _gradient(draw, 420, HEIGHT, (120, 120, 124), (90, 90, 94))  # pavement
    return HEIGHT - 80


def _trail(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> int:
    _gradient(draw, 0, 300, (150, 190, 225), (220, 232, 240))
    peaks = [(0, 300)]
    for x in range(0, WIDTH + 80, 80):
        peaks.append((x, int(rng.integers(130, 240))))
    peaks.append((WIDTH, 300))
    draw.polygon(peaks, fill=(112, 128, 150))
    draw.polygon(
        [(p[0], p[1] + 60) for p in peaks[1:-1]] + [(WIDTH, 360), (0, 360)], fill=(78, 110, 84)
    )
    _gradient(draw, 340, HEIGHT, (96, 132, 70), (70, 100, 52))
    path = [(200, 340), (280, 340), (380, HEIGHT), (100, HEIGHT)]
    draw.polygon(path, fill=(170, 140, 100))
    return HEIGHT - 90


def _lake(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> int:
    water = int(rng.integers(260, 320))
    _gradient(draw, 0, water, (170, 200, 230), (230, 236, 240))
    ridge = [(0, water)] + [
        (x, water - int(rng.integers(30, 110))) for x in range(0, WIDTH + 60, 60)
    ]
    ridge.append((WIDTH, water))
    draw.polygon(ridge, fill=(70, 96, 90))
    _gradient(draw, water, 440, (90, 130, 150), (60, 100, 124))
    for y in range(water + 10, 440, 14):  # ripples
        x = int(rng.integers(0, WIDTH - 80))
        draw.line([(x, y), (x + 70, y)], fill=(150, 180, 196), width=1)
    _gradient(draw, 440, HEIGHT, (150, 124, 92), (120, 98, 70))  # the wooden jetty
    for x in range(0, WIDTH, 60):
        draw.line([(x, 440), (x, HEIGHT)], fill=(100, 80, 56), width=2)
    return HEIGHT - 70


def _brunch(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> int:
    wall = (int(rng.integers(200, 240)), int(rng.integers(190, 225)), int(rng.integers(170, 210)))
    _gradient(draw, 0, 330, _shade(wall, 1.05), _shade(wall, 0.9))
    draw.rectangle((330, 60, 430, 220), fill=(180, 210, 230))  # a window
    draw.line([(380, 60), (380, 220)], fill=(240, 240, 240), width=4)
    _gradient(draw, 330, HEIGHT, (172, 128, 88), (136, 96, 62))  # the table top
    draw.ellipse((40, 360, 150, 400), fill=(245, 245, 242))  # a plate
    draw.ellipse((60, 366, 130, 394), fill=(230, 200, 150))
    return HEIGHT - 60


SCENES: dict[str, Callable[[ImageDraw.ImageDraw, np.random.Generator], int]] = {
    "beach": _beach,
    "city": _city,
    "trail": _trail,
    "lake": _lake,
    "brunch": _brunch,
}


# Products: each draws its silhouette centred on cx, resting on `floor`, `s` its scale.
Shape = Callable[[ImageDraw.ImageDraw, int, int, float, RGB], None]


def _top(
    draw: ImageDraw.ImageDraw,
    cx: int,
    floor: int,
    s: float,
    c: RGB,
    *,
    long: bool = False,
    hood: bool = False,
    zip_: bool = False,
) -> None:
    h, w = 230 * s, 170 * s
    top = floor - h
    sleeve = 120 * s if long else 60 * s
    body = [
        (cx - w / 2, top + 30 * s),
        (cx - 28 * s, top),
        (cx + 28 * s, top),
        (cx + w / 2, top + 30 * s),
        (cx + w / 2 + sleeve * 0.6, top + 30 * s + sleeve),
        (cx + w / 2 + sleeve * 0.6 - 34 * s, top + 44 * s + sleeve),
        (cx + w / 2 - 8 * s, top + 90 * s),
        (cx + w / 2 - 8 * s, floor),
        (cx - w / 2 + 8 * s, floor),
        (cx - w / 2 + 8 * s, top + 90 * s),
        (cx - w / 2 - sleeve * 0.6 + 34 * s, top + 44 * s + sleeve),
        (cx - w / 2 - sleeve * 0.6, top + 30 * s + sleeve),
    ]
    draw.polygon(body, fill=c, outline=_shade(c, 0.7))
    if hood:
        draw.chord(
            (cx - 46 * s, top - 40 * s, cx + 46 * s, top + 40 * s), 180, 360, fill=_shade(c, 0.85)
        )
    else:
        draw.chord(
            (cx - 28 * s, top - 18 * s, cx + 28 * s, top + 22 * s), 0, 180, fill=_shade(c, 0.6)
        )
    if zip_:
        draw.line([(cx, top + 10 * s), (cx, floor)], fill=_shade(c, 0.5), width=max(2, int(4 * s)))
        draw.rectangle(
            (cx - w / 2 + 20 * s, floor - 70 * s, cx - 12 * s, floor - 64 * s), fill=_shade(c, 0.6)
        )
    for y in np.arange(floor - 14 * s, floor, 4 * s):  # ribbed hem
        draw.line([(cx - w / 2 + 8 * s, y), (cx + w / 2 - 8 * s, y)], fill=_shade(c, 0.85))


def _trousers(
    draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB, *, length: float = 1.0
) -> None:
    h, w = 300 * s * length, 150 * s
    top = floor - h
    legs = [
        (cx - w / 2, top),
        (cx + w / 2, top),
        (cx + w / 2 + 10 * s, floor),
        (cx + 8 * s, floor),
        (cx, top + 70 * s),
        (cx - 8 * s, floor),
        (cx - w / 2 - 10 * s, floor),
    ]
    draw.polygon(legs, fill=c, outline=_shade(c, 0.7))
    draw.rectangle((cx - w / 2, top, cx + w / 2, top + 18 * s), fill=_shade(c, 0.8))
    draw.line(
        [(cx - w / 2 + 20 * s, top + 30 * s), (cx - 20 * s, top + 40 * s)],
        fill=_shade(c, 0.6),
        width=2,
    )


def _shoe(
    draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB, *, boot: bool = False
) -> None:
    for offset in (-70 * s, 70 * s):  # a pair
        x = cx + offset
        height = 140 * s if boot else 70 * s
        draw.rounded_rectangle(
            (x - 80 * s, floor - 28 * s, x + 80 * s, floor), radius=12 * s, fill=(240, 240, 236)
        )
        upper = [
            (x - 80 * s, floor - 28 * s),
            (x - 70 * s, floor - height),
            (x - 10 * s, floor - height),
            (x + 20 * s, floor - 50 * s),
            (x + 80 * s, floor - 40 * s),
            (x + 80 * s, floor - 28 * s),
        ]
        draw.polygon(upper, fill=c, outline=_shade(c, 0.6))
        for i in range(3):  # laces
            ly = floor - height + (20 + 16 * i) * s
            draw.line([(x - 40 * s, ly), (x - 10 * s, ly + 6 * s)], fill=(245, 245, 245), width=2)


def _bag(
    draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB, *, backpack: bool = False
) -> None:
    w, h = 200 * s, 230 * s
    box = (cx - w / 2, floor - h, cx + w / 2, floor)
    if backpack:
        draw.rounded_rectangle(box, radius=50 * s, fill=c, outline=_shade(c, 0.6))
        draw.rounded_rectangle(
            (cx - 60 * s, floor - 110 * s, cx + 60 * s, floor - 20 * s),
            radius=20 * s,
            fill=_shade(c, 0.8),
        )
        draw.arc(
            (cx - 40 * s, floor - h - 30 * s, cx + 40 * s, floor - h + 30 * s),
            180,
            360,
            fill=_shade(c, 0.5),
            width=6,
        )
    else:
        draw.polygon(
            [
                (box[0] + 10 * s, box[1]),
                (box[2] - 10 * s, box[1]),
                (box[2], box[3]),
                (box[0], box[3]),
            ],
            fill=c,
            outline=_shade(c, 0.6),
        )
        draw.arc(
            (cx - 60 * s, floor - h - 90 * s, cx + 60 * s, floor - h + 40 * s),
            180,
            360,
            fill=_shade(c, 0.6),
            width=max(3, int(8 * s)),
        )


def _hat(
    draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB, *, cap: bool = False
) -> None:
    w = 200 * s
    draw.chord(
        (cx - w / 2, floor - 170 * s, cx + w / 2, floor + 20 * s),
        180,
        360,
        fill=c,
        outline=_shade(c, 0.6),
    )
    if cap:
        draw.ellipse((cx, floor - 20 * s, cx + 170 * s, floor + 6 * s), fill=_shade(c, 0.8))
    else:
        draw.rectangle(
            (cx - w / 2, floor - 40 * s, cx + w / 2, floor - 4 * s), fill=_shade(c, 0.85)
        )
        draw.ellipse(
            (cx - 24 * s, floor - 200 * s, cx + 24 * s, floor - 152 * s), fill=_shade(c, 1.15)
        )


def _socks(draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB) -> None:
    for offset in (-50 * s, 50 * s):
        x = cx + offset
        draw.rounded_rectangle(
            (x - 30 * s, floor - 220 * s, x + 30 * s, floor - 40 * s), radius=10 * s, fill=c
        )
        draw.rounded_rectangle(
            (x - 30 * s, floor - 70 * s, x + 70 * s, floor), radius=30 * s, fill=c
        )
        draw.rectangle(
            (x - 30 * s, floor - 220 * s, x + 30 * s, floor - 190 * s), fill=_shade(c, 0.8)
        )


def _home(draw: ImageDraw.ImageDraw, cx: int, floor: int, s: float, c: RGB, *, kind: str) -> None:
    if kind == "Mug":
        draw.rounded_rectangle(
            (cx - 70 * s, floor - 170 * s, cx + 70 * s, floor),
            radius=14 * s,
            fill=c,
            outline=_shade(c, 0.6),
        )
        draw.arc(
            (cx + 40 * s, floor - 140 * s, cx + 120 * s, floor - 50 * s),
            270,
            90,
            fill=c,
            width=max(4, int(16 * s)),
        )
        draw.ellipse(
            (cx - 70 * s, floor - 182 * s, cx + 70 * s, floor - 158 * s), fill=_shade(c, 0.5)
        )
    elif kind == "Candle":
        draw.rounded_rectangle(
            (cx - 60 * s, floor - 150 * s, cx + 60 * s, floor), radius=10 * s, fill=(235, 230, 220)
        )
        draw.rectangle((cx - 60 * s, floor - 110 * s, cx + 60 * s, floor - 50 * s), fill=c)
        draw.ellipse(
            (cx - 10 * s, floor - 200 * s, cx + 10 * s, floor - 160 * s), fill=(255, 200, 80)
        )
    else:  # a folded throw
        for i in range(3):
            y = floor - (i + 1) * 50 * s
            draw.rounded_rectangle(
                (cx - 150 * s, y, cx + 150 * s, y + 48 * s),
                radius=18 * s,
                fill=_shade(c, 1.0 - 0.08 * i),
            )
            for x in np.arange(cx - 140 * s, cx + 140 * s, 24 * s):
                draw.line([(x, y + 6 * s), (x, y + 42 * s)], fill=_shade(c, 0.8))


SHAPES: dict[str, Shape] = {
    "T-Shirt": lambda d, x, f, s, c: _top(d, x, f, s, c),
    "Long Sleeve": lambda d, x, f, s, c: _top(d, x, f, s, c, long=True),
    "Hoodie": lambda d, x, f, s, c: _top(d, x, f, s, c, long=True, hood=True),
    "Sweater": lambda d, x, f, s, c: _top(d, x, f, s, c, long=True),
    "Overshirt": lambda d, x, f, s, c: _top(d, x, f, s, c, long=True, zip_=True),
    "Jacket": lambda d, x, f, s, c: _top(d, x, f, s * 1.08, c, long=True, zip_=True),
    "Parka": lambda d, x, f, s, c: _top(d, x, f, s * 1.15, c, long=True, hood=True, zip_=True),
    "Vest": lambda d, x, f, s, c: _top(d, x, f, s, c, zip_=True),
    "Jeans": lambda d, x, f, s, c: _trousers(d, x, f, s, c),
    "Chinos": lambda d, x, f, s, c: _trousers(d, x, f, s, c),
    "Joggers": lambda d, x, f, s, c: _trousers(d, x, f, s, c, length=0.92),
    "Shorts": lambda d, x, f, s, c: _trousers(d, x, f, s, c, length=0.5),
    "Beanie": lambda d, x, f, s, c: _hat(d, x, f, s, c),
    "Cap": lambda d, x, f, s, c: _hat(d, x, f, s, c, cap=True),
    "Tote Bag": lambda d, x, f, s, c: _bag(d, x, f, s, c),
    "Backpack": lambda d, x, f, s, c: _bag(d, x, f, s, c, backpack=True),
    "Socks": _socks,
    "Sneakers": lambda d, x, f, s, c: _shoe(d, x, f, s, c),
    "Boots": lambda d, x, f, s, c: _shoe(d, x, f, s, c, boot=True),
    "Candle": lambda d, x, f, s, c: _home(d, x, f, s, c, kind="Candle"),
    "Mug": lambda d, x, f, s, c: _home(d, x, f, s, c, kind="Mug"),
    "Throw Blanket": lambda d, x, f, s, c: _home(d, x, f, s, c, kind="Throw Blanket"),
}


def colourway_of(title: str, sku: str) -> RGB:
    """The product's colourway from its English title ("… — Navy"), else one picked by SKU."""
    named = title.rsplit("—", 1)[-1].strip()
    if named in COLOURWAYS:
        return COLOURWAYS[named]
    palette = list(COLOURWAYS.values())
    return palette[sum(sku.encode()) % len(palette)]


def scene_photo(rng: np.random.Generator, product_type: str, colour: RGB, place: int) -> bytes:
    """A 480 x 600 JPEG of the product in the place (an index into PLACES)."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    floor = SCENES[PLACES[place % len(PLACES)]](draw, rng)
    scale = float(rng.uniform(0.8, 1.1))
    cx = int(WIDTH / 2 + rng.integers(-50, 51))
    shadow = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(shadow).ellipse(
        (cx - 150 * scale, floor - 14, cx + 150 * scale, floor + 18), fill=120
    )
    image.paste((0, 0, 0), mask=shadow.filter(ImageFilter.GaussianBlur(12)))
    shape = SHAPES.get(product_type) or SHAPES["T-Shirt"]
    shape(draw, cx, floor, scale, colour)
    # Light from above: the upper half a touch brighter, then a little grain.
    pixels = np.asarray(image, dtype=np.float32)
    light = np.linspace(1.06, 0.94, HEIGHT, dtype=np.float32)[:, None, None]
    grain = rng.normal(0.0, 4.0, size=pixels.shape).astype(np.float32)
    finished = np.clip(pixels * light + grain, 0, 255).astype(np.uint8)
    photo = Image.fromarray(finished, "RGB")
    if rng.random() < 0.5:  # framed from the other side
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=86)
    return buffer.getvalue()
