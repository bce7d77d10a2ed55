"""The one check for every URL Mercato renders as a link, an image or a media source.

Product, permalink, terms and benchmark URLs arrive from imports, platforms and people; a
`javascript:` or `data:` URL served as a link runs script on whichever page shows it (the
shop's page for an embedded gallery, Mercato's own origin for `/g/<id>.html` and
`/shop/<handle>`). Intake refuses such a URL with the field it came in; rendering drops it,
so a row stored before the intake check existed cannot script a page either.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mercato.core.errors import ValidationFailed

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 2000
# Browsers drop tabs and newlines anywhere in a URL and C0 controls at its ends, so
# "java\tscript:" is a javascript: URL to them; no honest URL carries these characters.
_CONTROL = frozenset(chr(code) for code in (*range(0x20), 0x7F))


def safe_link(url: str | None, *, relative: bool = False) -> str | None:
    """`url` (trimmed) when a browser would follow it as http(s), else None.

    `relative=True` also accepts a same-origin path ("/products/x"); never a
    scheme-relative "//host" or "/\\host", which browsers resolve to another origin.
    """
    if url is None:
        return None
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH or any(char in _CONTROL for char in text):
        return None
    if relative and text.startswith("/") and not text.startswith(("//", "/\\")):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 host)
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        return None
    if "\\" in text.split("?", 1)[0].split("#", 1)[0]:
        return None  # "https://shop\\@evil": hosts differ between parsers and browsers
    return text


def checked_link(url: str | None, location: str, *, relative: bool = False) -> str:
    """`url` trimmed ("" for empty), or ValidationFailed naming `location`."""
    if url is None or not url.strip():
        return ""
    link = safe_link(url, relative=relative)
    if link is None:
        allowed = "an http(s) URL or a path starting with /" if relative else "an http(s) URL"
        raise ValidationFailed(f"{_shown(url)} is not {allowed}", location=location)
    return link


def _shown(url: str) -> str:
    return repr(url[:100] + ("…" if len(url) > 100 else ""))
