"""A workspace's sites: domain, tracker key, identity mode, allowed origins, page types."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Site, Workspace
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.settings import IdentityMode

# The collector's identity modes (one vocabulary, core.settings.IdentityMode) and page types
# (collect.pages); the catalog may not import collect, so a test keeps the page types equal.
IDENTITY_MODES = tuple(IdentityMode)
PAGE_TYPE_NAMES = ("checkout", "cart", "product", "collection", "home")
MAX_ORIGINS = 50
MAX_PATTERNS_PER_TYPE = 50
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


def normalise_domain(raw: str) -> str:
    """`Shop.Example`, `https://shop.example/` -> `shop.example`; anything else is refused."""
    text = raw.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.rstrip("/")
    if not _HOST.match(text):
        raise ValidationFailed(
            f"{raw!r} is not a domain name (like shop.example)", location="site.domain"
        )
    return text


def _valid_host(host: str) -> bool:
    if ":" in host:  # an IPv6 literal
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    return bool(_HOST.match(host))


def normalise_origin(raw: str, location: str = "site.allowed_origins") -> str:
    """`HTTPS://Shop.Example:443/` -> `https://shop.example`: what browsers send as Origin."""
    text = raw.strip()
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if (
        scheme not in ("http", "https")
        or not _valid_host(host)
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValidationFailed(
            f"{raw!r} is not an origin (scheme://host[:port], like https://shop.example)",
            location=location,
        )
    default_port = {"http": 80, "https": 443}[scheme]
    shown_host = f"[{host}]" if ":" in host else host
    suffix = f":{port}" if port is not None and port != default_port else ""
    return f"{scheme}://{shown_host}{suffix}"


def _identity_mode(mode: str) -> str:
    if mode not in IDENTITY_MODES:
        raise ValidationFailed(
            f"unknown identity mode {mode!r}; use one of {', '.join(IDENTITY_MODES)}",
            location="site.identity_mode",
        )
    return mode


def page_type_patterns(raw: Mapping[str, Any]) -> dict[str, list[str]]:
    """Validated page-type globs: `{"product": ["/p/*"]}`; unknown types are refused."""
    patterns: dict[str, list[str]] = {}
    for kind, globs in raw.items():
        where = f"site.page_type_patterns.{kind}"
        if kind not in PAGE_TYPE_NAMES:
            raise ValidationFailed(
                f"unknown page type; use {', '.join(PAGE_TYPE_NAMES)}", location=where
            )
        values = [globs] if isinstance(globs, str) else globs
        if not isinstance(values, list) or not all(isinstance(g, str) for g in values):
            raise ValidationFailed("give a list of path globs like /products/*", location=where)
        cleaned = [g.strip() for g in values if g.strip()]
        if len(cleaned) > MAX_PATTERNS_PER_TYPE or any(len(g) > 200 for g in cleaned):
            raise ValidationFailed(
                f"at most {MAX_PATTERNS_PER_TYPE} globs of 200 characters", location=where
            )
        if cleaned:
            patterns[kind] = cleaned
    return patterns


def _with_origins(current: Sequence[str], added: Iterable[str]) -> list[str]:
    origins = list(current)
    for raw in added:
        origin = normalise_origin(raw)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed(f"at most {MAX_ORIGINS} origins", location="site.allowed_origins")
    return origins


def _has_domain(session: Session, workspace_id: str, domain: str) -> bool:
    query = select(Site.id).where(Site.workspace_id == workspace_id, Site.domain == domain)
    return session.scalar(query) is not None


def add_site(
    session: Session,
    workspace: Workspace,
    *,
    domain: str,
    identity_mode: str = IdentityMode.COOKIELESS,
    origins: Sequence[str] = (),
    patterns: Mapping[str, Any] | None = None,
) -> Site:
    """A new site; `https://DOMAIN` is always among its allowed origins."""
    name = normalise_domain(domain)
    if _has_domain(session, workspace.id, name):
        raise ConflictError(f"workspace {workspace.slug!r} already has a site {name}")
    site = Site(
        workspace_id=workspace.id,
        domain=name,
        public_key="pk_" + secrets.token_urlsafe(16),
        identity_mode=_identity_mode(identity_mode),
        page_type_patterns=page_type_patterns(patterns or {}),
        allowed_origins=_with_origins([f"https://{name}"], origins),
    )
    session.add(site)
    session.flush()
    return site


def list_sites(session: Session, workspace_id: str) -> list[Site]:
    query = select(Site).where(Site.workspace_id == workspace_id).order_by(Site.domain, Site.id)
    return list(session.scalars(query))


# The collector finds a site before it knows the workspace: by the public key an event
# carries, or by the domain a server-side source names. These look-ups cross tenants on
# purpose; what they return is bound to the site's own workspace from then on.


def site_by_public_key(session: Session, key: str) -> Site | None:
    return session.scalars(select(Site).where(Site.public_key == key)).one_or_none()


def sites_on_domain(session: Session, domain: str) -> list[Site]:
    return list(session.scalars(select(Site).where(Site.domain == domain).order_by(Site.id)))


def every_allowed_origin(session: Session) -> frozenset[str]:
    """Every origin some site allows (a CORS preflight carries no site key)."""
    listed = session.scalars(select(Site.allowed_origins))
    return frozenset(origin for origins in listed for origin in (origins or ()))


def get_site(session: Session, workspace_id: str, ref: str) -> Site:
    """A site of this workspace by id, domain or public key."""
    wanted = ref.strip().lower()
    for site in list_sites(session, workspace_id):
        if ref in (site.id, site.public_key) or site.domain == wanted:
            return site
    raise NotFoundError(f"no site {ref!r} in this workspace")


@dataclass(frozen=True)
class SiteChange:
    """What an update changes; None and empty lists leave a field alone."""

    domain: str | None = None
    identity_mode: str | None = None
    add_origins: Sequence[str] = ()
    remove_origins: Sequence[str] = ()
    patterns: Mapping[str, Any] | None = None
    respect_do_not_track: bool | None = None


def update_site(session: Session, site: Site, change: SiteChange) -> Site:
    if change.domain is not None:
        name = normalise_domain(change.domain)
        if name != site.domain and _has_domain(session, site.workspace_id, name):
            raise ConflictError(f"this workspace already has a site {name}")
        site.domain = name
    if change.identity_mode is not None:
        site.identity_mode = _identity_mode(change.identity_mode)
    if change.patterns is not None:
        site.page_type_patterns = page_type_patterns(change.patterns)
    if change.respect_do_not_track is not None:
        site.respect_do_not_track = change.respect_do_not_track
    origins = _with_origins(site.allowed_origins or [], change.add_origins)
    for raw in change.remove_origins:
        origin = normalise_origin(raw, "remove_origin")
        if origin not in origins:
            raise NotFoundError(f"{origin} is not an allowed origin of {site.domain}")
        origins.remove(origin)
    site.allowed_origins = origins
    session.flush()
    return site


def remove_site(session: Session, site: Site) -> None:
    session.delete(site)
    session.flush()


def tracker_snippet(site: Site, script_url: str) -> str:
    """The two tags to paste into every page of the shop; `script_url` is tracker.js's URL."""
    attributes = [
        f'src="{escape(script_url)}"',
        f'data-key="{escape(site.public_key)}"',
        f'data-identity="{escape(site.identity_mode)}"',
    ]
    if site.respect_do_not_track:
        attributes.append("data-respect-dnt")
    return (
        "<script>window.mercato=window.mercato||function(){"
        "(mercato.q=mercato.q||[]).push(arguments)};</script>\n"
        f"<script defer {' '.join(attributes)}></script>"
    )
