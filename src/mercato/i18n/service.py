"""Which language a person reads the interface in: their own choice, else the workspace's
default, else (before login, or when neither is set) their browser's `Accept-Language`,
else English. Called by the routes and the CLI alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mercato.catalog.models import UserLanguage, WorkspaceLanguage
from mercato.core.timeutil import utcnow
from mercato.i18n.locales import DEFAULT_LANGUAGE, LANGUAGES, checked_language, negotiate
from mercato.i18n.schemas import LanguagesPublic


def user_language(session: Session, user_id: str | None) -> str | None:
    row = session.get(UserLanguage, user_id) if user_id else None
    return row.language if row else None


def workspace_language(session: Session, workspace_id: str | None) -> str | None:
    row = session.get(WorkspaceLanguage, workspace_id) if workspace_id else None
    return row.language if row else None


def effective_language(
    session: Session | None,
    user_id: str | None,
    workspace_id: str | None,
    accept_language: str | None,
) -> str:
    if session is not None:
        chosen = user_language(session, user_id) or workspace_language(session, workspace_id)
        if chosen in LANGUAGES:
            return chosen
    return negotiate(accept_language) or DEFAULT_LANGUAGE


def set_user_language(session: Session, user_id: str, language: str | None) -> str | None:
    """Store (or with None, clear) a user's language; returns the stored code."""
    row = session.get(UserLanguage, user_id)
    if language is None:
        if row is not None:
            session.delete(row)
        return None
    code = checked_language(language)
    if row is None:
        session.add(UserLanguage(user_id=user_id, language=code, updated_at=utcnow()))
    else:
        row.language, row.updated_at = code, utcnow()
    return code


def set_workspace_language(session: Session, workspace_id: str, language: str | None) -> str | None:
    row = session.get(WorkspaceLanguage, workspace_id)
    if language is None:
        if row is not None:
            session.delete(row)
        return None
    code = checked_language(language)
    if row is None:
        session.add(
            WorkspaceLanguage(workspace_id=workspace_id, language=code, updated_at=utcnow())
        )
    else:
        row.language, row.updated_at = code, utcnow()
    return code


def languages(
    session: Session, user_id: str | None, workspace_id: str | None, accept_language: str | None
) -> LanguagesPublic:
    return LanguagesPublic(
        user_language=user_language(session, user_id),
        workspace_language=workspace_language(session, workspace_id),
        effective=effective_language(session, user_id, workspace_id, accept_language),
        available=dict(LANGUAGES),
    )
