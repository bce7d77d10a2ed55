"""The demo's photos: the product in its colourway in a scene, deterministic, and varied
enough that the library's near-duplicate check (a difference hash) flags almost none."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mercato.demo.pictures import (
    COLOURWAYS,
    HEIGHT,
    SCENES,
    SHAPES,
    WIDTH,
    colourway_of,
    scene_photo,
)
from mercato.demo.products import COLORWAYS, PRODUCT_TYPES
from mercato.ugc.media import DUPLICATE_DISTANCE, dhash, hamming


def _pixels(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (WIDTH, HEIGHT)
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def _share_near(pixels: np.ndarray, colour: tuple[int, int, int]) -> float:
    distance = np.abs(pixels - np.array(colour, dtype=np.int16)).sum(axis=2)
    return float((distance < 45).mean())


def test_every_product_type_and_colourway_of_the_demo_has_a_drawing() -> None:
    assert set(PRODUCT_TYPES) <= set(SHAPES)
    assert set(COLORWAYS) <= set(COLOURWAYS)
    assert colourway_of("Harbor Hoodie — Navy", "HA-HOO-01") == COLOURWAYS["Navy"]
    # A title without a colourway (the Japanese demo's) still gets a stable one from its SKU.
    assert colourway_of("港 パーカー", "HA-HOO-01") == colourway_of("港 パーカー", "HA-HOO-01")


def test_the_same_seed_draws_the_same_photo() -> None:
    first = scene_photo(np.random.default_rng(3), "Sneakers", COLOURWAYS["Rust"], 2)
    again = scene_photo(np.random.default_rng(3), "Sneakers", COLOURWAYS["Rust"], 2)
    assert first == again


def test_the_product_is_drawn_in_its_colourway() -> None:
    """Same scene and framing (same seed), two colourways: each photo holds its own colour far
    more than the other does."""
    for product_type in ("T-Shirt", "Jeans", "Backpack", "Mug"):
        for place in range(len(SCENES)):
            rust = _pixels(
                scene_photo(np.random.default_rng(place), product_type, COLOURWAYS["Rust"], place)
            )
            sky = _pixels(
                scene_photo(np.random.default_rng(place), product_type, COLOURWAYS["Forest"], place)
            )
            assert (
                _share_near(rust, COLOURWAYS["Rust"]) > _share_near(sky, COLOURWAYS["Rust"]) + 0.02
            )
            assert (
                _share_near(sky, COLOURWAYS["Forest"])
                > _share_near(rust, COLOURWAYS["Forest"]) + 0.02
            )


def test_a_library_of_demo_photos_has_no_near_duplicates() -> None:
    rng = np.random.default_rng(11)
    types, colours = list(PRODUCT_TYPES), list(COLOURWAYS.values())
    hashes = []
    for _ in range(80):
        photo = scene_photo(
            rng,
            types[int(rng.integers(len(types)))],
            colours[int(rng.integers(len(colours)))],
            int(rng.integers(len(SCENES))),
        )
        hashes.append(dhash(Image.open(io.BytesIO(photo))))
    close = [
        (i, j)
        for i in range(len(hashes))
        for j in range(i)
        if hamming(hashes[i], hashes[j]) <= DUPLICATE_DISTANCE
    ]
    # 80 photos make 3,160 pairs; a real library has its near-twins too, but few.
    assert len(close) <= 2, close
