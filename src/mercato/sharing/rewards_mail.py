"""A creator's reward code by e-mail, through the workspace's SMTP server.

Sent when a grant first issues the code (the upload form) or when a coupon is issued by hand
on the Creators page. Best effort: without an SMTP server or an address nothing is sent, and
a refused delivery is logged and reported to the caller, not retried (the code is also shown
on the upload confirmation and on the Creators page).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy.orm import Session

from mercato.catalog.models import Creator, Workspace
from mercato.core.errors import NotFoundError
from mercato.core.secret_box import SecretBox
from mercato.sharing import mail
from mercato.ugc.rewards import issue_coupon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reward:
    code: str
    discount_pct: float | None
    email: str | None
    handle: str


def reward_message(workspace_name: str, reward: Reward) -> EmailMessage:
    message = EmailMessage()
    assert reward.email is not None
    message["To"] = reward.email
    message["Subject"] = f"Your reward code from {workspace_name}"
    discount = f" for {reward.discount_pct:g}% off" if reward.discount_pct else ""
    message.set_content(
        f"Hello @{reward.handle},\n\nthank you for sharing your content with {workspace_name}."
        f"\nYour personal code{discount} is:\n\n    {reward.code}\n\nUse it at checkout.\n"
    )
    return message


def issue_by_hand(session: Session, workspace_id: str, creator_id: str) -> Reward:
    """The creator's code (issued now if they had none), for the Creators page."""
    creator = session.get(Creator, creator_id)
    if creator is None or creator.workspace_id != workspace_id:
        raise NotFoundError(f"no creator {creator_id!r} in this workspace")
    code = issue_coupon(session, creator)
    session.flush()
    pct = float(creator.coupon_discount_pct) if creator.coupon_discount_pct is not None else None
    return Reward(code, pct, creator.email, creator.handle)


def reward_of(creator: Creator) -> Reward | None:
    if not creator.coupon_code:
        return None
    pct = float(creator.coupon_discount_pct) if creator.coupon_discount_pct is not None else None
    return Reward(creator.coupon_code, pct, creator.email, creator.handle)


def send_reward(
    session: Session, workspace: Workspace, reward: Reward, box: SecretBox,
    sender: mail.Sender = mail.send,
) -> bool:  # fmt: skip
    """True when the code was handed to the SMTP server."""
    if not reward.email or mail.smtp_row(session, workspace.id) is None:
        return False
    try:
        sender(mail.smtp_config(session, workspace.id, box), reward_message(workspace.name, reward))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("reward code e-mail to creator @%s failed: %s", reward.handle, exc)
        return False
    return True
