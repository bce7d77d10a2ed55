"""First run over the real server: an empty catalog opens /setup, which creates the first
workspace and owner once — a second or concurrent submission is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from mercato.catalog.models import Membership, User, Workspace
from mercato.runtime import Services
from tests.support.server import csrf_in

FORM = {
    "workspace_name": "Café Ünïcode & Co <b>",
    "time_zone": "America/Sao_Paulo",
    "currency": "brl",
    "email": "Owner@Cafe.example",
    "password": "a long enough password",
}


def _setup_client(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, follow_redirects=False)
    page = client.get("/setup")
    assert page.status_code == 200, page.text
    return client, csrf_in(page.text)


def test_first_run_creates_workspace_and_owner_once(services: Services, live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as anonymous:
        assert anonymous.get("/").headers["location"] == "/setup"
        assert 'href="/setup"' in anonymous.get("/login").text
    client, csrf = _setup_client(live_server)
    assert client.post("/setup", data=FORM).status_code == 403  # no CSRF token
    bad = client.post("/setup", data={**FORM, "time_zone": "Mars/Olympus", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "Mars/Olympus" in bad.text
    assert "Café Ünïcode &amp; Co &lt;b&gt;" in bad.text  # the form keeps (escaped) input
    done = client.post("/setup", data={**FORM, "csrf_token": csrf})
    assert done.status_code == 303
    assert done.headers["location"] == "/setup/site"
    me = client.get("/api/v1/me").json()
    assert (me["workspace"], me["role"]) == ("cafe-unicode-co-b", "owner")
    assert client.get("/setup/site").status_code == 200
    assert client.get("/setup").status_code == 404
    client.close()
    with httpx.Client(base_url=live_server, follow_redirects=False) as late:
        assert late.get("/setup").status_code == 404
        assert late.get("/").headers["location"].startswith("/login")
    with services.catalog.session() as session:
        workspace = session.scalars(select(Workspace)).one()
        assert (workspace.name, workspace.time_zone, workspace.currency) == (
            "Café Ünïcode & Co <b>",
            "America/Sao_Paulo",
            "BRL",
        )
        assert session.scalars(select(User.email)).all() == ["owner@cafe.example"]


def test_concurrent_first_runs_make_one_owner(services: Services, live_server: str) -> None:
    clients = [_setup_client(live_server) for _ in range(4)]

    def submit(index: int) -> int:
        client, csrf = clients[index]
        form = {**FORM, "email": f"owner{index}@cafe.example", "csrf_token": csrf}
        return client.post("/setup", data=form).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(submit, range(4)))
    assert statuses == [303, 404, 404, 404]
    with services.catalog.session() as session:
        assert len(session.scalars(select(User)).all()) == 1
        assert len(session.scalars(select(Membership)).all()) == 1
        assert len(session.scalars(select(Workspace)).all()) == 1
    for client, _ in clients:
        client.close()
