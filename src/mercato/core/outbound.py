"""The one guard every server-side HTTP request goes through (SSRF).

Mercato fetches URLs that users or platforms chose: UGC media, a social account's
`api_base_url`, the media a webhook points at. Without a guard any of them is a proxy into the
brand's own network (cloud metadata at 169.254.169.254, an admin panel on 10.x, the database on
loopback). So before each connection, including each redirect hop, the host is resolved, every
address is checked, and the connection goes to the checked address (the name is only sent as
Host and TLS SNI), so DNS cannot answer differently between check and use.

Only globally routable unicast addresses pass. `outbound_allow_private` (a setting) exempts
listed addresses, networks or host names: a local test platform on loopback, a shop's staging
server on the LAN. The installed policy follows the settings the stores were opened with.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from mercato.core.errors import MercatoError

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundRefused(MercatoError):
    """A server-side request was not sent: the target is not public (or not http)."""

    code = "outbound_refused"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"cannot resolve host {host!r}: {exc}") from None
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


def _network(entry: str) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip().strip("[]"), strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class OutboundGuard:
    """Decides where a request may go. `allowed` lists exempt IPs, CIDR networks or host
    names (exact, case-insensitive); everything else must resolve only to public addresses."""

    allowed: tuple[str, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @property
    def allowed_networks(self) -> tuple[IpNetwork, ...]:
        return tuple(n for n in map(_network, self.allowed) if n is not None)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in self.allowed if _network(e) is None)

    def checked_address(self, host: str, port: int) -> str:
        """The first resolved address of `host`, if every resolved address may be reached."""
        bare = host.strip("[]")
        try:
            candidates = [str(ipaddress.ip_address(bare))]
        except ValueError:
            candidates = self.resolver(bare, port)
        if not candidates:
            raise OutboundRefused(f"host {host!r} has no address")
        host_allowed = bare.lower().rstrip(".") in self.allowed_hosts
        networks = self.allowed_networks
        for raw in candidates:
            address = ipaddress.ip_address(raw.split("%")[0])
            exempt = host_allowed or any(address in network for network in networks)
            if not exempt and not is_public_address(address):
                raise OutboundRefused(
                    f"refused {host!r}: it resolves to {address}, a private, loopback, "
                    "link-local, multicast or reserved address (allow it explicitly with the "
                    "outbound_allow_private setting)"
                )
        return candidates[0]

    def pinned(self, url: httpx.URL) -> tuple[httpx.URL, dict[str, str]]:
        """`url` aimed at its checked address, and the request extensions (TLS SNI)."""
        if url.scheme not in DEFAULT_PORTS or not url.host:
            raise OutboundRefused(f"only http(s) URLs can be fetched, not {str(url)[:200]!r}")
        port = url.port or DEFAULT_PORTS[url.scheme]
        address = self.checked_address(url.host, port)
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        return url.copy_with(host=address, port=port), extensions


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks and pins every request it sends, so redirects that
    httpx follows are checked like the first request."""

    def __init__(self, guard: OutboundGuard, inner: httpx.BaseTransport | None = None) -> None:
        self.guard = guard
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The Host header was fixed from the original URL when the request was built.
        request.url, extensions = self.guard.pinned(request.url)
        request.extensions = {**request.extensions, **extensions}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def guarded_client(guard: OutboundGuard | None = None, **options: object) -> httpx.Client:
    """An httpx client whose every request (and redirect) passes `guard`."""
    transport = GuardedTransport(guard or installed_guard())
    return httpx.Client(transport=transport, **options)  # type: ignore[arg-type]


_installed = OutboundGuard()


def install(allowed: Iterable[str]) -> OutboundGuard:
    """Make `allowed` the process's exemptions; done when the stores are opened from settings,
    so the server, the CLI and the background syncs all follow the same setting."""
    global _installed
    _installed = OutboundGuard(allowed=tuple(allowed))
    return _installed


def installed_guard() -> OutboundGuard:
    return _installed
