"""What can go wrong talking to a platform, in the words the sync runner acts on."""

from __future__ import annotations


class PlatformError(Exception):
    """A platform answered with an error we cannot work around."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class TokenRejected(PlatformError):
    """The account's token expired, was revoked or lacks a permission: someone must act."""

    def __init__(
        self, message: str, *, account_status: str, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.account_status = account_status  # token_expired | token_invalid | missing_permission


class RateLimited(PlatformError):
    """Throttled; `retry_after_s` says how long the platform wants us to wait."""

    def __init__(
        self, message: str, *, retry_after_s: float, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after_s = retry_after_s


class MetricUnavailable(PlatformError):
    """A requested metric is deprecated/unsupported (e.g. IG `impressions` after v22)."""
