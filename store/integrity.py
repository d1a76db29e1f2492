"""The integrity key's use in the store: a MAC on every audit event, access entry and checkpoint, and
the school-wide chains (the access log, the checkpoints).

The key lives outside the database (the engine reads it from the data folder or the settings and
hands it to `use_key`), so write access to the database alone can neither forge an event nor rebuild
a chain whose MACs still check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, insert, select, text

from .models import GENESIS, AccessEntry, Checkpoint, table_of

_KEYS: WeakKeyDictionary[Engine, bytes] = WeakKeyDictionary()
_LOCK_ACCESS = 0x5245_4441  # "REDA": serialises appends to the access log on PostgreSQL
_LOCK_CHECKPOINT = 0x5245_4443  # "REDC": and to the checkpoints


def use_key(engine: Engine, key: bytes) -> None:
    """Sign everything written through `engine` with `key` from now on."""
    _KEYS[engine] = key


def key_of(connection: Connection) -> bytes | None:
    return _KEYS.get(connection.engine)


def mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def sign(connection: Connection, digest: str) -> str | None:
    key = key_of(connection)
    return mac(key, digest) if key is not None else None


def mac_holds(key: bytes, digest: str, signature: str) -> bool:
    return hmac.compare_digest(mac(key, digest), signature)


def canonical_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def party_digest(parties: list[tuple[str, int | None, str | None, str | None, str | None]]) -> str:
    """SHA-256 over a case's parties (kind, person, reference, name, contact), in the order given."""
    return hashlib.sha256(json.dumps(parties, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


# --- the access log ---------------------------------------------------------------------------------


def access_content(values: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "seq": values["seq"],
        "at": values["at"].isoformat(timespec="microseconds"),
        "actor": values["actor"],
        "actor_id": values["actor_id"],
        "case": values["case_id"],
        "what": values["what"],
        "detail": values["detail"],
    }


_ACCESS = table_of(AccessEntry)
_ACCESS_TAIL = select(_ACCESS.c.seq, _ACCESS.c.hash).order_by(_ACCESS.c.seq.desc()).limit(1)
_ACCESS_INSERT = insert(_ACCESS)


def append_access(
    connection: Connection, *, at: datetime, actor: str, actor_id: int | None, case_id: int | None, what: str, detail: str = ""
) -> int:
    """Append one entry: the tail read from the unique index on seq, then one INSERT. Returns its seq."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_ACCESS})
    tail = connection.execute(_ACCESS_TAIL).first()
    seq, prev_hash = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
    values: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "actor_id": actor_id,
        "case_id": case_id,
        "what": what,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    values["hash"] = canonical_hash(prev_hash, access_content(values))
    values["mac"] = sign(connection, values["hash"])
    connection.execute(_ACCESS_INSERT, values)
    return seq


# --- checkpoints ------------------------------------------------------------------------------------


def heads_digest(heads: Iterable[tuple[int, int, str]]) -> str:
    """SHA-256 over every (case_id, head_seq, head_hash), given in case order."""
    digest = hashlib.sha256()
    for case_id, seq, head in heads:
        digest.update(f"{case_id}:{seq}:{head}\n".encode())
    return digest.hexdigest()


def checkpoint_content(values: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "seq": values["seq"],
        "at": values["at"].isoformat(timespec="microseconds"),
        "cases": values["cases"],
        "heads_digest": values["heads_digest"],
        "heads": values["heads"],
    }


_CHECKPOINTS = table_of(Checkpoint)


def append_checkpoint(
    connection: Connection, *, at: datetime, cases: int, digest: str, heads: dict[str, list[Any]]
) -> dict[str, Any]:
    """Append one checkpoint after the last; returns its row (seq, hash, mac included)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_CHECKPOINT})
    tail = connection.execute(
        select(_CHECKPOINTS.c.seq, _CHECKPOINTS.c.hash).order_by(_CHECKPOINTS.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
    values: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "cases": cases,
        "heads_digest": digest,
        "heads": heads,
        "prev_hash": prev_hash,
    }
    values["hash"] = canonical_hash(prev_hash, checkpoint_content(values))
    values["mac"] = sign(connection, values["hash"])
    connection.execute(insert(_CHECKPOINTS), values)
    return values
