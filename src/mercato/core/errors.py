"""Error types that carry a stable code and a message a user can act on.

The message is English (the API, the CLI and the logs say it so). A message marked `N_()`
where it is raised, with its data as `params` (`%(name)s` in the message), is translated where
a page shows it (`translated`; docs/i18n.md, "Errors"); an unmarked one shows as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping


class MercatoError(Exception):
    """Base of every error Mercato raises on purpose; `code` is stable for APIs and tests."""

    code = "mercato_error"

    def __init__(
        self, message: str, *, code: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        self.message = message % self.params if params else message
        super().__init__(self.message)
        if code is not None:
            self.code = code

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of `gettext` (English when it is not in the catalogs)."""
        return _say(gettext, self.template, self.params)

    def __str__(self) -> str:
        return self.message


class SettingsError(MercatoError):
    """A setting is missing or invalid; the message names the setting."""

    code = "invalid_setting"


class DataDirError(MercatoError):
    """The data directory or one of its stores cannot be used."""

    code = "data_dir_unusable"


class NotFoundError(MercatoError):
    code = "not_found"


class ConflictError(MercatoError):
    code = "conflict"


class ValidationFailed(MercatoError):
    """Input was rejected; `location` says where (file, line, field)."""

    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ):
        reason = message % dict(params) if params else message
        super().__init__(f"{location}: {reason}" if location else reason, code=code)
        self.location = location
        self.reason = reason
        self.reason_template = message
        self.params = dict(params or {})

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The reason translated; the location (a file, line or field name) as it is."""
        reason = _say(gettext, self.reason_template, self.params)
        return f"{self.location}: {reason}" if self.location else reason


class AuthError(MercatoError):
    code = "not_authenticated"


class PermissionDenied(MercatoError):
    code = "permission_denied"


def _say(gettext: Callable[[str], str], template: str, params: Mapping[str, object]) -> str:
    if not params:
        return gettext(template)
    return gettext(template) % params
