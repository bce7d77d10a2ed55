"""Error types that carry a stable code and a message a user can act on."""

from __future__ import annotations


class MercatoError(Exception):
    """Base of every error Mercato raises on purpose; `code` is stable for APIs and tests."""

    code = "mercato_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

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

    def __init__(self, message: str, *, location: str | None = None, code: str | None = None):
        super().__init__(f"{location}: {message}" if location else message, code=code)
        self.location = location
        self.reason = message


class AuthError(MercatoError):
    code = "not_authenticated"


class PermissionDenied(MercatoError):
    code = "permission_denied"
