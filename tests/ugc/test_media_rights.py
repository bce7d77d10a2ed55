"""Media limits and formats; rights expiry and the approval-reply rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mercato.catalog.models import RightsEvent, UgcItem
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc import media, rights
from mercato.ugc.items import set_status
from mercato.ugc.media import MediaError, hamming, store_media
from mercato.ugc.publishable import is_publishable
from tests.support.brands import make_brand
from tests.ugc.support import add, context, image_bytes


def test_media_limits_and_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100
    stored = store_media(video, tmp_path, "v")
    assert (stored.kind, stored.mime_type, stored.thumb_path) == ("video", "video/mp4", None)
    with pytest.raises(MediaError, match="empty"):
        store_media(b"", tmp_path, "e")
    monkeypatch.setattr(media, "MAX_PIXELS", 1000)
    with pytest.raises(MediaError, match="more than 1,000 pixels"):
        store_media(image_bytes(1, (64, 48)), tmp_path, "big")
    monkeypatch.setattr(media, "MAX_BYTES", 100)
    with pytest.raises(MediaError, match="larger than"):
        store_media(image_bytes(1), tmp_path, "huge")
    truncated = image_bytes(2, (200, 200), "JPEG")[:300]
    monkeypatch.setattr(media, "MAX_BYTES", 10_000_000)
    monkeypatch.setattr(media, "MAX_PIXELS", 10_000_000)
    with pytest.raises(MediaError):
        store_media(truncated, tmp_path, "cut")
    assert hamming("ffffffffffffffff", "0000000000000000") == 64


def test_rights_expire_and_leave_the_public_gate(services: Services) -> None:
    brand = make_brand(services)
    ws = brand.workspace_id
    with services.catalog.session() as s:
        item = add(s, context(services, ws), "p", "x", handle="ana")
        set_status(s, ws, [item.id], "approved")
        granted_at = utcnow() - timedelta(days=10)
        rights.grant(
            s,
            item,
            channel="dm",
            evidence="yes",
            at=granted_at,
            expires_at=granted_at + timedelta(days=20),
        )
        assert is_publishable(item)
        assert not is_publishable(item, now=granted_at + timedelta(days=20))
        assert not is_publishable(item, now=granted_at - timedelta(seconds=1))
        assert rights.expire_due(s, ws, now=granted_at + timedelta(days=21)) == 1
        assert item.rights_status == "expired"
        assert not is_publishable(item)
        kinds = [e.kind for e in rights.rights_log(s, item.id)]
        assert kinds == ["granted", "expired"]


def test_approval_reply_rules(services: Services) -> None:
    brand = make_brand(services)
    with services.catalog.session() as s:
        item = add(s, context(services, brand.workspace_id), "p", "x", handle="Ana.B")
        rights.record_request(s, item, brand.slug)
        asked = utcnow()
        later = asked + timedelta(minutes=1)
        ignored = [
            rights.Comment("someone", "#YesAcme", later),  # not the author
            rights.Comment("ana.b", "#YesAcmeCorp", later),  # a different tag
            rights.Comment("ana.b", "#YesAcme", asked - timedelta(days=1)),  # before the request
        ]
        assert rights.detect_approval(s, item, ignored, brand.slug) is None
        assert item.rights_status == "requested"
        before = utcnow()
        event = rights.detect_approval(
            s, item, [*ignored, rights.Comment("@ANA.B", "ok #yesacme!", later)], brand.slug
        )
        assert event is not None
        assert event.text == "ok #yesacme!"
        assert before <= event.at <= utcnow()  # server time, not the reply's
        assert item.rights_status == "granted"
        stored = s.get(UgcItem, item.id)
        assert stored is not None
        assert stored.rights_terms_version == "1"
        assert s.query(RightsEvent).count() == 2
    assert datetime(2026, 1, 1) < later
