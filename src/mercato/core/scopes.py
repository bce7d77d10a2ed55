"""API scopes and what each user role is allowed."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    ANALYTICS_READ = "analytics:read"
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    UGC_READ = "ugc:read"
    UGC_WRITE = "ugc:write"
    EVENTS_WRITE = "events:write"
    IMPORTS_WRITE = "imports:write"
    ADMIN = "admin"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ANALYST = "analyst"
    VIEWER = "viewer"


_READ = frozenset({Scope.ANALYTICS_READ, Scope.CATALOG_READ, Scope.UGC_READ})
_ANALYST = _READ | {Scope.UGC_WRITE, Scope.IMPORTS_WRITE}
_ALL = frozenset(Scope)

ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.ANALYST: _ANALYST,
    Role.VIEWER: _READ,
}


def parse_scopes(raw: str | list[str]) -> list[Scope]:
    """Parse 'a,b' or a list into scopes; unknown names raise ValueError naming them."""
    names = raw.split(",") if isinstance(raw, str) else raw
    wanted = [name.strip() for name in names if name.strip()]
    unknown = [name for name in wanted if name not in Scope._value2member_map_]
    if unknown:
        known = ", ".join(s.value for s in Scope)
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {known}")
    return [Scope(name) for name in wanted]
