"""The one URL check: http(s) (or a same-origin path where asked), nothing a browser runs."""

from __future__ import annotations

import pytest

from mercato.core.errors import ValidationFailed
from mercato.core.urls import checked_link, safe_link

HOSTILE = [
    "javascript:alert(document.domain)//",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "/\\evil.example/x",
    "https:evil.example",
    "http://[::1",
    "https://shop.example\\@evil.example/",
    "x" * 10 + "https://shop.example",
    "https://" + "a" * 2000 + ".example",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_never_links(url: str) -> None:
    assert safe_link(url) is None
    assert safe_link(url, relative=True) is None
    with pytest.raises(ValidationFailed) as refused:
        checked_link(url, "products.csv:3:url")
    assert refused.value.location == "products.csv:3:url"
    assert "is not an http(s) URL" in refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/products/dr-1?color=red#size",
        "http://127.0.0.1:8000/p",
        "HTTPS://Shop.Example/A",
        "https://[2001:db8::1]:8443/p",
        "https://shop.example/search?q=a%20b&x=<y>",
    ],
)
def test_http_and_https_urls_pass_trimmed(url: str) -> None:
    assert safe_link(f"  {url} ") == url
    assert checked_link(url, "url") == url


def test_relative_paths_only_where_asked() -> None:
    assert safe_link("/products/dr-1") is None
    assert safe_link("/products/dr-1", relative=True) == "/products/dr-1"
    assert safe_link("products/dr-1", relative=True) is None  # ambiguous, not a path


def test_empty_is_no_url_not_an_error() -> None:
    assert safe_link(None) is None
    assert safe_link("   ") is None
    assert checked_link(None, "url") == ""
    assert checked_link("  ", "url") == ""
