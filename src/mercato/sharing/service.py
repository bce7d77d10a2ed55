"""The sharing domain's operations, called by both the routes and the CLI."""

from __future__ import annotations

from mercato.catalog.db import Catalog
from mercato.catalog.models import Workspace
from mercato.core.errors import NotFoundError
from mercato.core.secret_box import SecretBox
from mercato.core.timeutil import utcnow
from mercato.sharing import links, mail, reports
from mercato.sharing.reports import ViewRenderer
from mercato.sharing.schemas import (
    DeliveryPublic,
    ScheduleCreate,
    SchedulePublic,
    ShareLinkCreate,
    ShareLinkCreated,
    ShareLinkPublic,
    SmtpSettingsInput,
    SmtpSettingsPublic,
)

SHARE_PATH = "/shared/"
EMBED_PATH = "/embed/"


def create_share_link(
    catalog: Catalog, workspace_id: str, data: ShareLinkCreate, created_by: str, base_url: str
) -> ShareLinkCreated:
    with catalog.session() as session:
        link, token = links.create_link(session, workspace_id, data, created_by)
        shown = links.public(link)
    base = base_url.rstrip("/")
    return ShareLinkCreated(
        **shown.model_dump(),
        token=token,
        url=f"{base}{SHARE_PATH}{token}",
        embed_url=f"{base}{EMBED_PATH}{token}",
    )


def list_share_links(catalog: Catalog, workspace_id: str) -> list[ShareLinkPublic]:
    with catalog.session() as session:
        return [links.public(link) for link in links.list_links(session, workspace_id)]


def revoke_share_link(catalog: Catalog, workspace_id: str, link_id: str) -> ShareLinkPublic:
    with catalog.session() as session:
        return links.public(links.revoke_link(session, workspace_id, link_id))


def open_share_link(catalog: Catalog, token: str) -> tuple[links.LiveLink, Workspace]:
    """The live link and its workspace (detached), or NotFoundError."""
    with catalog.session() as session:
        link = links.resolve(session, token)
        workspace = session.get(Workspace, link.workspace_id)
        if workspace is None:  # pragma: no cover - links cascade with their workspace
            raise NotFoundError("this share link does not exist")
        session.expunge(workspace)
    return link, workspace


def set_smtp(
    catalog: Catalog, workspace_id: str, data: SmtpSettingsInput, box: SecretBox
) -> SmtpSettingsPublic:
    with catalog.session() as session:
        return mail.smtp_public(mail.save_smtp(session, workspace_id, data, box))


def get_smtp(catalog: Catalog, workspace_id: str) -> SmtpSettingsPublic | None:
    with catalog.session() as session:
        row = mail.smtp_row(session, workspace_id)
        return mail.smtp_public(row) if row else None


def add_schedule(catalog: Catalog, workspace_id: str, data: ScheduleCreate) -> SchedulePublic:
    with catalog.session() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        return reports.schedule_public(reports.create_schedule(session, workspace, data))


def list_schedules(catalog: Catalog, workspace_id: str) -> list[SchedulePublic]:
    with catalog.session() as session:
        return [reports.schedule_public(s) for s in reports.list_schedules(session, workspace_id)]


def remove_schedule(catalog: Catalog, workspace_id: str, schedule_id: str) -> None:
    with catalog.session() as session:
        reports.delete_schedule(session, workspace_id, schedule_id)


def send_now(
    catalog: Catalog, workspace_id: str, schedule_id: str, render: ViewRenderer, box: SecretBox
) -> DeliveryPublic:
    """The "send now" preview: sent at once; a failure is retried like any delivery."""
    with catalog.session() as session:
        delivery = reports.queue_preview(session, workspace_id, schedule_id)
        reports.attempt(session, delivery, render, box, utcnow())
        return reports.delivery_public(delivery)


def list_deliveries(catalog: Catalog, workspace_id: str) -> list[DeliveryPublic]:
    with catalog.session() as session:
        return [reports.delivery_public(d) for d in reports.list_deliveries(session, workspace_id)]


def set_aside_count(catalog: Catalog, workspace_id: str) -> int:
    with catalog.session() as session:
        return reports.set_aside_count(session, workspace_id)
