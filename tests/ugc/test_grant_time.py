"""A rights grant is dated by the server, not by the reply: a reply claiming a future time
(a wrong clock, or a commenter's trick) must not hide an approved item until that date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from mercato.catalog.models import RightsEvent, UgcItem
from mercato.core.scopes import Scope
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import set_status
from mercato.ugc.publishable import is_publishable
from tests.support.brands import Brand, make_token
from tests.ugc.support import add, context


def test_a_future_dated_approval_reply_is_granted_now(
    services: Services, brand: Brand, live_server: str
) -> None:
    with services.catalog.session() as s:
        item = add(s, context(services, brand.workspace_id), "p9", "look", handle="ana")
        set_status(s, brand.workspace_id, [item.id], "approved")
        rights.record_request(s, item, brand.slug)
        item_id = item.id
    claimed = datetime.now(UTC) + timedelta(days=400, microseconds=123456)
    token = make_token(services, brand, [Scope.UGC_WRITE])
    before = utcnow()
    with httpx.Client(base_url=live_server) as client:
        answer = client.post(
            f"/api/v1/ugc/items/{item_id}/rights/comments",
            headers={"Authorization": f"Bearer {token}"},
            json={"comments": [{"author": "ana", "text": "#YesAcme", "at": claimed.isoformat()}]},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"granted": True, "rights_status": "granted"}
    with services.catalog.session() as s:
        stored = s.get(UgcItem, item_id)
        assert stored is not None
        assert stored.rights_granted_at is not None
        assert before <= stored.rights_granted_at <= utcnow()
        assert is_publishable(stored)  # shown now, not in a year
        event = s.query(RightsEvent).filter_by(item_id=item_id, kind="granted").one()
        assert event.text == "#YesAcme"
        assert event.at == stored.rights_granted_at
