"""Tokens of the signed and presigned URLs the emulator hands out: an HMAC-SHA256 (256 bits) of what the
URL grants, keyed by a random secret the client never sees. The secret is made on first use and kept with
the other records (so under `--data-dir` it survives a restart; in memory it lives as long as the process or
until a reset). No output file contains a token, so outputs stay byte-identical for a seed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from emulator.engine.storage import MetadataStore

META = "meta"
SECRET_KEY = "url_signing_secret"
SECRET_BYTES = 32


def url_secret(store: MetadataStore) -> bytes:
    """The store's signing secret, made (and saved) on first use."""
    record = store.get(META, SECRET_KEY)
    if not isinstance(record, dict) or not isinstance(record.get("secret"), str):
        record = {"secret": secrets.token_hex(SECRET_BYTES)}
        store.put(META, SECRET_KEY, record)
    return bytes.fromhex(record["secret"])


def signed_token(store: MetadataStore, *parts: str) -> str:
    """A 64-hex-digit token for `parts`, unguessable without the store's secret."""
    return hmac.new(url_secret(store), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()
