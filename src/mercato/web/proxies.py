"""The client's address behind reverse proxies the install trusts (`trusted_proxies`).

Only a connection from a trusted proxy may say who the client is: its `Forwarded` (RFC 7239)
or `X-Forwarded-For` header is read right to left, skipping the trusted hops, and the first
untrusted hop is the client. Everyone else's headers are ignored, so a visitor cannot choose
the address their cookieless identity is hashed from.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    """An address from a header hop: quoted, bracketed IPv6, an IPv4 with a port, or junk."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None  # "unknown", an obfuscated id ("_proxy1"), or garbage


def forwarded_hops(headers: dict[bytes, bytes]) -> tuple[list[str], str | None]:
    """The hop addresses (client first) and the scheme the proxies report."""
    forwarded = headers.get(b"forwarded")
    if forwarded is not None:
        hops: list[str] = []
        proto = None
        for element in forwarded.decode("latin-1").split(","):
            for pair in element.split(";"):
                key, _, value = pair.partition("=")
                if key.strip().lower() == "for":
                    hops.append(value)
                elif key.strip().lower() == "proto":
                    proto = value.strip().strip('"').lower()
        return hops, proto
    chain = headers.get(b"x-forwarded-for", b"").decode("latin-1")
    proto_header = headers.get(b"x-forwarded-proto", b"").decode("latin-1")
    proto = proto_header.split(",")[-1].strip().lower() or None
    return [hop for hop in chain.split(",") if hop.strip()], proto


class TrustedProxies:
    """ASGI middleware that sets the scope's client (and scheme) from a trusted proxy."""

    def __init__(self, app: ASGIApp, networks: Sequence[str]) -> None:
        self.app = app
        self.networks: list[Network] = [ipaddress.ip_network(n, strict=False) for n in networks]

    def trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client_of(self, peer: str, hops: list[str]) -> str:
        """The rightmost hop that is not a trusted proxy (the leftmost if all are)."""
        client = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return client  # a hop no one can vouch for: stop at the last proxy we know
            client = str(address)
            if not self.trusted(address):
                return client
        return client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client"):
            peer, port = scope["client"]
            if self.trusted(_address(peer)):
                headers = dict(scope["headers"])
                hops, proto = forwarded_hops(headers)
                if hops:
                    scope = {**scope, "client": (self.client_of(peer, hops), port)}
                if proto in ("http", "https"):
                    ws = scope["type"] == "websocket"
                    scheme = {"http": "ws", "https": "wss"}[proto] if ws else proto
                    scope = {**scope, "scheme": scheme}
        await self.app(scope, receive, send)
