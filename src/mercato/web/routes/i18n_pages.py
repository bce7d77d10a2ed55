"""The language picker in the top bar: a logged-in user's own choice, kept in the catalog."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from mercato.i18n import service
from mercato.web.auth import AnalyticsPage, Forbidden, ServicesDep

router = APIRouter(include_in_schema=False)


def _same_site(target: str) -> str:
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.post("/language", operation_id="choose_language")
def choose_language(
    services: ServicesDep,
    principal: AnalyticsPage,
    language: Annotated[str, Form(max_length=35)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if principal.user_id is None:
        raise Forbidden("a language belongs to a logged-in user, not a token")
    with services.catalog.session() as session:
        service.set_user_language(session, principal.user_id, language)
    return RedirectResponse(_same_site(next), status_code=303)
