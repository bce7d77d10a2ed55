"""Scheduled reports delivered to a real SMTP server: the figures equal the API's, a refused
delivery is retried with back-off and set aside after the last attempt, and a frozen clock
drives a daily schedule across a DST change (08:00 local on both sides)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from mercato.catalog.models import ReportDelivery, ReportSchedule, Workspace
from mercato.core.secret_box import SecretBox
from mercato.runtime import Services
from mercato.sharing.reports import MAX_ATTEMPTS, create_schedule, retry_delay, run_due
from mercato.sharing.runner import ReportScheduler
from mercato.sharing.schemas import Cadence, ScheduleCreate, ViewName, ViewParameters
from mercato.web.report_views import renderer
from tests.sharing.smtp_server import attachments, html_of, smtp_server
from tests.sharing.support import RANGE, Owner, set_up

ITEM = re.compile(r'<li id="(kpi-[\w-]+)">[^<]*: <b>([^<]*)</b></li>')


def _configure_smtp(owner: Owner, port: int) -> None:
    body = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "reports@shop.example",
        "username": "",
        "password": "s3cret-pass",
    }
    saved = owner.client.put("/api/v1/smtp", json=body, headers={"x-csrf-token": owner.csrf})
    assert saved.status_code == 200, saved.text
    assert saved.json()["has_password"] is True
    assert "s3cret" not in saved.text


def _box(services: Services) -> SecretBox:
    return SecretBox(services.settings.resolved_secret_key())


def test_delivered_with_the_api_figures_and_retried_once(
    services: Services, live_server: str
) -> None:
    owner = set_up(services, live_server)
    with smtp_server() as (mailbox, port):
        _configure_smtp(owner, port)
        made = owner.post(
            "/api/v1/report-schedules",
            json={
                "view": "overview",
                "cadence": "daily",
                "send_hour": 8,
                "parameters": RANGE,
                "recipients": ["cmo@shop.example", "ceo@shop.example"],
                "attach_csv": True,
            },
        )
        assert made.status_code == 201, made.text
        run_at = datetime.fromisoformat(made.json()["next_run_at"])
        mailbox.refuse = 1
        render, box = renderer(services), _box(services)
        assert run_due(services.catalog, render, box, run_at - timedelta(seconds=1)) == {}
        assert run_due(services.catalog, render, box, run_at) == {"pending": 1}
        assert mailbox.refused == 1
        assert mailbox.messages == []
        early = run_at + retry_delay(1) - timedelta(seconds=1)
        assert run_due(services.catalog, render, box, early) == {}  # the back-off holds
        assert run_due(services.catalog, render, box, run_at + retry_delay(1)) == {"sent": 1}
        (message,) = mailbox.messages
        assert message["To"] == "cmo@shop.example, ceo@shop.example"
        assert message["From"] == "reports@shop.example"
        figures = dict(ITEM.findall(html_of(message)))
        api = owner.client.get("/api/v1/kpis", params=RANGE).json()["rows"]
        expected = {f"kpi-{row['kpi']}": row["display"] for row in api}
        assert len(figures) == 4
        assert all(figures[key] == expected[key] for key in figures), (
            figures,
            expected,
        )
        assert html_of(message).count("<svg") == 2
        (csv_text,) = attachments(message).values()
        assert csv_text.startswith("Channel,Sessions,Transactions")
        deliveries = owner.client.get("/api/v1/report-deliveries").json()
        assert [(d["status"], d["attempts"]) for d in deliveries] == [("sent", 2)]


def test_failures_are_set_aside_and_send_now_previews(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    with smtp_server() as (mailbox, port):
        _configure_smtp(owner, port)
        made = owner.post(
            "/api/v1/report-schedules",
            json={
                "view": "traffic",
                "cadence": "weekly",
                "recipients": ["a@shop.example"],
                "include_goals": True,
                "change_threshold_pct": 5,
            },
        ).json()
        mailbox.refuse = MAX_ATTEMPTS + 1
        render, box, now = (
            renderer(services),
            _box(services),
            datetime.fromisoformat(made["next_run_at"]),
        )
        for attempt in range(1, MAX_ATTEMPTS + 1):
            outcome = run_due(services.catalog, render, box, now)
            assert outcome == ({"set_aside": 1} if attempt == MAX_ATTEMPTS else {"pending": 1})
            now += retry_delay(attempt)
        assert run_due(services.catalog, render, box, now + timedelta(days=1)) == {}  # never again
        assert mailbox.refused == MAX_ATTEMPTS
        assert 'id="set-aside">1 set aside' in owner.client.get("/settings/sharing").text
        mailbox.refuse = 0
        preview = owner.post(f"/api/v1/report-schedules/{made['id']}/send-now")
        assert preview.json()["status"] == "sent", preview.text
        (message,) = mailbox.messages
        html = html_of(message)
        assert "Traffic" in message["Subject"]
        assert 'id="goals"' in html


def test_unchanged_figures_are_not_sent(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    with smtp_server() as (mailbox, port):
        _configure_smtp(owner, port)
        made = owner.post(
            "/api/v1/report-schedules",
            json={
                "view": "overview",
                "cadence": "daily",
                "parameters": RANGE,
                "recipients": ["a@shop.example"],
                "change_threshold_pct": 1,
            },
        ).json()
        render, box = renderer(services), _box(services)
        first = datetime.fromisoformat(made["next_run_at"])
        assert run_due(services.catalog, render, box, first) == {"sent": 1}
        # a fixed range: the same figures the next day, so nothing is sent
        assert run_due(services.catalog, render, box, first + timedelta(days=1)) == {"unchanged": 1}
        assert len(mailbox.messages) == 1


def test_frozen_clock_across_a_dst_change(services: Services, live_server: str) -> None:
    """America/New_York springs forward on 2024-03-10: 08:00 local is 13:00 UTC the day
    before and 12:00 UTC that day; each e-mail covers the local day before its run."""
    owner = set_up(services, live_server, time_zone="America/New_York")
    clock = [datetime(2024, 3, 8, 14, 0)]
    with smtp_server() as (mailbox, port):
        _configure_smtp(owner, port)
        with services.catalog.session() as session:
            workspace = session.get(Workspace, owner.workspace_id)
            assert workspace is not None
            data = ScheduleCreate(
                view=ViewName.OVERVIEW,
                cadence=Cadence.DAILY,
                send_hour=8,
                recipients=["a@shop.example"],
                parameters=ViewParameters(),
            )
            schedule_id = create_schedule(session, workspace, data, now=clock[0]).id
        scheduler = ReportScheduler(
            services.catalog, renderer(services), _box(services), 60, clock=lambda: clock[0]
        )
        runs = []
        for _ in range(4 * 24):  # four days, one tick an hour
            clock[0] += timedelta(hours=1)
            if scheduler.run_once():
                runs.append(clock[0])
        with services.catalog.session() as session:
            sent = session.scalars(select(ReportDelivery).order_by(ReportDelivery.created_at)).all()
            periods = [(d.period_start, d.status) for d in sent]
            after = session.get(ReportSchedule, schedule_id)
            assert after is not None
            next_run = after.next_run_at
    assert runs == [
        datetime(2024, 3, 9, 13),
        datetime(2024, 3, 10, 12),
        datetime(2024, 3, 11, 12),
        datetime(2024, 3, 12, 12),
    ]
    assert periods == [
        ("2024-03-08", "sent"),
        ("2024-03-09", "sent"),
        ("2024-03-10", "sent"),
        ("2024-03-11", "sent"),
    ]
    assert next_run == datetime(2024, 3, 13, 12)
    assert len(mailbox.messages) == 4
    assert "2024-03-09" in mailbox.messages[1]["Subject"]
