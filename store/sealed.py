"""Secrets the database keeps sealed: each person's authenticator (TOTP) secret, encrypted with AES-256-GCM
under a key that lives outside the database (the engine reads it from the data folder or the settings and
hands it to `use_key`), so a copy of the database alone reveals none of them.

The AES key is derived from the configured key with HKDF-SHA256; each value has its own random nonce, and is
bound to its person's id (the associated data), so a sealed secret copied onto another person's row does not
open there.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "aesgcm1:"
"""What a sealed value starts with (a base32 secret never does): the format, should it ever change."""
NONCE = 12
_KEYS: WeakKeyDictionary[Engine, bytes] = WeakKeyDictionary()
"""Each engine's key material, as `use_key` was given it; its cipher is made when a secret is first sealed or
opened (`key_of`), so a command that touches no secret (`redress case show`) never loads the cryptography."""
_CIPHERS: WeakKeyDictionary[Engine, tuple[bytes, AESGCM]] = WeakKeyDictionary()


class Unsealable(ValueError):
    """A stored value that does not open with the key given (another key, or edited)."""


def cipher(material: bytes) -> AESGCM:
    """The AES-256-GCM cipher of the configured key (any long secret: HKDF makes it 32 bytes)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"redress: people.totp_secret").derive(material)
    return AESGCM(key)


def use_key(engine: Engine, material: bytes) -> None:
    """Seal and open the secrets read and written through `engine` with this key from now on."""
    _KEYS[engine] = bytes(material)


def key_of(connection: Connection) -> AESGCM | None:
    engine = connection.engine
    material = _KEYS.get(engine)
    if material is None:
        return None
    made = _CIPHERS.get(engine)
    if made is None or made[0] != material:  # the first use, or a key given since
        made = (material, cipher(material))
        _CIPHERS[engine] = made
    return made[1]


def _bound_to(person_id: int) -> bytes:
    return f"people.totp_secret:{person_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(key: AESGCM, secret: str, person_id: int) -> str:
    nonce = os.urandom(NONCE)
    sealed = key.encrypt(nonce, secret.encode(), _bound_to(person_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key: AESGCM, stored: str, person_id: int) -> str:
    """The secret a sealed value holds; Unsealable when this key (or this person) does not open it."""
    if not is_sealed(stored):
        raise Unsealable("the value is not sealed")
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX).encode("ascii"))
        return key.decrypt(raw[:NONCE], raw[NONCE:], _bound_to(person_id)).decode()
    except (InvalidTag, ValueError) as exc:
        raise Unsealable("the value does not open with this key") from exc
