"""The answer to a subject access request: what the cases hold about the person (each case's summary, their
part in it, notes, meetings, evidence descriptions and the trail events that mention them), as JSON and a
readable HTML page, with every other person's identifiers redacted (engine.commands.subject_redact).

Producing it is audited on the access log: once for the request (who, when, which cases, how much was
redacted) and once on each case's own access log. Files are written only under names made here from
the request's number, into a folder that must exist, and never over a file already there."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.subject_redact import POSTER, PUPIL, STAFF, SubjectRedactor
from engine.commands.subject_requests import record_export
from engine.context import Redress
from engine.errors import Refused
from engine.queries.subject_requests import handler, request_by_id
from engine.queries.subject_search import search_cases
from engine.rules.access import Viewer
from store import AuditEvent, Case, Evidence, Meeting, Note, Party, Person

TEMPLATES = Path(__file__).resolve().parent.parent / "report" / "templates"
_PARTY = {"staff": "member of staff concerned", "pupil": "pupil", "poster": "poster"}


@dataclass(frozen=True)
class SubjectExport:
    request_id: int
    files: dict[str, bytes]
    """File name -> content: subject-request-N.json and subject-request-N.html."""
    cases: tuple[int, ...]
    redactions: dict[str, int]
    """How many identifiers of others were replaced, by what they were (for the DPO's review)."""


def export_subject(app: Redress, actor_email: str, request_id: int, where: str) -> SubjectExport:
    """Build the redacted export and record who made it, when and of what (`where`: 'written to a folder')."""
    with app.db.unit_of_work() as session:
        actor, viewer = handler(app, session, actor_email)
        request = request_by_id(session, request_id)
        terms = tuple(request.terms)
        found = search_cases(app, session, viewer, terms)
        ids = [c.case_id for c in found.cases]
        redactor = SubjectRedactor(terms, _others(session, ids, terms))
        cases = [_case(app, session, viewer, case_id, terms, redactor) for case_id in ids]
        material = {
            "request": {
                "id": request.id,
                "requester": request.requester,
                "about": list(terms),
                "received_on": request.received_on.isoformat(),
                "due_on": request.due_on.isoformat(),
            },
            "school": app.settings.school_name,
            "produced_at": app.clock.now().isoformat(timespec="seconds"),
            "cases": cases,
        }
        redactions = dict(sorted(redactor.counts.items()))
        counted = ", ".join(f"{n} {label}" for label, n in redactions.items()) or "none"
        record_export(app, session, actor, request_id, f"exported {len(ids)} case(s) {ids} ({where}); redacted: {counted}", ids)
    base = f"subject-request-{request_id}"
    files = {
        f"{base}.json": json.dumps(material, indent=2, ensure_ascii=False).encode(),
        f"{base}.html": _render(material).encode(),
    }
    return SubjectExport(request_id, files, tuple(ids), redactions)


def check_folder(folder: Path, request_id: int) -> None:
    """Refused before anything is made or audited: `folder` must exist and not hold this request's export already."""
    if not folder.is_dir():
        raise Refused(f"{folder} is not a folder: create it first, or give one that exists")
    for suffix in ("json", "html"):
        if (folder / f"subject-request-{request_id}.{suffix}").exists():
            raise Refused(
                f"{folder / f'subject-request-{request_id}.{suffix}'} exists already: move it away or choose another folder"
            )


def write_export(export: SubjectExport, folder: Path) -> list[Path]:
    """Write the export's files into `folder` (which must exist), readable by this user only; refused rather
    than replacing a file already there."""
    if not folder.is_dir():
        raise Refused(f"{folder} is not a folder: create it first, or give one that exists")
    written: list[Path] = []
    for name, body in export.files.items():
        path = folder / name  # names made by export_subject from the request's number, never typed by a person
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise Refused(f"{path} exists already: move it away or choose another folder") from None
        with os.fdopen(descriptor, "wb") as file:
            file.write(body)
        written.append(path)
    return written


def subject_export_zip(export: SubjectExport) -> bytes:
    """The export's files as one ZIP, for the page's download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in export.files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _others(session: Session, case_ids: list[int], terms: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every identifier of someone other than the person: staff (every account), and the people of the cases."""
    needles = [t.lower() for t in terms]

    def theirs(*values: str | None) -> bool:
        return any(v and any(t in v.lower() for t in needles) for v in values)

    others: list[tuple[str, str]] = []
    for person in session.scalars(select(Person)):
        if not theirs(person.name, person.email):
            others += [(person.name, STAFF), (person.email, STAFF)]
    label = {"staff": STAFF, "pupil": PUPIL, "poster": POSTER}
    for party in session.scalars(select(Party).where(Party.case_id.in_(case_ids))):
        values: tuple[str | None, ...] = (party.name, party.contact, party.reference, party.address)
        if party.person is not None:
            values += (party.person.name, party.person.email)
        if not theirs(*values):
            others += [(v, label.get(party.kind, POSTER)) for v in values if v]
    return others


def _case(
    app: Redress, session: Session, viewer: Viewer, case_id: int, terms: tuple[str, ...], redactor: SubjectRedactor
) -> dict[str, Any]:
    del viewer  # the search already kept only the cases the viewer sees in full
    case = session.get(Case, case_id)
    assert case is not None
    spec = app.compiled(case.workflow_id).spec
    likes = [t.lower() for t in terms]

    def mentions(*values: Any) -> bool:
        text = json.dumps(values, ensure_ascii=False, default=str).lower()
        return any(t in text for t in likes)

    parts = sorted(
        {_PARTY[p.kind] for p in case.parties if mentions(p.name, p.contact, p.reference, p.person and p.person.email)}
    )
    r = redactor.deep
    return {
        "case": case.id,
        "opened_on": case.opened_at.date().isoformat(),
        "categories": [spec.categories[c].label if c in spec.categories else c for c in case.categories],
        "stage": spec.stages[case.stage].title if case.stage in spec.stages else case.stage,
        "closed_on": case.closed_at.date().isoformat() if case.closed_at else None,
        "outcome": r(case.outcome),
        "their_part": parts or ["mentioned"],
        "summary": r(case.summary),
        "platform": r(case.platform),
        "link": r(case.link),
        "notes": [{"on": n.created_at.date().isoformat(), "text": r(n.text)} for n in _rows(session, Note, case_id)],
        "meetings": [
            {"on": m.held_on.isoformat(), "attendees": r(m.attendees), "notes": r(m.notes)}
            for m in _rows(session, Meeting, case_id)
        ],
        "evidence": [
            {
                "added_on": e.added_at.date().isoformat(),
                "description": r(e.description),
                "name": r(e.original_name or e.url or ""),
            }
            for e in _rows(session, Evidence, case_id)
        ],
        "trail": [
            {"at": e.at.isoformat(timespec="seconds"), "what": _said(spec, e), "details": r(e.data)}
            for e in session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
            if mentions(e.data, e.actor)
        ],
    }


def _rows(session: Session, model: Any, case_id: int) -> Iterable[Any]:
    return session.scalars(select(model).where(model.case_id == case_id).order_by(model.id))


def _said(spec: Any, event: AuditEvent) -> str:
    if event.action and event.action in spec.actions:
        return str(spec.actions[event.action].title)
    return event.kind.replace("_", " ")


def _render(material: dict[str, Any]) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("subject_export.html").render(**material)
