"""Page type from a site's configurable URL patterns (shell-style globs on the path)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fnmatch import translate
from functools import lru_cache

PAGE_TYPES = ("checkout", "cart", "product", "collection", "home")
OTHER = "other"

# Shopify, WooCommerce and most storefronts use these shapes; sites override per type.
DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "checkout": ("/checkout", "/checkout/*", "/checkouts/*", "*/checkouts/*"),
    "cart": ("/cart", "/cart/*", "/basket", "/basket/*"),
    "product": ("/products/*", "/product/*", "/p/*", "*/products/*"),
    "collection": ("/collections/*", "/collection/*", "/category/*", "/c/*", "/shop", "/shop/*"),
    "home": ("/", "/index.html", ""),
}


class PageTypes:
    """A site's patterns compiled once; answers are cached (shops have few distinct paths)."""

    def __init__(self, patterns: Mapping[str, Sequence[str] | str] | None = None) -> None:
        compiled = []
        for kind in PAGE_TYPES:
            globs = (patterns or {}).get(kind) or DEFAULT_PATTERNS[kind]
            if isinstance(globs, str):
                globs = (globs,)
            compiled.append((kind, re.compile("|".join(translate(g.lower()) for g in globs))))
        self._compiled = tuple(compiled)
        self.classify = lru_cache(maxsize=4096)(self._classify)

    def _classify(self, path: str) -> str:
        normalised = path.lower().rstrip("/") or "/"
        for kind, pattern in self._compiled:
            if pattern.match(normalised):
                return kind
        return OTHER


DEFAULT_PAGE_TYPES = PageTypes()


def page_type(path: str, patterns: Mapping[str, Sequence[str] | str] | None = None) -> str:
    """The first page type (in PAGE_TYPES order) whose patterns match `path`."""
    return (PageTypes(patterns) if patterns else DEFAULT_PAGE_TYPES).classify(path)
