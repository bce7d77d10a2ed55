"""UGC fixtures: a library with items in every rights/status state, the model switched off
for web tests (the model itself is tested in test_tagging/test_semantic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc import embedding, rights
from mercato.ugc.items import set_status
from tests.support.brands import Brand
from tests.ugc.support import add, context, image_bytes

XSS = (
    "<script>window.__pwned=1</script>"
    '<img src=x onerror="window.__pwned=2">'
    "\"'><svg onload=window.__pwned=3>"
)


@dataclass(frozen=True)
class Library:
    publishable: str
    publishable_media: str
    hidden: dict[str, str]  # reason -> item id
    hidden_media: dict[str, str]  # reason -> media id


@pytest.fixture
def without_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "load_embedder", lambda: None)


def _media_id(services: Services, item_id: str) -> str:
    from sqlalchemy import select

    from mercato.catalog.models import UgcMedia

    with services.catalog.session() as s:
        return str(s.scalar(select(UgcMedia.id).where(UgcMedia.item_id == item_id)))


@pytest.fixture
def library(services: Services, brand: Brand) -> Library:
    ctx = context(services, brand.workspace_id)
    ids: dict[str, str] = {}
    with services.catalog.session() as s:
        for n, reason in enumerate(
            [
                "ok",
                "new_with_rights",
                "approved_no_rights",
                "expired",
                "revoked",
                "rejected",
                "requested",
            ]
        ):
            item = add(
                s,
                ctx,
                f"post-{reason}",
                f"{reason} {XSS} #{reason}",
                handle=f"user{n}",
                files=[image_bytes(10 + n, (200, 160))],
            )
            ids[reason] = item.id
            if reason not in ("new_with_rights", "rejected"):
                set_status(s, brand.workspace_id, [item.id], "approved")
            if reason == "rejected":
                set_status(s, brand.workspace_id, [item.id], "rejected")
            if reason in ("ok", "new_with_rights", "revoked", "rejected"):
                rights.grant(s, item, channel="comment_reply", evidence="#YesAcme")
            if reason == "expired":
                past = utcnow() - timedelta(days=40)
                rights.grant(
                    s,
                    item,
                    channel="comment_reply",
                    evidence="#YesAcme",
                    at=past,
                    expires_at=past + timedelta(days=30),
                )
            if reason == "revoked":
                rights.revoke(s, item, "author asked")
            if reason == "requested":
                rights.record_request(s, item, brand.slug)
    hidden = {k: v for k, v in ids.items() if k != "ok"}
    return Library(
        publishable=ids["ok"],
        publishable_media=_media_id(services, ids["ok"]),
        hidden=hidden,
        hidden_media={k: _media_id(services, v) for k, v in hidden.items()},
    )
