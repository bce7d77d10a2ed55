"""What the CLI and the web routes call: each intake path followed by enrichment
(embeddings + product suggestions), and the item detail view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Creator,
    Product,
    ProductTag,
    RightsEvent,
    UgcCandidate,
    UgcItem,
    UgcMedia,
    Workspace,
)
from mercato.catalog.owned import get_owned
from mercato.catalog.quality import MERGED, STORED, QualityReport, add_quality_entry
from mercato.core import labels
from mercato.core.errors import NotFoundError
from mercato.core.settings import Settings
from mercato.core.urls import safe_link
from mercato.ugc import embedding, intake, reviews, rights
from mercato.ugc.embedding import Embedder
from mercato.ugc.fetch import SafeFetcher
from mercato.ugc.intake import IntakeSummary
from mercato.ugc.items import IntakeContext, get_item, ugc_settings
from mercato.ugc.review_mapping import ReviewMapping
from mercato.ugc.tagging import tags_of

EmbedderSource = Callable[[], Embedder | None]


def intake_context(
    settings: Settings, workspace_id: str, fetcher: SafeFetcher | None = None
) -> IntakeContext:
    return IntakeContext(
        workspace_id=workspace_id, media_dir=settings.media_dir, fetcher=fetcher or SafeFetcher()
    )


def _enriched(
    session: Session,
    context: IntakeContext,
    summary: IntakeSummary,
    embedder: EmbedderSource | None,
) -> IntakeSummary:
    if summary.item_ids:
        # Looked up at call time, so an install without the [ai] extra (or a test) decides.
        source = embedder or embedding.load_embedder
        intake.enrich(session, context.workspace_id, summary.item_ids, source())
    return summary


def intake_candidates(
    session: Session,
    context: IntakeContext,
    embedder: EmbedderSource | None = None,
    progress: Callable[[int], None] | None = None,
) -> IntakeSummary:
    summary = intake.intake_candidates(session, context, progress=progress)
    return _enriched(session, context, summary, embedder)


def import_reviews(
    session: Session,
    context: IntakeContext,
    name: str,
    content: str,
    embedder: EmbedderSource | None = None,
    *,
    mapping: ReviewMapping | None = None,
    create_products: bool = False,
) -> reviews.ReviewSummary:
    """Import a review file and record what happened to each row (data quality)."""
    summary = reviews.import_reviews(session, context, name, content, mapping, create_products)
    add_quality_entry(session, context.workspace_id, review_quality(name, summary))
    _enriched(session, context, summary, embedder)
    return summary


def review_quality(name: str, summary: reviews.ReviewSummary) -> QualityReport:
    """Stored, or merged: a duplicate within the file, or already in the library."""
    report = QualityReport("import:reviews", name[:2000], rows_read=summary.rows_read)
    report.add(STORED, summary.added)
    report.add(MERGED, summary.duplicates + summary.skipped)
    report.flag("duplicates_in_file", summary.duplicates)
    report.flag("already_in_library", summary.skipped)
    report.flag("products_created", len(summary.products_created))
    return report


def add_url(
    session: Session, context: IntakeContext, url: str, embedder: EmbedderSource | None = None
) -> IntakeSummary:
    summary = IntakeSummary()
    item = intake.intake_url(session, context, url)
    if item is None:
        summary.skipped = 1
    else:
        summary.added, summary.item_ids = 1, [item.id]
        summary.media_errors = 1 if item.media_error else 0
    return _enriched(session, context, summary, embedder)


def upload(
    session: Session,
    context: IntakeContext,
    workspace: Workspace,
    *,
    files: Sequence[bytes],
    caption: str,
    email: str,
    handle: str,
    consent: bool,
    embedder: EmbedderSource | None = None,
) -> UgcItem:
    item = intake.intake_upload(
        session,
        context,
        slug=workspace.slug,
        files=files,
        caption=caption,
        email=email,
        handle=handle,
        consent=consent,
    )
    summary = IntakeSummary(added=1, item_ids=[item.id])
    _enriched(session, context, summary, embedder)
    return item


@dataclass(frozen=True)
class ItemDetail:
    item: UgcItem
    creator: Creator | None
    media: list[UgcMedia]
    tags: list[tuple[ProductTag, Product]]
    rights_log: list[RightsEvent]
    request_preview: str
    hashtag: str  # the workspace's one rights hashtag
    terms_url: str  # "" until the workspace sets one (the page says how)


def item_detail(session: Session, workspace: Workspace, item_id: str) -> ItemDetail:
    rights.expire_due(session, workspace.id)  # the status shown is the gate's (see search)
    item = get_item(session, workspace.id, item_id)
    creator = session.get(Creator, item.creator_id) if item.creator_id else None
    media = list(
        session.scalars(
            select(UgcMedia).where(UgcMedia.item_id == item.id).order_by(UgcMedia.position)
        )
    )
    settings = ugc_settings(session, workspace.id)
    return ItemDetail(
        item=item,
        creator=creator,
        media=media,
        tags=tags_of(session, item.id),
        rights_log=rights.rights_log(session, item.id),
        request_preview=rights.request_text(item, creator, settings, workspace.slug),
        hashtag=rights.approval_hashtag(settings, workspace.slug),
        terms_url=safe_link(settings.terms_url) or "",
    )


def library_media(session: Session, workspace_id: str, media_id: str) -> UgcMedia:
    """A media row of one of this workspace's items (any status: the library sees all)."""
    row = session.execute(
        select(UgcMedia, UgcItem.workspace_id)
        .join(UgcItem, UgcItem.id == UgcMedia.item_id)
        .where(UgcMedia.id == media_id)
    ).first()
    if row is None or row[1] != workspace_id:
        raise NotFoundError("no such media")
    media: UgcMedia = row[0]
    return media


def first_media(session: Session, item_ids: Sequence[str]) -> dict[str, UgcMedia]:
    """The cover media of each item (position 0), for grids."""
    rows = session.scalars(
        select(UgcMedia).where(UgcMedia.item_id.in_(list(item_ids)), UgcMedia.position == 0)
    )
    return {media.item_id: media for media in rows}


def creators_by_id(session: Session, creator_ids: Sequence[str | None]) -> dict[str, Creator]:
    wanted = [c for c in creator_ids if c]
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Creator).where(Creator.id.in_(wanted)))}


def library_size(session: Session, workspace_id: str) -> int:
    """How many items the workspace's library holds, whatever their status."""
    count = select(func.count()).select_from(UgcItem).where(UgcItem.workspace_id == workspace_id)
    return int(session.scalar(count) or 0)


def pending_candidates(session: Session, workspace_id: str) -> int:
    """Connector candidates not yet turned into library items (what `intake` will read)."""
    count = select(func.count()).where(
        UgcCandidate.workspace_id == workspace_id, UgcCandidate.consumed_at.is_(None)
    )
    return int(session.scalar(count) or 0)


def coupon_code(session: Session, workspace_id: str, creator_id: str) -> str | None:
    """The creator's coupon code (None before one is issued)."""
    return get_owned(session, Creator, workspace_id, creator_id, "creator").coupon_code


def library_platforms(session: Session, workspace_id: str, current: str | None = None) -> list[str]:
    """The platforms the workspace's items come from (stored lower case), for the library's
    Platform filter, in the order of their labels; a filter value the library does not hold
    (a link from elsewhere) is kept, lower-cased, so the select never drops it."""
    found = {
        str(platform).strip().lower()
        for platform in session.scalars(
            select(UgcItem.platform).where(UgcItem.workspace_id == workspace_id).distinct()
        )
        if platform
    }
    if current and current.strip():
        found.add(current.strip().lower())
    return sorted(
        found, key=lambda value: (labels.label(labels.Kind.PLATFORM, value).lower(), value)
    )
