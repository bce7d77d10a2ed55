"""API: a workspace's sites — add, list, update, remove — with snippet and install check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mercato.catalog import sites
from mercato.catalog.models import Site
from mercato.catalog.site_activity import InstallCheck, install_check
from mercato.web.auth import Admin, CatalogReader, ServicesDep
from mercato.web.urls import absolute_url

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


class SiteCreate(BaseModel):
    domain: str = Field(min_length=1, max_length=253, examples=["shop.example"])
    identity_mode: str | None = Field(
        default=None, description="cookieless, first_party_id or identified"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="Origins besides https://DOMAIN", max_length=50
    )
    page_type_patterns: dict[str, Any] = Field(default_factory=dict)


class SiteUpdate(BaseModel):
    domain: str | None = Field(default=None, max_length=253)
    identity_mode: str | None = None
    add_origins: list[str] = Field(default_factory=list, max_length=50)
    remove_origins: list[str] = Field(default_factory=list, max_length=50)
    page_type_patterns: dict[str, Any] | None = None
    respect_do_not_track: bool | None = None


class OriginSeenPublic(BaseModel):
    origin: str
    count: int
    last_at: datetime


class InstallCheckPublic(BaseModel):
    state: str = Field(description="ok, refused or waiting")
    message: str
    accepted: list[OriginSeenPublic]
    refused: list[OriginSeenPublic]


class SitePublic(BaseModel):
    id: str
    domain: str
    public_key: str
    identity_mode: str
    respect_do_not_track: bool
    allowed_origins: list[str]
    page_type_patterns: dict[str, Any]
    snippet: str
    install: InstallCheckPublic


def _check(check: InstallCheck) -> InstallCheckPublic:
    def seen(rows: Any) -> list[OriginSeenPublic]:
        return [OriginSeenPublic(origin=r.origin, count=r.count, last_at=r.last_at) for r in rows]

    return InstallCheckPublic(
        state=check.state,
        message=check.message,
        accepted=seen(check.accepted),
        refused=seen(check.refused),
    )


def site_public(request: Request, session: Any, site: Site) -> SitePublic:
    return SitePublic(
        id=site.id,
        domain=site.domain,
        public_key=site.public_key,
        identity_mode=site.identity_mode,
        respect_do_not_track=site.respect_do_not_track,
        allowed_origins=list(site.allowed_origins or []),
        page_type_patterns=dict(site.page_type_patterns or {}),
        snippet=sites.tracker_snippet(site, absolute_url(request, "/tracker.js")),
        install=_check(install_check(session, site)),
    )


def forget_cached(request: Request, site: Site) -> None:
    """The collector caches sites briefly; a changed site applies to the next event."""
    request.app.state.collect_sites.pop(site.public_key, None)


@router.get("", operation_id="list_sites")
def list_sites(
    request: Request, services: ServicesDep, principal: CatalogReader
) -> list[SitePublic]:
    with services.catalog.session() as session:
        found = sites.list_sites(session, principal.workspace_id)
        return [site_public(request, session, site) for site in found]


@router.post("", operation_id="create_site", status_code=201)
def create_site(
    request: Request, body: SiteCreate, services: ServicesDep, principal: Admin
) -> SitePublic:
    with services.catalog.session() as session:
        site = sites.add_site(
            session,
            principal.workspace,
            domain=body.domain,
            identity_mode=body.identity_mode or services.settings.identity_mode,
            origins=body.allowed_origins,
            patterns=body.page_type_patterns,
        )
        return site_public(request, session, site)


@router.get("/{site_id}", operation_id="get_site")
def get_site(
    request: Request, site_id: str, services: ServicesDep, principal: CatalogReader
) -> SitePublic:
    with services.catalog.session() as session:
        site = sites.get_site(session, principal.workspace_id, site_id)
        return site_public(request, session, site)


@router.patch("/{site_id}", operation_id="update_site")
def update_site(
    request: Request, site_id: str, body: SiteUpdate, services: ServicesDep, principal: Admin
) -> SitePublic:
    with services.catalog.session() as session:
        site = sites.get_site(session, principal.workspace_id, site_id)
        change = sites.SiteChange(
            domain=body.domain,
            identity_mode=body.identity_mode,
            add_origins=body.add_origins,
            remove_origins=body.remove_origins,
            patterns=body.page_type_patterns,
            respect_do_not_track=body.respect_do_not_track,
        )
        sites.update_site(session, site, change)
        forget_cached(request, site)
        return site_public(request, session, site)


@router.delete("/{site_id}", operation_id="delete_site", status_code=204)
def delete_site(request: Request, site_id: str, services: ServicesDep, principal: Admin) -> None:
    with services.catalog.session() as session:
        site = sites.get_site(session, principal.workspace_id, site_id)
        forget_cached(request, site)
        sites.remove_site(session, site)
