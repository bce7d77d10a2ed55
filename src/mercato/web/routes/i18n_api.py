"""Language settings over the API: the caller's own language and the workspace default."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mercato.i18n import service
from mercato.i18n.schemas import LanguagesPublic, LanguageUpdate
from mercato.web.auth import Admin, AnalyticsReader, Forbidden, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["i18n"])


def _answer(
    request: Request, services: ServicesDep, user_id: str | None, ws: str
) -> LanguagesPublic:
    with services.catalog.session() as session:
        return service.languages(session, user_id, ws, request.headers.get("accept-language"))


@router.get("/me/language", operation_id="get_my_language")
def get_my_language(
    request: Request, services: ServicesDep, principal: AnalyticsReader
) -> LanguagesPublic:
    return _answer(request, services, principal.user_id, principal.workspace_id)


@router.put("/me/language", operation_id="set_my_language")
def set_my_language(
    request: Request, services: ServicesDep, principal: AnalyticsReader, body: LanguageUpdate
) -> LanguagesPublic:
    if principal.user_id is None:
        raise Forbidden("a language belongs to a logged-in user, not a token")
    with services.catalog.session() as session:
        service.set_user_language(session, principal.user_id, body.language)
    return _answer(request, services, principal.user_id, principal.workspace_id)


@router.put("/workspace/language", operation_id="set_workspace_language")
def set_workspace_language(
    request: Request, services: ServicesDep, principal: Admin, body: LanguageUpdate
) -> LanguagesPublic:
    with services.catalog.session() as session:
        service.set_workspace_language(session, principal.workspace_id, body.language)
    return _answer(request, services, principal.user_id, principal.workspace_id)
