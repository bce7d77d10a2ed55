"""Page type from a site's configurable URL patterns (shell-style globs on the path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

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


def page_type(path: str, patterns: Mapping[str, Sequence[str]] | None = None) -> str:
    """The first page type (in PAGE_TYPES order) whose patterns match `path`."""
    normalised = path.lower().rstrip("/") or "/"
    for kind in PAGE_TYPES:
        globs = (patterns or {}).get(kind) or DEFAULT_PATTERNS[kind]
        if isinstance(globs, str):
            globs = (globs,)
        if any(fnmatchcase(normalised, glob.lower()) for glob in globs):
            return kind
    return OTHER
