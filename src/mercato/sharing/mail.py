"""The workspace's SMTP server: stored with its password sealed, used for every e-mail
Mercato sends (scheduled reports, creator reward codes)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import SmtpServer
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.secret_box import SecretBox
from mercato.core.timeutil import utcnow
from mercato.sharing.errors import SharingError
from mercato.sharing.schemas import SmtpSecurity, SmtpSettingsInput, SmtpSettingsPublic

SEND_TIMEOUT_S = 20.0
Sender = Callable[["SmtpConfig", EmailMessage], None]


def check_address(text: str, where: str) -> str:
    """One plain e-mail address (no display name, no header tricks)."""
    name, address = parseaddr(text.strip())
    local, _, domain = address.rpartition("@")
    if (
        name
        or not local
        or "." not in domain
        or any(c in address for c in " \r\n,;<>\"'")
        or address != text.strip()
    ):
        raise ValidationFailed(
            f"{text!r} is not an e-mail address", location=where, code=SharingError.BAD_RECIPIENT
        )
    return address


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: SmtpSecurity
    username: str
    password: str
    sender: str


def save_smtp(
    session: Session, workspace_id: str, data: SmtpSettingsInput, box: SecretBox
) -> SmtpServer:
    sender = check_address(data.sender, "smtp.sender")
    if any(c in data.host for c in " /\r\n"):
        raise ValidationFailed("not a host name", location="smtp.host", code=SharingError.BAD_SMTP)
    row = session.scalar(select(SmtpServer).where(SmtpServer.workspace_id == workspace_id))
    row = row or SmtpServer(workspace_id=workspace_id, password_sealed="")
    row.host, row.port, row.security = data.host.strip(), data.port, data.security.value
    row.username, row.sender, row.updated_at = data.username.strip(), sender, utcnow()
    if data.password is not None:  # None keeps the stored password; "" removes it
        row.password_sealed = box.seal(data.password) if data.password else ""
    session.add(row)
    session.flush()
    return row


def smtp_row(session: Session, workspace_id: str) -> SmtpServer | None:
    return session.scalar(select(SmtpServer).where(SmtpServer.workspace_id == workspace_id))


def smtp_config(session: Session, workspace_id: str, box: SecretBox) -> SmtpConfig:
    row = smtp_row(session, workspace_id)
    if row is None:
        raise NotFoundError(
            "no SMTP server is configured: set one in Settings → E-mail", code=SharingError.NO_SMTP
        )
    password = box.open(row.password_sealed) if row.password_sealed else ""
    return SmtpConfig(
        row.host, row.port, SmtpSecurity(row.security), row.username, password, row.sender
    )


def smtp_public(row: SmtpServer) -> SmtpSettingsPublic:
    return SmtpSettingsPublic(
        host=row.host,
        port=row.port,
        security=SmtpSecurity(row.security),
        username=row.username,
        has_password=bool(row.password_sealed),
        sender=row.sender,
    )


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver `message`; raises OSError / smtplib.SMTPException when the server refuses."""
    if "From" not in message:
        message["From"] = config.sender
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.security is SmtpSecurity.TLS:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=SEND_TIMEOUT_S, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=SEND_TIMEOUT_S)
    with client:
        if config.security is SmtpSecurity.STARTTLS:
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password)
        client.send_message(message)
