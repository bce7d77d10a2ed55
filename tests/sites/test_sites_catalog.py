"""Sites in the catalog: normalised domains and origins, updates, and the bounded install
check (accepted and refused origins)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mercato.catalog import sites, workspaces
from mercato.catalog.models import SiteOriginActivity
from mercato.catalog.site_activity import (
    ACCEPTED,
    MAX_ORIGINS_PER_OUTCOME,
    REFUSED,
    ActivityRecorder,
    ago,
    install_check,
    record,
)
from mercato.collect.enrich import COOKIELESS, FIRST_PARTY_ID, IDENTIFIED
from mercato.collect.pages import PAGE_TYPES
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.runtime import Services


def test_catalog_knows_the_collectors_modes_and_page_types() -> None:
    assert sites.IDENTITY_MODES == (COOKIELESS, FIRST_PARTY_ID, IDENTIFIED)
    assert sites.PAGE_TYPE_NAMES == PAGE_TYPES


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("HTTPS://Shop.Example:443/", "https://shop.example"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        (" https://www.shop.example ", "https://www.shop.example"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://shop.example:8443", "https://shop.example:8443"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(raw: str, origin: str) -> None:
    assert sites.normalise_origin(raw) == origin


@pytest.mark.parametrize(
    "raw",
    [
        "shop.example",
        "javascript:alert(1)",
        "https://shop.example/path",
        "https://user:pw@shop.example",
        "ftp://shop.example",
        'https://shop.example"><script>',
        "https://shop.example:99999",
        "",
    ],
)
def test_bad_origins_are_refused_with_their_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sites.normalise_origin(raw)
    assert refused.value.location == "site.allowed_origins"


def test_add_update_remove(services_any_catalog: Services) -> None:
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        site = sites.add_site(
            session,
            acme,
            domain="https://Shop.Acme.example/",
            origins=["http://127.0.0.1:5000"],
            identity_mode="first_party_id",
            patterns={"product": "/p/*"},
        )
        assert site.domain == "shop.acme.example"
        assert site.allowed_origins == ["https://shop.acme.example", "http://127.0.0.1:5000"]
        assert site.page_type_patterns == {"product": ["/p/*"]}
        assert site.public_key.startswith("pk_")
        with pytest.raises(ConflictError):
            sites.add_site(session, acme, domain="shop.acme.example")
        change = sites.SiteChange(
            add_origins=["HTTPS://WWW.Acme.example", "http://127.0.0.1:5000"],
            remove_origins=["https://shop.acme.example/"],
            identity_mode="identified",
        )
        sites.update_site(session, site, change)
        assert site.allowed_origins == ["http://127.0.0.1:5000", "https://www.acme.example"]
        assert site.identity_mode == "identified"
        with pytest.raises(NotFoundError):
            sites.update_site(
                session, site, sites.SiteChange(remove_origins=["https://nope.example"])
            )
        with pytest.raises(ValidationFailed) as bad_mode:
            sites.update_site(session, site, sites.SiteChange(identity_mode="fingerprint"))
        assert bad_mode.value.location == "site.identity_mode"
        with pytest.raises(ValidationFailed) as bad_type:
            sites.update_site(session, site, sites.SiteChange(patterns={"blog": ["/b/*"]}))
        assert bad_type.value.location == "site.page_type_patterns.blog"
        assert sites.get_site(session, acme.id, "SHOP.ACME.EXAMPLE").id == site.id
        assert sites.get_site(session, acme.id, site.public_key).id == site.id
        other = workspaces.create_workspace(session, slug="other", name="Other")
        with pytest.raises(NotFoundError):
            sites.get_site(session, other.id, site.id)  # another tenant's id reveals nothing
        sites.remove_site(session, site)
        assert sites.list_sites(session, acme.id) == []


def test_install_check_states_and_bounded_refusals(services_any_catalog: Services) -> None:
    now = utcnow().replace(microsecond=123456)
    with services_any_catalog.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        site = sites.add_site(session, acme, domain="shop.acme.example")
        assert install_check(session, site, now).state == "waiting"
        for n in range(MAX_ORIGINS_PER_OUTCOME + 15):  # a flood of forged origins
            at = now - timedelta(minutes=60 - n)
            record(session, site.id, f"https://evil{n}.example", REFUSED, 1, at)
        check = install_check(session, site, now)
        assert check.state == "refused"
        assert len(check.refused) == MAX_ORIGINS_PER_OUTCOME
        assert check.refused[0].origin == f"https://evil{MAX_ORIGINS_PER_OUTCOME + 14}.example"
        assert "events refused for origin https://evil34.example" in check.message
        record(
            session, site.id, "https://shop.acme.example", ACCEPTED, 3, now - timedelta(minutes=2)
        )
        check = install_check(session, site, now)
        assert check.state == "ok"
        assert check.message.startswith(
            "last event received 2 minutes ago from https://shop.acme.example"
        )
        rows = session.query(SiteOriginActivity).filter_by(site_id=site.id).count()
        assert rows == MAX_ORIGINS_PER_OUTCOME + 1


def test_recorder_writes_at_most_once_per_window(services: Services) -> None:
    with services.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        site_id = sites.add_site(session, acme, domain="shop.acme.example").id
    recorder = ActivityRecorder(services.catalog)
    start = utcnow()
    assert recorder.note(site_id, "https://shop.acme.example", ACCEPTED, start)
    recorder.flush()
    due = [
        recorder.note(site_id, "https://shop.acme.example", ACCEPTED, start + timedelta(seconds=s))
        for s in (1, 2, 3)
    ]
    assert due == [False, False, False]  # counted in memory, not written per event
    assert recorder.note(
        site_id, "https://shop.acme.example", ACCEPTED, start + timedelta(seconds=11)
    )
    recorder.flush()
    with services.catalog.session() as session:
        row = session.get(SiteOriginActivity, (site_id, "https://shop.acme.example", ACCEPTED))
        assert row is not None
        assert row.count == 5
        assert row.last_at == start + timedelta(seconds=11)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2, "just now"),
        (42, "42 seconds ago"),
        (61, "1 minute ago"),
        (7300, "2 hours ago"),
        (86_400 * 3, "3 days ago"),
    ],
)
def test_ago(seconds: int, text: str) -> None:
    assert ago(timedelta(seconds=seconds)) == text


def test_a_failing_catalog_never_fails_collection(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with services.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        site_id = sites.add_site(session, acme, domain="shop.acme.example").id
    recorder = ActivityRecorder(services.catalog)
    recorder.note(site_id, "https://shop.acme.example", ACCEPTED, utcnow())
    services.catalog.engine.dispose()
    with services.catalog.engine.begin() as connection:  # the table is gone: writes fail
        connection.exec_driver_sql("DROP TABLE site_origin_activity")
    recorder.flush()  # logged, not raised
    assert "site activity not recorded (1 origins)" in caplog.text
