"""The incremental pass every platform's post sync runs (ADR 0201).

A pass walks the platform's pages from the saved cursor, stores each page and only then
saves the next cursor, so an interrupted sync resumes at the first page it did not store,
with the pass's snapshot time (`pass_started_at`) unchanged. Lists are newest first: once a
page holds a post that is neither newer than the last completed pass (`newest_seen`) nor
young enough for its metrics to move, the rest is settled and the pass ends, as it does on
the platform's end marker (no next cursor).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.social import PostSnapshot

Item = dict[str, Any]
# One page as a platform returns it: its items and the cursor of the next page, None on the
# last one (Graph `paging.next` absent, X `next_token` absent, TikTok `has_more` false,
# Pinterest `bookmark` empty).
Page = tuple[list[Item], str | None]
Fetch = Callable[[str | None], Page]
Snapshot = Callable[[Item, datetime], PostSnapshot]
PostedAt = Callable[[Item], datetime | None]


def is_fresh(posted_at: datetime | None, newest_seen: datetime | None, horizon: datetime) -> bool:
    """Whether an incremental pass must (re-)read a post: new since the last completed pass,
    or young enough for its metrics to still change."""
    if newest_seen is None or posted_at is None:
        return True
    return posted_at > newest_seen or posted_at >= horizon


def sync_pages(
    ctx: SyncContext,
    stream: str,
    fetch: Fetch,
    snapshot: Snapshot,
    posted_at: PostedAt | None = None,
    *,
    encode: Callable[[datetime], Any] = datetime.isoformat,
    decode: Callable[[Any], datetime] = datetime.fromisoformat,
) -> None:
    """Run (or resume) one pass over `stream`.

    `fetch(cursor)` reads one page; `snapshot(item, captured_at)` makes its stored snapshot.
    With `posted_at`, the pass is incremental: it keeps the newest post time it stored (in
    the state, as `encode` writes it and `decode` reads it back) and stops at settled posts.
    Without it, every item of every page is read again each pass.
    """
    cursor, state = ctx.load_cursor(stream)
    if not state.get("pass_started_at"):
        state = {**state, "pass_started_at": ctx.now.isoformat()}
    captured_at = datetime.fromisoformat(state["pass_started_at"])
    settled = state.get("newest_seen")
    seen = decode(settled) if settled is not None else None
    while True:
        items, cursor = fetch(cursor)
        fresh = items
        if posted_at is not None:
            fresh = [i for i in items if is_fresh(posted_at(i), seen, ctx.refresh_horizon)]
        ctx.store(snapshots=[snapshot(item, captured_at) for item in fresh])
        if posted_at is not None:
            state["pass_newest"] = _newest(
                state.get("pass_newest"), fresh, posted_at, encode, decode
            )
        if not cursor or len(fresh) < len(items):  # end marker, or settled posts reached
            ctx.save_cursor(stream, None, _finished(state, encode, decode) if posted_at else {})
            return
        ctx.save_cursor(stream, cursor, state)


def _newest(
    kept: Any,
    fresh: list[Item],
    posted_at: PostedAt,
    encode: Callable[[datetime], Any],
    decode: Callable[[Any], datetime],
) -> Any:
    times = [t for item in fresh if (t := posted_at(item)) is not None]
    if kept is not None:
        times.append(decode(kept))
    return encode(max(times)) if times else None


def _finished(
    state: dict[str, Any], encode: Callable[[datetime], Any], decode: Callable[[Any], datetime]
) -> dict[str, Any]:
    """The state a completed pass leaves: only the newest post time ever stored."""
    times = [decode(v) for v in (state.get("newest_seen"), state.get("pass_newest")) if v]
    return {"newest_seen": encode(max(times)) if times else None}
