"""Public UGC surfaces: the per-workspace upload form and publishable media delivery.

Media delivery goes through `ugc.publishable`: an item that is not approved with valid rights
answers 404, exactly like a media id that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from mercato.catalog.models import UgcMedia, Workspace
from mercato.core.errors import MercatoError, NotFoundError, ValidationFailed
from mercato.core.security import constant_time_equal
from mercato.ugc.items import ugc_settings
from mercato.ugc.media import MAX_BYTES
from mercato.ugc.publishable import publishable_item
from mercato.ugc.service import intake_context, upload
from mercato.web.auth import CSRF_FIELD, SESSION_CSRF, Forbidden, ServicesDep
from mercato.web.routes.ugc_pages import MEDIA_HEADERS
from mercato.web.templating import render

router = APIRouter(tags=["public"], include_in_schema=False)
MAX_FILES = 10
ACCEPT = "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm"


def _workspace(services: ServicesDep, slug: str) -> Workspace:
    with services.catalog.session() as session:
        found = session.scalar(select(Workspace).where(Workspace.slug == slug))
        if found is None:
            raise NotFoundError(f"no workspace {slug!r}")
        return found


def _form_page(
    request: Request, services: ServicesDep, workspace: Workspace, **extra: object
) -> HTMLResponse:
    with services.catalog.session() as session:
        settings = ugc_settings(session, workspace.id)
        terms_url, terms_version = settings.terms_url, settings.terms_version
    status = int(str(extra.pop("status_code", 200)))
    return render(
        request,
        "ugc_upload.html",
        None,
        status_code=status,
        workspace=workspace,
        terms_url=terms_url,
        terms_version=terms_version,
        accept=ACCEPT,
        max_mb=MAX_BYTES // 1_000_000,
        **extra,
    )


@router.get("/u/{slug}", operation_id="ugc_upload_form")
def ugc_upload_form(request: Request, slug: str, services: ServicesDep) -> HTMLResponse:
    return _form_page(request, services, _workspace(services, slug))


async def _files(request: Request) -> tuple[dict[str, str], list[bytes]]:
    form = await request.form(max_files=MAX_FILES, max_fields=20)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    files = []
    for value in form.getlist("file"):
        if isinstance(value, UploadFile) and value.filename:
            body = await value.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise ValidationFailed(
                    f"{value.filename} is larger than {MAX_BYTES // 1_000_000} MB", location="file"
                )
            files.append(body)
    return fields, files


@router.post("/u/{slug}", operation_id="ugc_upload_submit")
async def ugc_upload_submit(request: Request, slug: str, services: ServicesDep) -> HTMLResponse:
    workspace = _workspace(services, slug)
    try:
        fields, files = await _files(request)
        expected = request.session.get(SESSION_CSRF)
        sent = fields.get(CSRF_FIELD, "")
        if not isinstance(expected, str) or not constant_time_equal(expected, sent):
            raise Forbidden("missing or invalid CSRF token")
        with services.catalog.session() as session:
            item = upload(
                session,
                intake_context(services.settings, workspace.id),
                workspace,
                files=files,
                caption=fields.get("caption", ""),
                email=fields.get("email", ""),
                handle=fields.get("handle", ""),
                consent=fields.get("consent") == "yes",
            )
            if item.media_error:  # rolls the submission back: nothing half-stored
                raise ValidationFailed(
                    f"we could not use your file: {item.media_error}", location="file"
                )
    except MercatoError as exc:
        return _form_page(request, services, workspace, error=exc.message, status_code=422)
    return _form_page(request, services, workspace, thanks=True)


@router.get("/m/{media_id}", operation_id="ugc_public_media")
def ugc_public_media(media_id: str, services: ServicesDep, thumb: bool = False) -> Response:
    with services.catalog.session() as session:
        media = session.get(UgcMedia, media_id)
        item = publishable_item(session, media.item_id) if media else None
    if media is None or item is None:
        raise NotFoundError("no such media")
    name = media.thumb_path if thumb and media.thumb_path else media.path
    if not name:
        raise NotFoundError("no such media")
    return FileResponse(services.settings.media_dir / name, headers=MEDIA_HEADERS)
