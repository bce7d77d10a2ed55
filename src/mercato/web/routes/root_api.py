"""The JSON API root and the caller's identity."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from mercato import __version__
from mercato.web.auth import AnalyticsReader

router = APIRouter(prefix="/api/v1")


class ApiRootPublic(BaseModel):
    name: str
    version: str
    openapi: str
    docs: str


class MePublic(BaseModel):
    workspace: str
    workspace_name: str
    user: str | None
    role: str | None
    token_id: str | None
    scopes: list[str]


@router.get("", operation_id="api_root", tags=["public"])
async def api_root() -> ApiRootPublic:
    return ApiRootPublic(
        name="Mercato",
        version=__version__,
        openapi="/api/v1/openapi.json",
        docs="/api/v1/docs",
    )


@router.get("/me", operation_id="whoami", tags=["account"])
def whoami(principal: AnalyticsReader) -> MePublic:
    return MePublic(
        workspace=principal.workspace.slug,
        workspace_name=principal.workspace.name,
        user=principal.user_email,
        role=principal.role.value if principal.role else None,
        token_id=principal.token_id,
        scopes=sorted(scope.value for scope in principal.scopes),
    )
