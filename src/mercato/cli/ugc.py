"""`mercato ugc ...`: intake, review import, add by URL, moderation, rights, search."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from mercato.catalog import workspaces
from mercato.catalog.models import UgcStatus
from mercato.catalog.quality import record_refused
from mercato.cli.context import console, fail, opened_services
from mercato.connectors.imports import load_mapping
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services, analytics_warehouse
from mercato.ugc import curation, embedding, intake, rights
from mercato.ugc.embedding import AI_MISSING_NOTICE
from mercato.ugc.intake import IntakeSummary
from mercato.ugc.items import get_item, set_status
from mercato.ugc.review_mapping import ReviewMapping
from mercato.ugc.search import UgcQuery, search
from mercato.ugc.service import (
    add_url,
    import_reviews,
    intake_candidates,
    intake_context,
    pending_candidates,
)

ugc_app = typer.Typer(help="The UGC library.", no_args_is_help=True)
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


def _summary(summary: IntakeSummary) -> None:
    console.print(
        f"added [bold]{summary.added}[/], already in the library {summary.skipped}, "
        f"with media errors {summary.media_errors}"
    )
    if not embedding.ai_available():
        console.print(f"[yellow]{escape(AI_MISSING_NOTICE)}[/]")


@ugc_app.command("intake")
def ugc_intake(workspace: Workspace) -> None:
    """Turn new connector candidates into library items (embeds and suggests products)."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        pending = pending_candidates(session, ws.id)
        with Progress(console=console) as progress:
            task = progress.add_task("intake", total=pending or 0)
            summary = intake_candidates(
                session,
                intake_context(services.settings, ws.id),
                progress=lambda n: progress.advance(task, n),
            )
        _summary(summary)


@ugc_app.command("import-reviews")
def ugc_import_reviews(
    path: Path,
    workspace: Workspace,
    mapping: Annotated[
        Path | None, typer.Option(help="JSON/TOML: review field = the file's column(s).")
    ] = None,
    create_products: Annotated[
        bool, typer.Option(help="Create products for unknown SKUs (flagged for review).")
    ] = False,
) -> None:
    """Import a review CSV (default columns: product_sku, rating, title, text, photo_urls,
    author, date; other names through --mapping)."""
    if not path.is_file():
        raise fail(f"{path}: no such file")
    content = path.read_text(encoding="utf-8", errors="replace")
    with opened_services() as services:
        columns = ReviewMapping.parse(load_mapping(mapping), str(mapping)) if mapping else None
        ws_id = _workspace_id(services, workspace)
        try:
            with services.catalog.session() as session:
                context = intake_context(services.settings, ws_id)
                with console.status(f"importing {path.name}"):
                    summary = import_reviews(
                        session,
                        context,
                        path.name,
                        content,
                        mapping=columns,
                        create_products=create_products,
                    )
        except ValidationFailed as exc:
            record_refused(services.catalog, ws_id, "import:reviews", path.name, exc)
            raise
        _summary(summary)
        console.print(
            f"{summary.rows_read} rows read: {summary.duplicates} duplicate(s) within the file"
            + (
                f"; {len(summary.products_created)} product(s) created, flagged for review: "
                + ", ".join(summary.products_created[:10])
                if summary.products_created
                else ""
            ),
            highlight=False,
            soft_wrap=True,
        )


def _workspace_id(services: Services, workspace: str) -> str:
    with services.catalog.session() as session:
        return workspaces.get_workspace(session, workspace).id


@ugc_app.command("add-url")
def ugc_add_url(url: str, workspace: Workspace) -> None:
    """Add a post by its URL (its Open Graph image and text, or the image itself)."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        summary = add_url(session, intake_context(services.settings, ws.id), url)
        _summary(summary)
        for item_id in summary.item_ids:
            item = get_item(session, ws.id, item_id)
            console.print(
                f"item {item.id}" + (f": [red]{item.media_error}[/]" if item.media_error else "")
            )


def _set(workspace: str, item_ids: list[str], status: str) -> None:
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        console.print(f"{set_status(session, ws.id, item_ids, status)} item(s) {status}")


@ugc_app.command("approve")
def ugc_approve(item_ids: list[str], workspace: Workspace) -> None:
    """Approve items."""
    _set(workspace, item_ids, UgcStatus.APPROVED)


@ugc_app.command("reject")
def ugc_reject(item_ids: list[str], workspace: Workspace) -> None:
    """Reject items."""
    _set(workspace, item_ids, "rejected")


@ugc_app.command("request-rights")
def ugc_request_rights(
    item_id: str,
    workspace: Workspace,
    channel: Annotated[str, typer.Option(help="comment, dm or email")] = "comment",
) -> None:
    """Record a rights request and print the text to post."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        event = rights.record_request(
            session, get_item(session, ws.id, item_id), ws.slug, channel=channel
        )
        console.print(event.text, highlight=False, markup=False)


@ugc_app.command("grant-rights")
def ugc_grant_rights(
    item_id: str,
    workspace: Workspace,
    channel: Annotated[str, typer.Option(help="comment, dm, email or upload_form")],
    evidence: Annotated[str, typer.Option(help="The creator's words.")] = "",
    evidence_url: Annotated[str, typer.Option(help="Link to the message.")] = "",
    granted_at: Annotated[
        datetime | None, typer.Option(help="When the creator said yes (UTC; default now).")
    ] = None,
    recorded_by: Annotated[str, typer.Option(help="Who is recording it.")] = "cli",
) -> None:
    """Record a grant given by comment, DM, e-mail or a form, with its evidence."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        item = get_item(session, ws.id, item_id)
        event = rights.record_grant(
            session,
            item,
            channel=channel,
            evidence=evidence,
            evidence_url=evidence_url,
            granted_at=granted_at,
            actor=recorded_by,
        )
        until = f", until {event.expires_at:%Y-%m-%d}" if event.expires_at else ""
        console.print(
            f"rights granted by {escape(channel)} on {event.at:%Y-%m-%d}{until} "
            f"(terms v{escape(event.terms_version)}), recorded by {escape(recorded_by)}",
            highlight=False,
        )


@ugc_app.command("rights")
def ugc_rights(item_id: str, workspace: Workspace) -> None:
    """Show an item's rights log: requests, grants with their evidence, revocations."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        item = get_item(session, ws.id, item_id)
        table = Table("when (UTC)", "what", "channel", "evidence", "recorded by", "terms")
        for event in rights.rights_log(session, item.id):
            evidence = " ".join(part for part in (event.text, event.evidence_url or "") if part)
            table.add_row(
                f"{event.at:%Y-%m-%d %H:%M}",
                event.kind,
                event.channel,
                Text(evidence),
                Text(event.actor),
                Text(f"v{event.terms_version}" if event.terms_version else ""),
            )
        console.print(table)
        console.print(f"rights: {item.rights_status}", highlight=False)


@ugc_app.command("rescore")
def ugc_rescore(workspace: Workspace) -> None:
    """Recompute curation scores from quality, engagement and on-site events."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        count = curation.rescore(session, analytics_warehouse(services, ws.id, ws.slug), ws.id)
        console.print(f"scored {count} item(s)")


@ugc_app.command("reembed")
def ugc_reembed(workspace: Workspace) -> None:
    """Embed the items that have no vector of the current model (after a model change, or
    added while the model was missing), so semantic search sees them."""
    embedder = embedding.load_embedder()
    if embedder is None:
        raise fail(AI_MISSING_NOTICE)
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        with Progress(console=console) as progress:
            task = progress.add_task("embedding", total=None)
            count = intake.reembed(
                session,
                ws.id,
                embedder,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        console.print(f"embedded {count} item(s) with {escape(embedder.model)}")


@ugc_app.command("search")
def ugc_search(
    workspace: Workspace,
    text: Annotated[str, typer.Option(help="Full-text words.")] = "",
    semantic: Annotated[str, typer.Option(help="Describe the picture.")] = "",
    status: Annotated[str | None, typer.Option()] = None,
    rights_status: Annotated[str | None, typer.Option("--rights")] = None,
    platform: Annotated[str | None, typer.Option(help="Any case.")] = None,
    source: Annotated[str | None, typer.Option()] = None,
    content_type: Annotated[str | None, typer.Option()] = None,
    creator: Annotated[str | None, typer.Option(help="@handle (any case) or creator id.")] = None,
    sort: Annotated[str, typer.Option()] = "recent",
    limit: Annotated[int, typer.Option()] = 20,
    exact_count: Annotated[
        bool, typer.Option(help="Count every match (by default counting stops at 1,000).")
    ] = False,
) -> None:
    """Search the library."""
    query = UgcQuery(
        text=text,
        semantic=semantic,
        status=status,
        rights=rights_status,
        platform=platform,
        source=source,
        content_type=content_type,
        creator=creator,
        sort=sort,
        limit=limit,
        exact_count=exact_count,
    )
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        result = search(session, ws.id, query, embedding.load_embedder() if semantic else None)
        if result.notice:
            console.print(f"[yellow]{escape(result.notice)}[/]")
        table = Table("id", "platform", "status", "rights", "caption")
        for item in result.items:
            table.add_row(
                item.id,
                labels.label(labels.Kind.PLATFORM, item.platform),
                labels.label(labels.Kind.UGC_STATUS, item.status),
                labels.label(labels.Kind.RIGHTS_STATUS, item.rights_status),
                Text(item.caption[:80]),
            )
        console.print(table)
        more = "+" if result.total_capped else ""
        console.print(f"{result.total}{more} match(es)")
