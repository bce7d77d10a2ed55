"""UGC discovery: watched hashtags and mentions are searched on X (recent search, each post
once) and Instagram (hashtag search within 30 per 7 days) and reach the candidates queue
with their source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from mercato.catalog.models import UgcCandidate
from mercato.connectors import accounts, discovery
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.platforms.x import search_query
from mercato.connectors.sync import sync_account
from mercato.core.errors import ConflictError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from tests.connectors.fake_platforms import GOOD_TOKEN, FakePlatforms, build_app
from tests.support.brands import Brand
from tests.support.server import serve_app


@pytest.fixture
def fake() -> Iterator[tuple[FakePlatforms, str]]:
    state = FakePlatforms(page_size=2)
    with serve_app(build_app(state)) as base:
        yield state, base


def _policy() -> ClientPolicy:
    return ClientPolicy(timeout_s=5, max_retries=1, max_wait_s=1, sleep=lambda _s: None)


def _tweet(index: int, text: str) -> dict[str, object]:
    created = (utcnow() - timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": str(1_800_000 + index),
        "text": text,
        "author_id": "u7",
        "created_at": created,
        "public_metrics": {"like_count": index},
        "entities": {"hashtags": [{"tag": "AcmeFit"}]} if "#" in text else {},
    }


def _candidates(services: Services, brand: Brand) -> list[UgcCandidate]:
    with services.catalog.session() as session:
        rows = list(
            session.scalars(
                select(UgcCandidate).where(UgcCandidate.workspace_id == brand.workspace_id)
            )
        )
        session.expunge_all()
        return rows


def test_watches_are_validated(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        discovery.add_watch(session, brand.workspace_id, "hashtag", "#AcmeFit")
        with pytest.raises(ConflictError):
            discovery.add_watch(session, brand.workspace_id, "hashtag", "acmefit")
        with pytest.raises(ValidationFailed, match="kind"):
            discovery.add_watch(session, brand.workspace_id, "keyword", "x")
        with pytest.raises(ValidationFailed, match="letters"):
            discovery.add_watch(session, brand.workspace_id, "mention", "<script>")
        for index in range(29):
            discovery.add_watch(session, brand.workspace_id, "hashtag", f"tag{index}")
        with pytest.raises(ValidationFailed, match="30"):
            discovery.add_watch(session, brand.workspace_id, "hashtag", "onemore")


def test_search_query_stays_within_512_characters() -> None:
    query = search_query([f"averylonghashtag{i}" for i in range(60)], ["acme"])
    assert query is not None
    assert len(query) <= 512
    assert query.startswith("(#averylonghashtag0 OR ")
    assert query.endswith(") -is:retweet")


def test_x_recent_search_feeds_candidates_once_with_their_source(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    with services.catalog.session() as session:
        discovery.add_watch(session, brand.workspace_id, "hashtag", "AcmeFit")
        discovery.add_watch(session, brand.workspace_id, "mention", "@acme")
        account_id = accounts.add_account(
            session,
            brand.workspace_id,
            platform="x",
            handle="acme",
            external_id="2244994945",
            token=GOOD_TOKEN,
            api_base_url=base,
        ).id
    state.search_results = [
        _tweet(1, "love my #AcmeFit shoes"),
        _tweet(2, "@acme where is my order"),
        _tweet(3, "#acmefit run"),
    ]
    first = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert first.status == "ok", first.error
    assert state.search_queries[0] == "(#acmefit OR @acme) -is:retweet"
    found = {c.external_id: c for c in _candidates(services, brand)}
    assert {c.kind for c in found.values()} == {"hashtag", "mention"}
    assert found["1800001"].hashtag == "acmefit"
    assert found["1800001"].author_handle == "fan7"
    assert found["1800002"].kind == "mention"
    assert found["1800002"].platform == "x"
    # A new post later: the next sync asks only for posts newer than the newest seen.
    state.search_results.insert(0, {**_tweet(0, "new #AcmeFit"), "id": "1800100"})
    state.search_queries.clear()
    second = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert second.status == "ok", second.error
    assert second.summary.inserted["ugc_candidates"] == 1
    searches = [c for c in state.calls if c.startswith("GET /2/tweets/search/recent")]
    assert "since_id=1800003" in searches[-1]
    assert second.summary.unchanged["ugc_candidates"] == 0  # the old ones were not read again
    assert len(_candidates(services, brand)) == 4


def test_instagram_searches_the_workspaces_hashtags(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.hashtag_media = [
        {
            "id": "h1",
            "caption": "#acmefit",
            "media_type": "IMAGE",
            "permalink": "https://www.instagram.com/p/H1/",
            "timestamp": "2026-01-01T00:00:00+0000",
        }
    ]
    with services.catalog.session() as session:
        discovery.add_watch(session, brand.workspace_id, "hashtag", "acmefit")
        account_id = accounts.add_account(
            session,
            brand.workspace_id,
            platform="instagram",
            handle="acme.ig",
            external_id="17841400000000001",
            token=GOOD_TOKEN,
            api_base_url=base,
        ).id
    outcome = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert outcome.status == "ok", outcome.error
    assert any("ig_hashtag_search?" in c and "q=acmefit" in c for c in state.calls)
    hits = [c for c in _candidates(services, brand) if c.kind == "hashtag"]
    assert hits
    assert hits[0].hashtag == "acmefit"
