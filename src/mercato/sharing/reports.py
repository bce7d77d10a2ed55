"""Scheduled reports: schedules, their deliveries, and sending with bounded retries.

A due schedule gets one delivery per run (a server that was down for three runs sends the
latest once, not three times). A delivery is attempted at most `MAX_ATTEMPTS` times with a
doubling back-off; after that it is set aside (status `set_aside`, counted in Settings),
never retried forever. "Send only if something changed beyond X%" compares the view's
figures with the last ones sent; a delivery with nothing to say is marked `unchanged`.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import ReportDelivery, ReportSchedule, Workspace
from mercato.catalog.owned import get_owned
from mercato.core.secret_box import SecretBox
from mercato.core.timeutil import utcnow
from mercato.sharing import mail
from mercato.sharing.email_report import build_message
from mercato.sharing.periods import default_period, local_day, next_run, period_days
from mercato.sharing.schemas import (
    Cadence,
    DeliveryPublic,
    DeliveryStatus,
    Period,
    ScheduleCreate,
    SchedulePublic,
    ViewName,
    ViewParameters,
)
from mercato.sharing.subjects import check_subject
from mercato.sharing.views import ReportView, changed_beyond

MAX_ATTEMPTS = 5
FIRST_RETRY_S = 60.0
# (workspace, view, parameters) → the view's data; provided by the web layer.
ViewRenderer = Callable[[Workspace, ViewName, ViewParameters], ReportView]
Sender = mail.Sender


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min, ... after the 1st, 2nd, 3rd failure."""
    return timedelta(seconds=FIRST_RETRY_S * 2 ** (attempts - 1))


def create_schedule(
    session: Session, workspace: Workspace, data: ScheduleCreate, now: datetime | None = None
) -> ReportSchedule:
    recipients = [
        mail.check_address(address, f"recipients[{n}]") for n, address in enumerate(data.recipients)
    ]
    check_subject(session, workspace.id, data.view, data.parameters)
    parameters = data.parameters
    if parameters.start is None and parameters.period is None:
        parameters = parameters.model_copy(update={"period": default_period(data.cadence)})
    schedule = ReportSchedule(
        workspace_id=workspace.id,
        view=data.view.value,
        parameters=parameters.model_dump(mode="json", exclude_none=True),
        cadence=data.cadence.value,
        send_hour=data.send_hour,
        weekday=data.weekday,
        month_day=data.month_day,
        recipients=recipients,
        attach_csv=data.attach_csv,
        include_goals=data.include_goals,
        change_threshold_pct=data.change_threshold_pct,
        next_run_at=next_run(
            data.cadence,
            data.send_hour,
            data.weekday,
            data.month_day,
            workspace.time_zone,
            now or utcnow(),
        ),
    )
    session.add(schedule)
    session.flush()
    return schedule


def list_schedules(session: Session, workspace_id: str) -> list[ReportSchedule]:
    query = select(ReportSchedule).where(ReportSchedule.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(ReportSchedule.created_at)))


def delete_schedule(session: Session, workspace_id: str, schedule_id: str) -> None:
    session.delete(get_owned(session, ReportSchedule, workspace_id, schedule_id, "schedule"))


def _period(schedule: ReportSchedule, run_at: datetime, time_zone: str) -> tuple[date, date]:
    parameters = ViewParameters.model_validate(schedule.parameters)
    if parameters.start is not None and parameters.end is not None:
        return parameters.start, parameters.end
    period = parameters.period or default_period(Cadence(schedule.cadence))
    return period_days(period, local_day(run_at, time_zone))


def _new_delivery(
    schedule: ReportSchedule, run_at: datetime, time_zone: str, preview: bool
) -> ReportDelivery:
    first, last = _period(schedule, run_at, time_zone)
    return ReportDelivery(
        workspace_id=schedule.workspace_id,
        schedule_id=schedule.id,
        status=DeliveryStatus.PENDING.value,
        preview=preview,
        period_start=first.isoformat(),
        period_end=last.isoformat(),
        next_attempt_at=run_at,
    )


def queue_due(session: Session, now: datetime) -> int:
    """One delivery for every active schedule whose run time has come; advances them."""
    due = session.scalars(
        select(ReportSchedule).where(
            ReportSchedule.active.is_(True), ReportSchedule.next_run_at <= now
        )
    ).all()
    for schedule in due:
        workspace = session.get(Workspace, schedule.workspace_id)
        assert workspace is not None  # cascade: a schedule never outlives its workspace
        session.add(_new_delivery(schedule, schedule.next_run_at, workspace.time_zone, False))
        schedule.next_run_at = next_run(
            Cadence(schedule.cadence), schedule.send_hour, schedule.weekday,
            schedule.month_day, workspace.time_zone, now,
        )  # fmt: skip
    session.flush()
    return len(due)


def queue_preview(session: Session, workspace_id: str, schedule_id: str) -> ReportDelivery:
    """ "Send now": a delivery of the current period, due at once, ignoring the threshold."""
    schedule = get_owned(session, ReportSchedule, workspace_id, schedule_id, "schedule")
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    delivery = _new_delivery(schedule, utcnow(), workspace.time_zone, True)
    session.add(delivery)
    session.flush()
    return delivery


def _views(
    workspace: Workspace, schedule: ReportSchedule, delivery: ReportDelivery,
    render: ViewRenderer,
) -> list[ReportView]:  # fmt: skip
    parameters = ViewParameters.model_validate(schedule.parameters).model_copy(
        update={
            "start": date.fromisoformat(delivery.period_start),
            "end": date.fromisoformat(delivery.period_end),
            "period": None,
        }
    )
    views = [render(workspace, ViewName(schedule.view), parameters)]
    if schedule.include_goals and schedule.view != ViewName.GOALS:
        views.append(render(workspace, ViewName.GOALS, parameters))
    return views


def attempt(
    session: Session, delivery: ReportDelivery, render: ViewRenderer, box: SecretBox,
    now: datetime, sender: Sender = mail.send,  # type: ignore[assignment]
) -> DeliveryStatus:  # fmt: skip
    """Try to send one pending delivery now; records the outcome on it."""
    schedule = session.get(ReportSchedule, delivery.schedule_id)
    workspace = session.get(Workspace, delivery.workspace_id)
    assert schedule is not None
    assert workspace is not None
    delivery.attempts += 1
    try:
        views = _views(workspace, schedule, delivery, render)
        figures = {k: v for view in views for k, v in view.figures().items()}
        threshold = schedule.change_threshold_pct
        if (
            not delivery.preview
            and threshold is not None
            and not changed_beyond(schedule.last_figures, figures, threshold)
        ):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.UNCHANGED.value, None
            return DeliveryStatus.UNCHANGED
        subject = f"{views[0].title} · {workspace.name} · {delivery.period_start}"
        if delivery.period_end != delivery.period_start:
            subject += f" to {delivery.period_end}"
        message = build_message(views, schedule.recipients, subject, schedule.attach_csv)
        sender(mail.smtp_config(session, workspace.id, box), message)
    except (OSError, smtplib.SMTPException, Exception) as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.SET_ASIDE.value, None
            return DeliveryStatus.SET_ASIDE
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        return DeliveryStatus.PENDING
    delivery.status, delivery.sent_at, delivery.next_attempt_at = (
        DeliveryStatus.SENT.value, now, None,
    )  # fmt: skip
    if not delivery.preview:
        schedule.last_figures = figures
    return DeliveryStatus.SENT


def run_due(
    catalog: Catalog, render: ViewRenderer, box: SecretBox, now: datetime,
    sender: Sender = mail.send,
) -> dict[str, int]:  # fmt: skip
    """Queue due schedules, then attempt every delivery whose time has come."""
    with catalog.session() as session:
        queue_due(session, now)
        due_ids = list(
            session.scalars(
                select(ReportDelivery.id).where(
                    ReportDelivery.status == DeliveryStatus.PENDING.value,
                    ReportDelivery.next_attempt_at <= now,
                )
            )
        )
    outcomes: dict[str, int] = {}
    for delivery_id in due_ids:  # one unit of work each: one failure never undoes another
        with catalog.session() as session:
            delivery = session.get(ReportDelivery, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
                continue
            status = attempt(session, delivery, render, box, now, sender)
        outcomes[status.value] = outcomes.get(status.value, 0) + 1
    return outcomes


def list_deliveries(session: Session, workspace_id: str, limit: int = 100) -> list[ReportDelivery]:
    query = select(ReportDelivery).where(ReportDelivery.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(ReportDelivery.created_at.desc()).limit(limit)))


def set_aside_count(session: Session, workspace_id: str) -> int:
    query = select(func.count()).where(
        ReportDelivery.workspace_id == workspace_id,
        ReportDelivery.status == DeliveryStatus.SET_ASIDE.value,
    )
    return int(session.scalar(query) or 0)


def schedule_public(row: ReportSchedule) -> SchedulePublic:
    return SchedulePublic(
        id=row.id, view=ViewName(row.view), parameters=dict(row.parameters),
        cadence=Cadence(row.cadence), send_hour=row.send_hour, weekday=row.weekday,
        month_day=row.month_day, recipients=list(row.recipients), attach_csv=row.attach_csv,
        include_goals=row.include_goals, change_threshold_pct=row.change_threshold_pct,
        next_run_at=row.next_run_at, active=row.active,
    )  # fmt: skip


def delivery_public(row: ReportDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=row.id, schedule_id=row.schedule_id, status=DeliveryStatus(row.status),
        preview=row.preview, period_start=date.fromisoformat(row.period_start),
        period_end=date.fromisoformat(row.period_end), attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at,
    )  # fmt: skip


__all__ = ["MAX_ATTEMPTS", "Period", "run_due"]
