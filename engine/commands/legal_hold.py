"""The legal hold a workflow puts on a case of itself: a stage that declares `legal_hold` (legal advice, the
authorities, the police track's "With the police") holds the case as it enters it, in the unit of work that
moves it, so no crash can leave a case with the police and open to a purge (engine.commands.erasure).

Written with Core statements on the session's connection, like the rest of the action path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from store import Case, audit, table_of
from workflows import SYSTEM, Workflow

Entered = tuple[str | None, str]
"""A stage a command moved the case into: (None, the case's own stage) or (a track's name, its stage)."""

_cases = table_of(Case)
_HOLD = (
    update(_cases)
    .where(_cases.c.id == bindparam("where_id"), _cases.c.version == bindparam("where_version"))
    .values(
        held_at=bindparam("new_held_at"), held_reason=bindparam("new_reason"), held_by_id=None, version=bindparam("new_version")
    )
)


def declared(spec: Workflow, entered: Iterable[Entered]) -> str | None:
    """The reason the first of these stages gives for a hold, None when none declares one."""
    for track, stage in entered:
        procedure = spec if track is None else spec.tracks.get(track)
        if procedure is not None and stage in procedure.stages and (reason := procedure.stages[stage].legal_hold):
            return reason
    return None


def hold_entered(session: Session, spec: Workflow, case: Case, entered: Iterable[Entered], now: datetime) -> str | None:
    """In the caller's unit of work, after its writes: put the case under the hold the stages it just entered
    declare, by the system (a `held` event, the case's next version), unless it is held already or its content
    was erased. Returns the reason, None when nothing was held. The case object is shown its new values."""
    if case.held_at is not None or case.erased_at is not None:
        return None
    reason = declared(spec, entered)
    if reason is None:
        return None
    version = case.version
    params = {"where_id": case.id, "where_version": version, "new_held_at": now, "new_reason": reason, "new_version": version + 1}
    if session.connection().execute(_HOLD, params).rowcount != 1:
        raise StaleDataError(f"case {case.id} is no longer at version {version}")
    for name, value in (("held_at", now), ("held_reason", reason), ("held_by_id", None), ("version", version + 1)):
        set_committed_value(case, name, value)
    audit.remark(
        session,
        case,
        at=now,
        actor=SYSTEM,
        actor_id=None,
        kind="held",
        data={"reason": reason, "automatic": True},
    )
    return reason
