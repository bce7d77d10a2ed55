"""Creator rewards reach the creator: the code a grant issues is e-mailed through the
workspace's SMTP server and shown on the upload confirmation; a coupon issued by hand on the
Creators page is e-mailed too. A later upload under the same handle never shows the code."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage

import httpx
from sqlalchemy import select

from mercato.catalog.models import Creator
from mercato.runtime import Services
from tests.sharing.smtp_server import Mailbox, smtp_server
from tests.sharing.support import set_up
from tests.sharing.test_scheduled_reports import _configure_smtp
from tests.support.server import csrf_in
from tests.ugc.support import image_bytes


def _upload(base: str, slug: str, handle: str, email: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=120) as creator:
        csrf = csrf_in(creator.get(f"/u/{slug}").text)
        fields = {
            "caption": "my look",
            "email": email,
            "handle": handle,
            "consent": "yes",
            "csrf_token": csrf,
        }
        return creator.post(
            f"/u/{slug}", data=fields, files={"file": ("a.png", image_bytes(5), "image/png")}
        )


def _wait_for(mailbox: Mailbox, count: int) -> list[EmailMessage]:
    """The upload answers first and mails after: wait (bounded) for the messages."""
    deadline = time.monotonic() + 30
    while len(mailbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return mailbox.messages


def test_reward_code_is_mailed_and_shown_once(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    with smtp_server() as (mailbox, port):
        _configure_smtp(owner, port)
        done = _upload(live_server, owner.slug, "fan1", "fan@example.org")
        assert done.status_code == 200, done.text
        code = re.search(r'<code id="reward-code">([^<]+)</code>', done.text).group(1)  # type: ignore[union-attr]
        assert code.startswith("FAN1-")
        assert "we are also sending it" in done.text
        assert done.headers["cache-control"] == "no-store"
        (message,) = _wait_for(mailbox, 1)
        assert message["To"] == "fan@example.org"
        assert code in message.get_content()
        again = _upload(live_server, owner.slug, "fan1", "someone-else@example.org")
        assert again.status_code == 200
        assert code not in again.text
        time.sleep(0.5)  # room for a (wrong) second e-mail to arrive
        assert len(mailbox.messages) == 1
        with services.catalog.session() as session:
            quiet = Creator(
                workspace_id=owner.workspace_id,
                platform="instagram",
                handle="quiet.one",
                email="quiet@example.org",
            )
            session.add(quiet)
            session.flush()
            quiet_id = quiet.id
        page = owner.client.get("/ugc/creators")
        assert f'action="/ugc/creators/{quiet_id}/coupon"' in page.text
        issued = owner.client.post(
            f"/ugc/creators/{quiet_id}/coupon", data={"csrf_token": csrf_in(page.text)}
        )
        assert issued.status_code == 200
        with services.catalog.session() as session:
            hand_code = session.scalars(
                select(Creator.coupon_code).where(Creator.id == quiet_id)
            ).one()
        assert hand_code
        assert f"Code {hand_code} issued and e-mailed to quiet@example.org" in issued.text
        assert mailbox.messages[-1]["To"] == "quiet@example.org"
        assert (
            owner.client.post(
                "/ugc/creators/nope/coupon", data={"csrf_token": csrf_in(page.text)}
            ).status_code
            == 404
        )


def test_without_smtp_the_code_is_still_shown(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    done = _upload(live_server, owner.slug, "fan2", "fan2@example.org")
    assert 'id="reward-code"' in done.text
    assert "we are also sending it" not in done.text
