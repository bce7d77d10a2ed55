"""The site a `data-domain` hit is for: the site with that domain whose allowed origins hold
the request's Origin. A domain is public, so without an allowed Origin nothing resolves."""

from __future__ import annotations

import time

from fastapi import Request

from mercato.catalog import sites
from mercato.catalog.models import Site, Workspace
from mercato.collect.enrich import SiteConfig
from mercato.core.errors import PermissionDenied, ValidationFailed

DOMAIN_CACHE_S = 30.0


def site_config_of(site: Site, workspace: Workspace | None) -> SiteConfig:
    return SiteConfig(
        site_id=site.id,
        workspace_id=site.workspace_id,
        domain=site.domain,
        identity_mode=site.identity_mode,
        respect_do_not_track=site.respect_do_not_track,
        page_type_patterns=dict(site.page_type_patterns or {}),
        allowed_origins=tuple(site.allowed_origins or ()),
        currency=workspace.currency if workspace else "USD",
    )


def sites_with_domain(request: Request, domain: str) -> tuple[SiteConfig, ...]:
    """Every site (any workspace) on `domain`, cached briefly like the key lookup."""
    state = request.app.state
    cache: dict[str, tuple[float, tuple[SiteConfig, ...]]] | None = getattr(
        state, "collect_domains", None
    )
    if cache is None:
        cache = state.collect_domains = {}
    now = time.monotonic()
    cached = cache.get(domain)
    if cached is not None and cached[0] > now:
        return cached[1]
    with state.services.catalog.session() as session:
        rows = sites.sites_on_domain(session, domain)
        configs = tuple(site_config_of(s, session.get(Workspace, s.workspace_id)) for s in rows)
    if len(cache) > 10_000:
        cache.clear()
    cache[domain] = (now + DOMAIN_CACHE_S, configs)
    return configs


def site_for_domain(
    candidates: tuple[SiteConfig, ...], domain: str, origin: str | None
) -> SiteConfig:
    """The one candidate that allows `origin`; 422 for an unknown domain, 403 otherwise."""
    if not candidates:
        raise ValidationFailed(f"no site has the domain {domain!r}", location="domain")
    if not origin:
        raise PermissionDenied(f"a hit for domain {domain} needs an Origin header (or a site key)")
    allowing = [site for site in candidates if origin in site.allowed_origins]
    if not allowing:
        raise PermissionDenied(f"origin {origin} is not allowed for this site")
    if len(allowing) > 1:
        raise ValidationFailed(
            f"several sites have the domain {domain!r}; use the site key (data-key)",
            location="domain",
        )
    return allowing[0]
