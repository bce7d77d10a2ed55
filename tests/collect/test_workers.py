"""`mercato serve --workers N` (ADR 0604): the real server, an owner and N intake workers.

Killing an intake worker (`kill -9`) mid-load, then the owner, loses no acknowledged event and
stores none twice; every other route answers through the workers; the CLI still runs its
commands inside the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mercato.catalog.db import Catalog
from mercato.catalog.models import SiteOriginActivity
from mercato.collect.wal import read_frames
from mercato.runtime import Services
from mercato.warehouse.connection import Warehouse
from mercato.web.intake_worker import IntakeWorkerApp, WorkerOrders, intake_worker_app
from mercato.web.owner_link import FromIntakeWorkers, worker_headers
from tests.collect.conftest import CHROME
from tests.conftest import make_settings
from tests.support.brands import make_brand
from tests.support.postgres import free_port
from tests.support.server import login

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "long-enough-pw"


def _env(data_dir: Path, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    return {
        **env,
        "MERCATO_DATA_DIR": str(data_dir),
        "MERCATO_SECRET_KEY": secret,
        "PYTHONPATH": str(ROOT / "src"),
        # Several load threads from one address: a per-client budget would throttle the load.
        "MERCATO_COLLECT_RATE_LIMIT_PER_MINUTE": "100000000",
        "COLUMNS": "200",
    }


def cli(data_dir: Path, secret: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mercato.cli", *args],
        capture_output=True,
        text=True,
        env=_env(data_dir, secret),
        cwd=data_dir.parent,
        timeout=120,
        check=False,
    )


def children_of(pid: int) -> list[int]:
    """The live intake worker processes of the owner `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z" and b"intake_worker" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def wait_for(check: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(check) or not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Server:
    """`mercato serve --workers N` in its own process, from the data dir's parent folder."""

    def __init__(self, data_dir: Path, secret: str, workers: int) -> None:
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mercato.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=_env(data_dir, secret),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=data_dir.parent,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"server did not start: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        wait_for(lambda: len(self.worker_pids()) == workers, "every intake worker")

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")


def _load(
    base: str, key: str, stop: threading.Event, acked: set[str], sent: set[str], n: int
) -> None:
    """Post singles and batches of 20 on fresh and kept connections; remember the 202s."""
    batch = 0
    while not stop.is_set():
        # A new connection every few posts: the kernel hands them to different workers.
        with httpx.Client(base_url=base, headers={"user-agent": CHROME}, timeout=10) as client:
            for _ in range(5):
                if stop.is_set():
                    return
                batch += 1
                ids = [
                    f"t{n}-{batch}-{i}-{secrets.token_hex(3)}" for i in range(batch % 2 * 19 + 1)
                ]
                sent.update(ids)
                events = [
                    {
                        "name": "pageview",
                        "url": f"https://acme.example/p/{i}?q=%E2%9C%93",
                        "event_id": i,
                        "visitor_id": f"v{n}-{batch % 7}",
                        "consent": True,
                    }
                    for i in ids
                ]
                try:
                    response = client.post("/api/collect", json={"key": key, "events": events})
                except httpx.HTTPError:
                    break  # the process died mid-request: nothing acknowledged; reconnect
                if response.status_code == 202:
                    assert response.json()["accepted"] == len(ids)
                    acked.update(ids)


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end on a thread of its own: a browser test earlier in the run
    (Playwright's sync API) leaves an event loop running on this one, where asyncio.run fails."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextmanager
def load(base: str, key: str, acked: set[str], sent: set[str]) -> Iterator[None]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=_load, args=(base, key, stop, acked, sent, n)) for n in range(4)
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _new_site(data_dir: Path, secret: str) -> str:
    """A workspace, an owner and a site made through the CLI; the site's public key."""
    created = cli(data_dir, secret, "workspaces", "create", "acme", "--name", "Acme Co")
    assert created.returncode == 0, created.stderr
    user = cli(
        data_dir,
        secret,
        "users",
        "create",
        "ana@acme.example",
        "--workspace",
        "acme",
        "--role",
        "owner",
        "--password",
        PASSWORD,
    )
    assert user.returncode == 0, user.stderr
    site = cli(
        data_dir,
        secret,
        "sites",
        "add",
        "acme.example",
        "--workspace",
        "acme",
        "--origin",
        "https://acme.example",
    )
    assert site.returncode == 0, site.stderr
    found = re.search(r"key:\s+(pk_\S+)", site.stdout)
    assert found, site.stdout
    return found.group(1)


def _stored_counts(data_dir: Path) -> dict[str, int]:
    warehouse = Warehouse.open_duckdb(data_dir / "warehouse.duckdb")
    try:
        events = warehouse.raw_table("events")
        counts = warehouse.backend.to_pyarrow(
            events.group_by("event_id").aggregate(n=events.count())
        )
    finally:
        warehouse.close()
    return dict(zip(counts["event_id"].to_pylist(), counts["n"].to_pylist(), strict=True))


@pytest.mark.timeout(900)
def test_killing_a_worker_then_the_owner_loses_and_doubles_no_acknowledged_event(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"  # empty: the server makes the stores
    secret = secrets.token_urlsafe(40)
    acked: set[str] = set()
    sent: set[str] = set()

    server = Server(data_dir, secret, workers=2)
    key = _new_site(data_dir, secret)  # the CLI runs inside the running owner
    with load(server.base, key, acked, sent):
        time.sleep(2.0)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)  # an intake worker dies mid-load
        wait_for(
            lambda: victim not in server.worker_pids() and len(server.worker_pids()) == 2,
            "the supervisor to start the killed worker again",
        )
        before = len(acked)
        wait_for(lambda: len(acked) > before + 50, "intake through the new worker")
        workers = server.worker_pids()
        server.process.send_signal(signal.SIGKILL)  # then the owner (and its loaders) dies
        server.process.wait(timeout=30)
        # Its workers follow it (PR_SET_PDEATHSIG); what they acknowledged is in their logs.
        wait_for(lambda: all(_pid_gone(pid) for pid in workers), "the orphaned workers to stop")
    first_round = len(acked)
    assert first_round > 100

    # A start with more workers replays every log, the killed ones' included.
    server = Server(data_dir, secret, workers=3)
    with load(server.base, key, acked, sent):
        before = len(acked)
        wait_for(lambda: len(acked) > before + 100, "intake after the restart")
        os.kill(server.worker_pids()[-1], signal.SIGKILL)
        time.sleep(1.0)
    workers = server.worker_pids()
    assert server.stop() in (0, -signal.SIGTERM)  # a clean stop drains every log
    assert all(_pid_gone(pid) for pid in workers)
    assert len(acked) > first_round

    stored = _stored_counts(data_dir)
    assert acked - stored.keys() == set()  # nothing acknowledged is lost
    assert set(stored.values()) == {1}  # nothing is stored twice
    assert stored.keys() <= sent  # and nothing is stored that was not sent
    # Every log was moved in and checkpointed: no segment is left to replay.
    for log_dir in [data_dir / "wal", *sorted((data_dir / "wal" / "intake").iterdir())]:
        checkpoint = json.loads((log_dir / "checkpoint.json").read_text())
        segments = sorted(int(p.stem) for p in log_dir.glob("*.wal"))
        assert all(s >= checkpoint["segment"] for s in segments), log_dir


@pytest.mark.timeout(600)
def test_every_route_answers_through_any_worker_and_the_cli_forwards(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    secret = secrets.token_urlsafe(40)
    server = Server(data_dir, secret, workers=2)
    try:
        key = _new_site(data_dir, secret)
        # The owner listens only on its private socket: everything on the port passed a worker.
        for _ in range(6):  # a fresh connection each time, so both workers take some
            health = httpx.get(f"{server.base}/healthz", timeout=10)
            assert health.status_code == 200
            assert health.json()["checks"] == {"catalog": "ok", "warehouse": "ok", "loader": "ok"}
            assert health.headers["content-type"] == "application/json"
            assert health.headers.get_list("server") == ["uvicorn"]  # one, not one per hop
            root = httpx.get(f"{server.base}/api/v1/openapi.json", timeout=10)
            assert root.status_code == 200
            assert root.json()["info"]["title"] == "Mercato"
        with httpx.Client(base_url=server.base, timeout=10) as browser:
            page = browser.get("/login")
            assert page.status_code == 200
            assert 'name="csrf_token"' in page.text
            login(browser, "ana@acme.example", PASSWORD)  # form post, session cookie back
            home = browser.get("/", follow_redirects=True)
            assert home.status_code == 200
            assert "Acme Co" in home.text
            assert "content-security-policy" in home.headers
        # Another visitor, after that login, is not logged in: no session crosses requests.
        for _ in range(4):
            stranger = httpx.get(f"{server.base}/", follow_redirects=True, timeout=10)
            assert stranger.status_code == 200
            assert "Acme Co" not in stranger.text
            assert 'name="csrf_token"' in stranger.text  # the login form
        # A client cannot pose as a worker: the internal route is not on the port, and a
        # forged token header is replaced by the worker's own.
        hidden = httpx.post(f"{server.base}/_worker/site-activity", json=[], timeout=10)
        assert hidden.status_code == 404
        forged = httpx.get(
            f"{server.base}/healthz", headers={"x-mercato-worker": "forged"}, timeout=10
        )
        assert forged.status_code == 200

        # Intake on the workers; the install check they count reaches the owner's catalog.
        with httpx.Client(
            base_url=server.base,
            headers={"user-agent": CHROME, "origin": "https://acme.example"},
            timeout=10,
        ) as shop:
            for n in range(4):
                answer = shop.post(
                    "/api/collect",
                    json={"key": key, "name": "pageview", "url": f"https://acme.example/{n}"},
                )
                assert answer.status_code == 202, answer.text
                assert answer.headers["access-control-allow-origin"] == "https://acme.example"
        catalog = Catalog.from_url(f"sqlite:///{data_dir / 'catalog.sqlite'}")

        def activity() -> int:
            with catalog.session() as session:
                rows = session.query(SiteOriginActivity).all()
                return sum(r.count for r in rows if r.origin == "https://acme.example")

        wait_for(lambda: activity() >= 1, "the install check's first count")
        catalog.dispose()
        listed = cli(data_dir, secret, "sites", "list", "--workspace", "acme")
        assert listed.returncode == 0, listed.stderr
        assert "last event received" in listed.stdout
        assert "https://acme.example" in listed.stdout
        refused = cli(data_dir, secret, "serve", "--port", str(free_port()), "--workers", "2")
        assert refused.returncode != 0
        assert "already serves" in refused.stderr
    finally:
        assert server.stop() in (0, -signal.SIGTERM)
    stored = _stored_counts(data_dir)
    assert len(stored) == 4


async def _echo_client(request: Request) -> JSONResponse:
    client = request.client
    return JSONResponse(
        {"client": [client.host, client.port] if client else None, "headers": dict(request.headers)}
    )


def test_the_owner_takes_requests_only_with_the_runs_token() -> None:
    _run(_owner_checks())


async def _owner_checks() -> None:
    token = secrets.token_urlsafe(16)
    echo = Starlette(routes=[Route("/anything", _echo_client)])
    app = FromIntakeWorkers(echo, token, lambda: None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://owner") as owner:
        passed = {k.decode(): v.decode() for k, v in worker_headers(token, ("203.0.113.9", 51234))}
        answer = await owner.get("/anything", headers=passed)
        assert answer.status_code == 200
        assert answer.json()["client"] == ["203.0.113.9", 51234]
        assert "x-mercato-worker" not in answer.json()["headers"]  # not shown to the app
        wrong = {**passed, "x-mercato-worker": token[:-1] + ("A" if token[-1] != "A" else "B")}
        assert (await owner.get("/anything", headers=wrong)).status_code == 403
        assert (await owner.get("/anything")).status_code == 403
        bad = await owner.post(
            "/_worker/site-activity", headers=passed, content=b'[{"count": "many"}]'
        )
        assert bad.status_code == 422


def test_a_worker_takes_its_share_of_the_budget_and_logs_what_it_acknowledges(
    tmp_path: Path,
) -> None:
    """The intake app in-process, without an owner: collect works, the rest answers 503."""
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir).model_copy(update={"collect_rate_limit_per_minute": 5})
    services = Services.open(settings, upgrade=True)
    key = make_brand(services).site_public_key
    services.close()
    orders = WorkerOrders(
        settings, 2, 2, -1, tmp_path / "absent" / "owner.sock", secrets.token_urlsafe(16)
    )
    app = intake_worker_app(orders)
    intake = app.intake.state.collector  # type: ignore[attr-defined]
    intake.start()
    try:
        statuses = _run(_post_to_worker(app, key, 4))
    finally:
        intake.stop()
    # ceil(5 / 2) = 3 per worker: the two workers' budgets add up to the limit, never more.
    assert statuses[:4] == [202, 202, 202, 429]
    assert statuses[4:] == [503, 404]
    log_dir = data_dir / "wal" / "intake" / "2"
    logged = [
        row["event_id"]
        for segment in sorted(log_dir.glob("*.wal"))
        for payload, _ in read_frames(segment, 0, None)
        for row in json.loads(payload)
    ]
    assert logged == ["w-0", "w-1", "w-2"]  # exactly the acknowledged ones, in order


async def _post_to_worker(app: IntakeWorkerApp, key: str, posts: int) -> list[int]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    statuses = []
    async with httpx.AsyncClient(
        transport=transport, base_url="http://shop", headers={"user-agent": CHROME}
    ) as client:
        for n in range(posts):
            event = {
                "key": key,
                "name": "pageview",
                "url": "https://x.example/",
                "event_id": f"w-{n}",
            }
            statuses.append((await client.post("/api/collect", json=event)).status_code)
        health = await client.get("/healthz")  # the owner's route, and no owner runs
        assert health.json()["error"]["code"] == "unavailable"
        statuses.append(health.status_code)
        statuses.append((await client.post("/_worker/site-activity", json=[])).status_code)
    return statuses
