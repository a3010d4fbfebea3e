"""Standard Webhooks signatures: the `whsec_` secret (configured, or derived from the seed), its HMAC key,
and the `webhook-signature` value of one message."""

from __future__ import annotations

import base64
import hashlib
import hmac


def default_secret(seed: int) -> str:
    """A stable `whsec_` secret for a seed, used when none is configured."""
    digest = hashlib.blake2b(f"{seed}:webhook-secret".encode(), digest_size=32).digest()
    return "whsec_" + base64.b64encode(digest).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`, or the string itself without that prefix."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[6:])
    return secret.encode()


def check_secret(secret: str) -> str:
    """Raise ValueError when a `whsec_` secret is not valid base64."""
    if secret.startswith("whsec_"):
        try:
            base64.b64decode(secret[6:], validate=True)
        except ValueError:
            raise ValueError("a whsec_ secret must be followed by base64") from None
    return secret


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one message (Standard Webhooks, version 1)."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
