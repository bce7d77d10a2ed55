"""Public UGC surfaces: the per-workspace upload form and publishable media delivery.

The form's post is rate-limited per client and read as it streams (`web.upload_form`): the
CSRF token is checked before the first file part, and the body, each file and each field
have limits, so a forged or oversized post is refused before it is taken in.

Media delivery goes through `ugc.publishable`: an item that is not approved with valid rights
answers 404, exactly like a media id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from mercato.catalog import workspaces
from mercato.catalog.db import CatalogSession
from mercato.catalog.models import Creator, Workspace
from mercato.core.errors import MercatoError, NotFoundError, ValidationFailed
from mercato.core.secret_box import SecretBox
from mercato.core.security import constant_time_equal
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.sharing.mail import smtp_row
from mercato.sharing.rewards_mail import Reward, reward_of, send_reward
from mercato.ugc.items import ugc_settings
from mercato.ugc.media import MAX_BYTES
from mercato.ugc.publishable import public_media
from mercato.ugc.service import intake_context, upload
from mercato.web.auth import CSRF_FIELD, SESSION_CSRF, Forbidden, ServicesDep
from mercato.web.public_limits import BodyTooLarge, client_address, limiter
from mercato.web.routes.ugc_pages import MEDIA_HEADERS
from mercato.web.templating import render
from mercato.web.upload_form import FormLimits, read_form

router = APIRouter(tags=["public"], include_in_schema=False)
MAX_FILES = 10
ACCEPT = "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime,video/webm"


def _workspace(services: ServicesDep, slug: str) -> Workspace:
    with services.catalog.session() as session:
        return workspaces.workspace_by_slug(session, slug)


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


# The whole upload is held in memory while it is stored, so the body has its own cap (below
# MAX_FILES full-size files): a few large photos or one video per submission.
UPLOAD_LIMITS = FormLimits(
    max_body_bytes=4 * MAX_BYTES + 256 * 1024, max_file_bytes=MAX_BYTES, max_files=MAX_FILES
)


def _csrf_checker(request: Request) -> Callable[[dict[str, str]], None]:
    def check(fields: dict[str, str]) -> None:
        expected = request.session.get(SESSION_CSRF)
        sent = fields.get(CSRF_FIELD, "")
        if not isinstance(expected, str) or not constant_time_equal(expected, sent):
            raise Forbidden("missing or invalid CSRF token")

    return check


def _refusal(
    request: Request, services: ServicesDep, workspace: Workspace, message: str, status: int
) -> HTMLResponse:
    page = _form_page(request, services, workspace, error=message, status_code=status)
    page.headers["Connection"] = "close"  # the rest of the body is never read
    return page


@router.post("/u/{slug}", operation_id="ugc_upload_submit")
async def ugc_upload_submit(request: Request, slug: str, services: ServicesDep) -> HTMLResponse:
    workspace = _workspace(services, slug)
    per_minute = services.settings.upload_rate_limit_per_minute
    wait = limiter(request, "upload", per_minute).retry_after(client_address(request))
    if wait is not None:
        page = _refusal(
            request, services, workspace, f"Too many uploads; try again in {wait} s.", 429
        )
        page.headers["Retry-After"] = str(wait)
        return page
    if not isinstance(request.session.get(SESSION_CSRF), str):
        raise Forbidden("missing or invalid CSRF token")  # nothing to compare: read nothing
    try:
        form = await read_form(request, UPLOAD_LIMITS, _csrf_checker(request))
    except BodyTooLarge as exc:
        mb = exc.limit // 1_000_000
        return _refusal(request, services, workspace, f"An upload may have at most {mb} MB.", 413)
    except ValidationFailed as exc:
        return _refusal(request, services, workspace, exc.message, 422)
    fields = form.fields
    started = utcnow()
    try:
        with services.catalog.session() as session:
            item = upload(
                session,
                intake_context(services.settings, workspace.id),
                workspace,
                files=[content for _name, content in form.files],
                caption=fields.get("caption", ""),
                email=fields.get("email", ""),
                handle=fields.get("handle", ""),
                consent=fields.get("consent") == "yes",
            )
            if item.media_error:  # rolls the submission back: nothing half-stored
                raise ValidationFailed(
                    f"we could not use your file: {item.media_error}", location="file"
                )
            reward = _fresh_reward(session, item.creator_id, started)
    except MercatoError as exc:
        return _form_page(request, services, workspace, error=exc.message, status_code=422)
    mailed = reward is not None and _can_mail(services, workspace, reward)
    page = _form_page(
        request, services, workspace, thanks=True, reward=reward, reward_mailed=mailed
    )
    page.headers["Cache-Control"] = "no-store"  # the code is the creator's own
    if reward is not None and mailed:  # after the answer: a slow mail server never delays it
        page.background = BackgroundTask(_mail_reward, services, workspace, reward)
    return page


def _can_mail(services: Services, workspace: Workspace, reward: Reward) -> bool:
    with services.catalog.session() as session:
        return bool(reward.email) and smtp_row(session, workspace.id) is not None


def _fresh_reward(
    session: CatalogSession, creator_id: str | None, since: datetime
) -> Reward | None:
    """The code this submission issued; an earlier code is e-mailed, never shown, so a
    stranger typing someone's handle learns nothing."""
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None or creator.coupon_issued_at is None or creator.coupon_issued_at < since:
        return None
    return reward_of(creator)


def _mail_reward(services: Services, workspace: Workspace, reward: Reward) -> bool:
    box = SecretBox(services.settings.resolved_secret_key())
    with services.catalog.session() as session:
        return send_reward(session, workspace, reward, box)


@router.get("/m/{media_id}", operation_id="ugc_public_media")
def ugc_public_media(media_id: str, services: ServicesDep, thumb: bool = False) -> Response:
    with services.catalog.session() as session:
        media = public_media(session, media_id)
    if media is None:
        raise NotFoundError("no such media")
    name = media.thumb_path if thumb and media.thumb_path else media.path
    if not name:
        raise NotFoundError("no such media")
    return FileResponse(services.settings.media_dir / name, headers=MEDIA_HEADERS)
