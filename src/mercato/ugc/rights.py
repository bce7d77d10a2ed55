"""Usage rights: the request text, approval detected from the author's reply, consent from
the upload form, revocation and expiry. Every step is written to the item's rights log with
its evidence (text, time, terms version)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    GRANT_CHANNELS,
    REQUEST_CHANNELS,
    Creator,
    RightsChannel,
    RightsEvent,
    RightsStatus,
    UgcItem,
    UgcSettings,
)
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import to_naive_utc, utcnow
from mercato.core.urls import checked_link, safe_link
from mercato.ugc.items import ugc_settings
from mercato.ugc.rewards import issue_coupon


@dataclass(frozen=True)
class Comment:
    """A reply synced from the platform: who wrote it, what, when."""

    author: str
    text: str
    at: datetime


HASHTAG = re.compile(r"^#?\w{1,99}$")
MAX_EVIDENCE = 5000


def clean_hashtag(raw: str, location: str = "approval_hashtag") -> str:
    """The setting as stored, checked: one hashtag (letters, digits, _ in any script), with or
    without its '#'; "" keeps the default `#Yes<Workspace>`."""
    tag = raw.strip()
    if not tag:
        return ""
    if not HASHTAG.match(tag):
        raise ValidationFailed(
            "one hashtag: letters, digits or _ without spaces, e.g. #YesNorthwind",
            location=location,
        )
    return tag


def approval_hashtag(settings: UgcSettings, workspace_slug: str) -> str:
    """The workspace's one rights hashtag: the request asks for it and a reply is matched on it."""
    tag = settings.approval_hashtag.strip().lstrip("#")
    return "#" + (tag or f"Yes{workspace_slug.replace('-', '').title()}")


def request_text(item: UgcItem, creator: Creator | None, settings: UgcSettings, slug: str) -> str:
    """The comment or DM asking the author for rights, with the key hashtag and terms link."""
    hello = f"Hi @{creator.handle}! " if creator else "Hi! "
    link = safe_link(settings.terms_url)  # the creator will follow it
    terms = f" ({link})" if link else ""
    return (
        f"{hello}We love this post and would like to feature it on our site and social "
        f"channels. If you agree to our terms{terms}, reply {approval_hashtag(settings, slug)}. "
        "Thank you!"
    )


def _expiry(settings: UgcSettings, granted_at: datetime) -> datetime | None:
    return granted_at + timedelta(days=settings.rights_days) if settings.rights_days else None


def record_request(
    session: Session, item: UgcItem, slug: str, *, channel: str = "comment", actor: str = ""
) -> RightsEvent:
    if channel not in REQUEST_CHANNELS:
        raise ValidationFailed("channel must be comment, dm or email", location="channel")
    settings = ugc_settings(session, item.workspace_id)
    creator = session.get(Creator, item.creator_id) if item.creator_id else None
    event = RightsEvent(
        item_id=item.id,
        kind=RightsStatus.REQUESTED.value,
        channel=channel,
        text=request_text(item, creator, settings, slug),
        terms_url=settings.terms_url,
        terms_version=settings.terms_version,
        actor=actor,
    )
    session.add(event)
    if item.rights_status in ("none", "revoked", "expired"):
        item.rights_status = RightsStatus.REQUESTED.value
    return event


def grant(
    session: Session,
    item: UgcItem,
    *,
    channel: str,
    evidence: str,
    at: datetime | None = None,
    expires_at: datetime | None = None,
    actor: str = "",
    evidence_url: str | None = None,
) -> RightsEvent:
    """Record a grant with its evidence; the terms version in force is kept with it."""
    settings = ugc_settings(session, item.workspace_id)
    moment = at or utcnow()
    until = expires_at or _expiry(settings, moment)
    event = RightsEvent(
        evidence_url=evidence_url or None,
        recorded_at=utcnow(),
        item_id=item.id,
        kind=RightsStatus.GRANTED.value,
        channel=channel,
        text=evidence,
        terms_url=settings.terms_url,
        terms_version=settings.terms_version,
        actor=actor,
        at=moment,
        expires_at=until,
    )
    session.add(event)
    item.rights_status = RightsStatus.GRANTED.value
    item.rights_granted_at = moment
    item.rights_expires_at = until
    item.rights_terms_version = settings.terms_version
    creator = session.get(Creator, item.creator_id) if item.creator_id else None
    if creator is not None:
        issue_coupon(session, creator)
    return event


def record_grant(
    session: Session,
    item: UgcItem,
    *,
    channel: str,
    evidence: str,
    evidence_url: str | None = None,
    granted_at: datetime | None = None,
    actor: str,
) -> RightsEvent:
    """A grant a library user writes down: the creator said yes in a comment, a DM, an e-mail
    or on a paper/online form outside Mercato. The words (or a message link) are the evidence;
    who recorded it and when are kept with them."""
    if channel not in GRANT_CHANNELS:
        raise ValidationFailed(
            "channel must be comment, dm, email or upload_form", location="channel"
        )
    words = evidence.strip()
    link = checked_link(evidence_url, "evidence_url")
    if not words and not link:
        raise ValidationFailed(
            "give the creator's words or a link to the message that grants the rights",
            location="evidence",
        )
    if len(words) > MAX_EVIDENCE:
        raise ValidationFailed(f"at most {MAX_EVIDENCE} characters", location="evidence")
    now = utcnow()
    granted_at = to_naive_utc(granted_at) if granted_at is not None else None
    if granted_at is not None and granted_at > now:
        raise ValidationFailed("a grant cannot be given in the future", location="granted_at")
    return grant(
        session,
        item,
        channel=channel,
        evidence=words,
        evidence_url=link,
        at=granted_at or now,
        actor=actor,
    )


def revoke(session: Session, item: UgcItem, reason: str, actor: str = "") -> RightsEvent:
    event = RightsEvent(
        item_id=item.id,
        kind=RightsStatus.REVOKED.value,
        channel=RightsChannel.MANUAL.value,
        text=reason,
        actor=actor,
    )
    session.add(event)
    item.rights_status = RightsStatus.REVOKED.value
    return event


def approval_in(comments: Sequence[Comment], author: str, hashtag: str) -> Comment | None:
    """The author's first reply containing the key hashtag as a whole tag (case-insensitive)."""
    wanted = re.compile(rf"(?<!\w){re.escape(hashtag)}(?!\w)", re.IGNORECASE)
    handle = author.lstrip("@").lower()
    for comment in sorted(comments, key=lambda c: c.at):
        if comment.author.lstrip("@").lower() == handle and wanted.search(comment.text):
            return comment
    return None


def detect_approval(
    session: Session, item: UgcItem, comments: Sequence[Comment], slug: str
) -> RightsEvent | None:
    """Grant rights when the item's author replied with the approval hashtag."""
    if item.rights_status == RightsStatus.GRANTED or item.creator_id is None:
        return None
    creator = session.get(Creator, item.creator_id)
    if creator is None:
        return None
    settings = ugc_settings(session, item.workspace_id)
    asked_at = session.scalar(
        select(func.max(RightsEvent.at)).where(
            RightsEvent.item_id == item.id, RightsEvent.kind == RightsStatus.REQUESTED.value
        )
    )
    # A reply only answers a request made before it (an old #YesBrand is not consent).
    answers = [c for c in comments if asked_at is None or c.at >= asked_at]
    reply = approval_in(answers, creator.handle, approval_hashtag(settings, slug))
    if reply is None:
        return None
    # Granted when Mercato saw the reply: the reply's own timestamp is the commenter's (or the
    # platform's) claim, and a future one would hide the item until that date.
    return grant(
        session, item, channel=RightsChannel.COMMENT_REPLY, evidence=reply.text, at=utcnow()
    )


_DUE_IDS = select(UgcItem.id).where(
    UgcItem.workspace_id == bindparam("workspace_id"),
    UgcItem.rights_status == RightsStatus.GRANTED.value,
    UgcItem.rights_expires_at.is_not(None),
    UgcItem.rights_expires_at <= bindparam("moment"),
)


def expire_due(session: Session, workspace_id: str, now: datetime | None = None) -> int:
    """Mark grants past their expiry (the gate already hides them; this keeps the log honest)."""
    moment = now or utcnow()
    # Every library search runs this first, and almost always nothing is due: one Core read
    # of the (workspace, rights, expiry) index decides before any entity is loaded.
    session.flush()
    params = {"workspace_id": workspace_id, "moment": moment}
    if not session.connection().execute(_DUE_IDS, params).first():
        return 0
    due = session.scalars(select(UgcItem).where(UgcItem.id.in_(_DUE_IDS)), params).all()
    for item in due:
        item.rights_status = RightsStatus.EXPIRED.value
        session.add(
            RightsEvent(
                item_id=item.id,
                kind=RightsStatus.EXPIRED.value,
                channel=RightsChannel.SYSTEM.value,
                at=moment,
            )
        )
    return len(due)


def rights_log(session: Session, item_id: str) -> list[RightsEvent]:
    return list(
        session.scalars(
            select(RightsEvent).where(RightsEvent.item_id == item_id).order_by(RightsEvent.at)
        )
    )
