"""Fetch remote media without becoming a proxy into the brand's own network (SSRF).

Every request goes through `core.outbound`'s guarded transport (resolve, check every
address, connect to the checked address). Redirects are followed by hand, so each hop is
checked again, counted, and its size limited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from mercato.core.errors import MercatoError
from mercato.core.outbound import (
    GuardedTransport,
    OutboundGuard,
    OutboundRefused,
    installed_guard,
)

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_TIMEOUT_S = 10.0


class FetchError(MercatoError):
    """The URL could not be fetched safely; the message says why, for the item's error."""

    code = "media_fetch_failed"


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    content: bytes
    content_type: str


@dataclass
class SafeFetcher:
    """`guard` defaults to the installed one (the `outbound_allow_private` setting)."""

    guard: OutboundGuard = field(default_factory=installed_guard)
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    def fetch(self, url: str) -> FetchedMedia:
        current = url
        with httpx.Client(
            timeout=self.timeout_s,
            follow_redirects=False,
            transport=GuardedTransport(self.guard, self.transport),
        ) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                response_or_next = self._one_hop(client, current)
                if isinstance(response_or_next, FetchedMedia):
                    return response_or_next
                current = response_or_next
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {url}")

    def _one_hop(self, client: httpx.Client, url: str) -> FetchedMedia | str:
        try:
            with client.stream("GET", url, headers={"User-Agent": "Mercato-UGC/1"}) as response:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"redirect without a Location from {url}")
                    return str(urljoin(url, location))
                if response.status_code >= 400:
                    raise FetchError(f"{url} answered HTTP {response.status_code}")
                body = self._read_limited(response.iter_bytes(), url)
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                return FetchedMedia(url, body, content_type)
        except OutboundRefused as exc:
            raise FetchError(exc.message) from None
        except httpx.InvalidURL:
            raise FetchError(f"not a URL: {url[:200]!r}") from None
        except httpx.TimeoutException:
            raise FetchError(f"{url} did not answer within {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url} is unreachable: {exc}") from None

    def _read_limited(self, chunks: Iterable[bytes], url: str) -> bytes:
        body = bytearray()
        for chunk in chunks:
            body.extend(chunk)
            if len(body) > self.max_bytes:
                raise FetchError(f"{url} is larger than the {self.max_bytes // 1_000_000} MB limit")
        return bytes(body)
