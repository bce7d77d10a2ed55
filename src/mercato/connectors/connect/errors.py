"""Error codes of the connect flows, as API answers and the CLI name them."""

from __future__ import annotations

from enum import StrEnum


class ConnectError(StrEnum):
    NO_APP = "no_app_credentials"
    UNKNOWN_PLATFORM = "unknown_platform"
    BAD_STATE = "bad_state"
    DENIED = "access_denied"
    EXCHANGE_FAILED = "token_exchange_failed"
    REFRESH_FAILED = "refresh_failed"
    NO_ACCOUNTS = "no_accounts_granted"
