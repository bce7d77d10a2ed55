"""API: the hashtags and mentions a workspace watches for UGC."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mercato.connectors import discovery
from mercato.web.auth import Admin, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["connectors"])


class Watch(BaseModel):
    kind: discovery.WatchKind
    value: str = Field(min_length=1, max_length=101)


@router.get("/discovery/watches", operation_id="list_discovery_watches")
def list_discovery_watches(services: ServicesDep, principal: Admin) -> list[Watch]:
    with services.catalog.session() as session:
        return [
            Watch(kind=discovery.WatchKind(w.kind), value=w.value)
            for w in discovery.list_watches(session, principal.workspace_id)
        ]


@router.post("/discovery/watches", operation_id="add_discovery_watch", status_code=201)
def add_discovery_watch(body: Watch, services: ServicesDep, principal: Admin) -> Watch:
    with services.catalog.session() as session:
        watch = discovery.add_watch(session, principal.workspace_id, body.kind, body.value)
        return Watch(kind=discovery.WatchKind(watch.kind), value=watch.value)


@router.delete(
    "/discovery/watches/{kind}/{value}", operation_id="remove_discovery_watch", status_code=204
)
def remove_discovery_watch(
    kind: str, value: str, services: ServicesDep, principal: Admin
) -> Response:
    with services.catalog.session() as session:
        discovery.remove_watch(session, principal.workspace_id, kind, value)
    return Response(status_code=204)
