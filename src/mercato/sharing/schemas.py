"""Public/Create models of the sharing domain, shared by the API and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ViewName(StrEnum):
    """Report views that can be shared, scheduled and exported. A new view is added here
    and given a builder in `web.report_views.BUILDERS`."""

    OVERVIEW = "overview"
    FUNNEL = "funnel"
    TRAFFIC = "traffic"
    ATTRIBUTION = "attribution"
    UGC_PERFORMANCE = "ugc_performance"
    GOALS = "goals"
    EXPERIMENT = "experiment"  # one experiment's results (`experiment_id`)
    SEGMENT = "segment"  # one segment's size and KPIs (`segment_id`), optionally vs another


# The views that show one thing of the workspace: the parameter naming it is required.
SUBJECT_PARAMETER = {ViewName.EXPERIMENT: "experiment_id", ViewName.SEGMENT: "segment_id"}


class Period(StrEnum):
    """A range relative to a local day (a scheduled report's run day, or a link's today)."""

    PREVIOUS_DAY = "previous_day"
    PREVIOUS_WEEK = "previous_week"  # Monday..Sunday before
    PREVIOUS_MONTH = "previous_month"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due, or waiting for its next attempt
    SENT = "sent"
    UNCHANGED = "unchanged"  # nothing moved beyond the threshold: not sent
    SET_ASIDE = "set_aside"  # every attempt failed; kept and counted, never retried


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class ViewParameters(BaseModel):
    """What a view shows: a fixed range or a relative period, and filters (dim → values)."""

    start: date | None = None
    end: date | None = None
    period: Period | None = None
    filters: dict[str, list[str]] = Field(default_factory=dict)
    experiment_id: str | None = Field(default=None, min_length=1, max_length=100)
    segment_id: str | None = Field(default=None, min_length=1, max_length=100)
    compare_segment_id: str | None = Field(default=None, min_length=1, max_length=100)


class ShareLinkCreate(BaseModel):
    view: ViewName
    parameters: ViewParameters = Field(default_factory=ViewParameters)
    label: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    expires_at: datetime | None = None
    embed_origins: list[str] = Field(default_factory=list, max_length=20)


class ShareLinkPublic(BaseModel):
    id: str
    view: ViewName
    parameters: dict[str, Any]
    label: str
    has_password: bool
    embed_origins: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_by: str
    created_at: datetime


class ShareLinkCreated(ShareLinkPublic):
    """Returned once, on creation: the token is never shown (or stored) again."""

    token: str
    url: str
    embed_url: str


class SmtpSettingsInput(BaseModel):
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str = Field(default="", max_length=320)
    password: str | None = Field(default=None, max_length=500)  # None keeps the stored one
    sender: str = Field(min_length=3, max_length=320)


class SmtpSettingsPublic(BaseModel):
    host: str
    port: int
    security: SmtpSecurity
    username: str
    has_password: bool
    sender: str


class ScheduleCreate(BaseModel):
    view: ViewName
    parameters: ViewParameters = Field(default_factory=ViewParameters)
    cadence: Cadence
    send_hour: int = Field(default=8, ge=0, le=23)
    weekday: int = Field(default=0, ge=0, le=6, description="0 = Monday (weekly)")
    month_day: int = Field(default=1, ge=1, le=28, description="monthly")
    recipients: list[str] = Field(min_length=1, max_length=50)
    attach_csv: bool = False
    include_goals: bool = False
    change_threshold_pct: float | None = Field(default=None, ge=0, le=10_000)


class SchedulePublic(BaseModel):
    id: str
    view: ViewName
    parameters: dict[str, Any]
    cadence: Cadence
    send_hour: int
    weekday: int
    month_day: int
    recipients: list[str]
    attach_csv: bool
    include_goals: bool
    change_threshold_pct: float | None
    next_run_at: datetime
    active: bool


class DeliveryPublic(BaseModel):
    id: str
    schedule_id: str
    status: DeliveryStatus
    preview: bool
    period_start: date
    period_end: date
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None
