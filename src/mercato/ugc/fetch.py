"""Fetch remote media without becoming a proxy into the brand's own network (SSRF).

The host is resolved here, every address is checked, and the connection goes to the checked
address (the name is only sent as Host and TLS SNI), so DNS cannot answer differently between
check and use. Redirects are followed by hand and each hop is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from mercato.core.errors import MercatoError

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_TIMEOUT_S = 10.0


class FetchError(MercatoError):
    """The URL could not be fetched safely; the message says why, for the item's error."""

    code = "media_fetch_failed"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


def is_public_address(address: IpAddress) -> bool:
    """Only globally routable unicast addresses may be fetched."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    content: bytes
    content_type: str


@dataclass
class SafeFetcher:
    """`allowed_networks` exempts networks from the guard; only tests set it (loopback)."""

    resolver: Resolver = system_resolver
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    def checked_address(self, host: str, port: int) -> str:
        """The first resolved address of `host`, if every resolved address may be fetched."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
            candidates = [str(literal)]
        except ValueError:
            candidates = self.resolver(host, port)
        if not candidates:
            raise FetchError(f"host {host!r} has no address")
        for raw in candidates:
            address = ipaddress.ip_address(raw.split("%")[0])
            allowed = any(address in network for network in self.allowed_networks)
            if not allowed and not is_public_address(address):
                raise FetchError(
                    f"refused {host!r}: it resolves to {address}, a private, loopback, "
                    "link-local, multicast or reserved address"
                )
        return candidates[0]

    def fetch(self, url: str) -> FetchedMedia:
        current = url
        with httpx.Client(
            timeout=self.timeout_s, follow_redirects=False, transport=self.transport
        ) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                response_or_next = self._one_hop(client, current)
                if isinstance(response_or_next, FetchedMedia):
                    return response_or_next
                current = response_or_next
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {url}")

    def _one_hop(self, client: httpx.Client, url: str) -> FetchedMedia | str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"only http(s) URLs can be fetched, not {url[:200]!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self.checked_address(parts.hostname, port)
        host_part = f"[{address}]" if ":" in address else address
        pinned = urlunsplit(
            (parts.scheme, f"{host_part}:{port}", parts.path or "/", parts.query, "")
        )
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "Mercato-UGC/1"}
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        try:
            with client.stream("GET", pinned, headers=headers, extensions=extensions) as response:
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
