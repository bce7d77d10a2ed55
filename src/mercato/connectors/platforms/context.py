"""What a connector needs during a sync: the account, its API settings, saved cursors,
and a place to put posts, metric snapshots, account days and UGC candidates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import AccountConnection, SocialAccount, SyncCursor, UgcCandidate
from mercato.connectors.platforms.client import ApiClient, Classifier, ClientPolicy
from mercato.connectors.results import ImportSummary
from mercato.connectors.social import AccountDay, PostSnapshot, store_social
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse

# Platforms revise recent days (IG insights lag up to 48 h): the last SETTLE_DAYS stored days
# are read again on each sync and overwrite themselves (upserts, so nothing doubles).
SETTLE_DAYS = 2


@dataclass(frozen=True)
class Candidate:
    """A post that mentions, tags or hashtags the brand, for the UGC library."""

    external_id: str
    kind: str  # mention | tag | hashtag
    caption: str = ""
    author_handle: str | None = None
    hashtag: str | None = None
    media_type: str = "image"
    media_url: str | None = None
    permalink: str | None = None
    posted_at: datetime | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class SyncContext:
    catalog: Catalog
    warehouse: Warehouse
    account: SocialAccount
    connection: AccountConnection
    summary: ImportSummary
    policy: ClientPolicy = field(default_factory=ClientPolicy)
    now: datetime = field(default_factory=utcnow)

    @property
    def workspace_id(self) -> str:
        return self.account.workspace_id

    def option(self, name: str, default: Any = None) -> Any:
        return (self.connection.options or {}).get(name, default)

    def bearer_client(self, default_base_url: str, classify: Classifier) -> ApiClient:
        """A client on the connection's base URL (a fake platform in tests) or the platform's,
        authorised by the account's bearer token."""
        return ApiClient(
            self.connection.api_base_url or default_base_url,
            {"Authorization": f"Bearer {self.account.access_token or ''}"},
            classify,
            self.policy,
            reauthorize=self.reauthorize if self.connection.refresh_token else None,
        )

    def reauthorize(self) -> dict[str, str]:
        """After a 401: the account's refresh flow, then the header to retry with."""
        from mercato.connectors.connect.refresh import refresh_account  # connect needs context

        self.account.access_token = refresh_account(self.catalog, self.account.id, self.now)
        return {"Authorization": f"Bearer {self.account.access_token}"}

    def watched(self, kind: str) -> list[str]:
        """The workspace's watched hashtags or mentions, plus (hashtags) the account's own
        `hashtags` option, in order, without repeats."""
        from mercato.connectors.discovery import WatchKind, watched  # discovery is a peer

        own = list(self.option("hashtags", [])) if kind == WatchKind.HASHTAG else []
        with self.catalog.session() as session:
            found = watched(session, self.workspace_id, WatchKind(kind))
        return list(dict.fromkeys([*own, *found]))

    @property
    def refresh_horizon(self) -> datetime:
        """Posts younger than this are re-read each sync: their metrics still move."""
        return self.now - timedelta(days=int(self.option("refresh_days", 7)))

    def load_cursor(self, stream: str) -> tuple[str | None, dict[str, Any]]:
        with self.catalog.session() as session:
            saved = session.scalar(
                select(SyncCursor).where(
                    SyncCursor.social_account_id == self.account.id, SyncCursor.stream == stream
                )
            )
            return (saved.cursor, dict(saved.state)) if saved else (None, {})

    def save_cursor(self, stream: str, cursor: str | None, state: dict[str, Any]) -> None:
        with self.catalog.session() as session:
            saved = session.scalar(
                select(SyncCursor).where(
                    SyncCursor.social_account_id == self.account.id, SyncCursor.stream == stream
                )
            )
            if saved is None:
                saved = SyncCursor(
                    workspace_id=self.workspace_id, social_account_id=self.account.id, stream=stream
                )
                session.add(saved)
            saved.cursor = cursor
            saved.state = dict(state)
            saved.updated_at = utcnow()

    def store(
        self, snapshots: Sequence[PostSnapshot] = (), days: Sequence[AccountDay] = ()
    ) -> None:
        """One page of results, committed before its cursor is saved."""
        self.summary.rows_read += len(snapshots) + len(days)
        store_social(self.warehouse, self.workspace_id, self.summary, snapshots, days)

    def store_candidates(self, candidates: Sequence[Candidate]) -> None:
        if not candidates:
            return
        with self.catalog.session() as session:
            known = set(
                session.scalars(
                    select(UgcCandidate.external_id).where(
                        UgcCandidate.workspace_id == self.workspace_id,
                        UgcCandidate.platform == self.account.platform,
                        UgcCandidate.external_id.in_([c.external_id for c in candidates]),
                    )
                )
            )
            for candidate in candidates:
                if candidate.external_id in known:
                    self.summary.unchanged["ugc_candidates"] += 1
                    continue
                known.add(candidate.external_id)
                session.add(
                    UgcCandidate(
                        workspace_id=self.workspace_id,
                        social_account_id=self.account.id,
                        platform=self.account.platform,
                        external_id=candidate.external_id,
                        kind=candidate.kind,
                        hashtag=candidate.hashtag,
                        author_handle=candidate.author_handle,
                        caption=candidate.caption,
                        media_type=candidate.media_type,
                        media_url=candidate.media_url,
                        permalink=candidate.permalink,
                        posted_at=candidate.posted_at,
                        metrics=candidate.metrics,
                    )
                )
                self.summary.inserted["ugc_candidates"] += 1
