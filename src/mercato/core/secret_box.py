"""Secrets at rest: values such as an SMTP password are stored encrypted, never in the clear.

The key is derived from the install's secret key (`Settings.resolved_secret_key`) with
HKDF-SHA256 and a fixed, purpose-named salt, so one secret key gives one stable encryption
key and rotating the secret key makes old ciphertexts unreadable (they must be entered
again). Fernet is AES-128-CBC with an HMAC-SHA256 tag: tampering is detected, not decoded.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mercato.core.errors import SettingsError

_SALT = b"mercato.secret_box.v1"


class SecretBox:
    """Encrypt and decrypt short text secrets with a key derived from `secret_key`."""

    def __init__(self, secret_key: str, purpose: str = "catalog-secrets") -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode()
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise SettingsError(
                "a stored secret cannot be decrypted: the secret key changed since it was "
                "saved; enter it again"
            ) from None
