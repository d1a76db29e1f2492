"""The bundle for a solicitor or the police: one ZIP of a case's chronology (HTML and PDF), its evidence
files under their original names, the audit trail as JSON, the verification result and the checkpoint
the trail chains to, with a `sha256sum -c` manifest re-checked before the ZIP is handed over."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select

from engine.commands.cases import load_case
from engine.commands.checkpoints import checkpoint_rows
from engine.commands.custody import EXPORT, record_access
from engine.commands.evidence_check import read_verified
from engine.commands.integrity import as_json, verify
from engine.commands.redact import Redactor
from engine.context import Redress
from engine.errors import EvidenceFailed, NotAllowed, NotFound, Refused
from engine.queries.access import load_access, load_viewer
from engine.report.pdf import html_to_pdf
from engine.rules.access import case_sight, may_export
from store import Evidence, Person, audit

TEMPLATES = Path(__file__).resolve().parent.parent / "report" / "templates"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]
    pdf: bool
    pdf_message: str
    left_out: tuple[str, ...]
    verified: bool
    problems: tuple[str, ...]
    manifest_sha256: str


def export_case(app: Redress, case_id: int, actor_email: str, out: Path, *, redacted: bool = False) -> ExportResult:
    """Write the bundle to `out` (a .zip); refused unless the actor may export this case."""
    actor = _check_export(app, case_id, actor_email)
    result = verify(app, case_id=case_id)
    files: dict[str, bytes] = {}
    material = _material(app, case_id, redacted)
    left_out: list[str] = []
    for item in material["evidence"]:
        if item["kind"] != "file":
            item["where"] = "a link: not a file"
        elif redacted:
            item["where"] = "left out (evidence files cannot be redacted)"
            left_out.append(f"evidence {item['id']}: {item['label']} (sha256 {item['sha256']}): left out, it cannot be redacted")
        else:
            try:
                checked = read_verified(app, case_id, item["id"], actor.email)
            except EvidenceFailed as exc:
                item["where"] = "left out: it failed its check"
                left_out.append(f"evidence {item['id']}: {exc}")
                continue
            name = _unique(files, f"evidence/{item['id']}-{_sanitise(item['label'])}")
            files[name] = checked.content if checked.content is not None else _read_copy(checked.copy)
            item["where"] = name
    files["audit-trail.json"] = _json(material["trail"])
    files["verification.json"] = _json(as_json(result))
    files["checkpoint.json"] = _json(_checkpoint(app, case_id))
    html = _render(app, material, actor, redacted, result.ok)
    files["chronology.html"] = html.encode()
    pdf_ok, pdf_message = _pdf(html, files)
    files["README.txt"] = _readme(case_id, redacted, pdf_ok, pdf_message, left_out).encode()
    manifest = "".join(f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in sorted(files.items())).encode()
    _write_zip(out, {**files, "MANIFEST.sha256": manifest})
    _recheck(out)
    manifest_hash = hashlib.sha256(manifest).hexdigest()
    record_access(
        app, actor.email, actor.id, case_id, EXPORT, f"{'redacted ' if redacted else ''}bundle, manifest {manifest_hash}"
    )
    with app.db.unit_of_work() as session:
        case = load_case(session, case_id)
        audit.append(
            session,
            case_id,
            at=app.clock.now(),
            actor=actor.email,
            actor_id=actor.id,
            kind="exported",
            stage_before=case.stage,
            stage_after=case.stage,
            data={
                "redacted": redacted,
                "manifest_sha256": manifest_hash,
                "files": len(files) + 1,
                "left_out": len(left_out),
                "pdf": pdf_ok,
                "verified": result.ok,
            },
        )
    return ExportResult(
        out,
        tuple(sorted([*files, "MANIFEST.sha256"])),
        pdf_ok,
        pdf_message,
        tuple(left_out),
        result.ok,
        result.problems,
        manifest_hash,
    )


def _check_export(app: Redress, case_id: int, actor_email: str) -> Person:
    with app.db.reading() as session:
        person = session.scalars(select(Person).where(Person.email == actor_email.strip().lower())).first()
        spec = app.current_workflow(session).spec
        viewer = load_viewer(session, person.id, spec) if person is not None else None
        if viewer is None or person is None:
            raise Refused(f"nobody active in Redress has the email '{actor_email}'")
        facts = load_access(session, [case_id]).get(case_id)
    if facts is None:
        raise NotFound(f"there is no case {case_id}")
    case_spec = app.compiled(facts.workflow_id).spec
    if not may_export(viewer, facts, case_spec, case_sight(viewer, facts, case_spec)):
        raise NotAllowed("only the headteacher, or the chair once a case is escalated to them, may export a case")
    return person


def _material(app: Redress, case_id: int, redacted: bool) -> dict[str, Any]:
    """The case, its trail and its evidence list, as the bundle shows them (redacted when asked)."""
    with app.db.reading() as session:
        case = load_case(session, case_id)
        spec = app.compiled(case.workflow_id).spec
        concerned = {p.person_id for p in case.parties if p.kind == "staff"}
        staff = [p.person.name for p in case.parties if p.kind == "staff" and p.person]
        pupils = [p.reference or "" for p in case.parties if p.kind == "pupil"]
        others = [(p.name, p.email) for p in session.scalars(select(Person).order_by(Person.id)) if p.id not in concerned]
        events = audit.events(session, case_id)
        evidence = list(session.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id)))
        material: dict[str, Any] = {
            "case": {
                "id": case.id,
                "categories": [spec.categories[c].label if c in spec.categories else c for c in case.categories],
                "summary": case.summary,
                "platform": case.platform,
                "link": case.link,
                "staff": staff,
                "pupils": pupils,
                "stage": spec.stages[case.stage].title if case.stage in spec.stages else case.stage,
                "outcome": case.outcome,
            },
            "trail": [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(timespec="microseconds"),
                    "actor": e.actor,
                    "kind": e.kind,
                    "action": e.action,
                    "stage_before": e.stage_before,
                    "stage_after": e.stage_after,
                    "data": e.data,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                    "mac": e.mac,
                }
                for e in events
            ],
            "events": [
                {
                    "seq": e.seq,
                    "when": app.local(e.at),
                    "actor": e.actor,
                    "what": _what(e.kind, e.action, e.stage_before, e.stage_after),
                    "details": _details(e.data),
                }
                for e in events
            ],
            "evidence": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "label": e.original_name or e.url or "",
                    "description": e.description,
                    "sha256": e.sha256,
                }
                for e in evidence
            ],
        }
    if not redacted:
        return material
    redactor = Redactor(others, pupils)
    hashes = {key: material[key] for key in ("evidence",)}
    return {**redactor.deep({k: v for k, v in material.items() if k != "evidence"}), **hashes}


def _what(kind: str, action: str | None, before: str | None, after: str | None) -> str:
    moved = f" ({before} → {after})" if before and after and before != after else ""
    return f"{kind}: {action}{moved}" if action else f"{kind}{moved}"


def _details(data: dict[str, Any]) -> str:
    shown = {k: v for k, v in data.items() if k not in ("notified", "parties_digest") and v not in (None, "", [], {})}
    return "; ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}" for k, v in shown.items())


def _render(app: Redress, material: dict[str, Any], actor: Person, redacted: bool, ok: bool) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("chronology.html").render(
        **material,
        school_name=app.settings.school_name,
        exported_at=app.local(app.clock.now()),
        exported_by="Person (exporter)" if redacted else f"{actor.name} ({actor.email})",
        redacted=redacted,
        verification={"ok": ok},
    )


def _pdf(html: str, files: dict[str, bytes]) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="redress-export-") as folder:
        source, target = Path(folder) / "chronology.html", Path(folder) / "chronology.pdf"
        source.write_text(html, encoding="utf-8")
        done = html_to_pdf(source, target)
        if done.ok:
            files["chronology.pdf"] = target.read_bytes()
            return True, "chronology.pdf made with the machine's PDF renderer"
    message = (
        "no PDF in this bundle: no PDF renderer (chromium or wkhtmltopdf) could make one on the exporting machine; "
        "open chronology.html in a browser and print it to PDF"
    )
    files["NO-PDF.txt"] = (message + "\n").encode()
    return False, message


def _checkpoint(app: Redress, case_id: int) -> dict[str, Any]:
    """The newest checkpoint that holds this case's head: the point its trail chains to outside the database."""
    found: dict[str, Any] = {"case": case_id, "checkpoint": None}
    with app.db.reading() as session:
        for row in checkpoint_rows(session.connection()):
            head = (row.heads or {}).get(str(case_id))
            if head is not None:
                found["checkpoint"] = {
                    "seq": row.seq,
                    "at": row.at.isoformat(timespec="seconds"),
                    "hash": row.hash,
                    "heads_digest": row.heads_digest,
                    "case_head_seq": head[0],
                    "case_head_hash": head[1],
                }
    if found["checkpoint"] is None:
        found["note"] = "no checkpoint holds this case yet: run 'redress verify --checkpoint' (the worker takes one nightly)"
    return found


def _readme(case_id: int, redacted: bool, pdf_ok: bool, pdf_message: str, left_out: list[str]) -> str:
    lines = [
        f"Case {case_id}: the record, exported by Redress{' (redacted)' if redacted else ''}.",
        "",
        "chronology.html / chronology.pdf  every event in order, in the school's time",
        "evidence/                         each evidence file under its original name (checked against its SHA-256)",
        "audit-trail.json                  the audit trail: each event with its hash, the hash before it, and its signature",
        "verification.json                 the result of verifying this case at export",
        "checkpoint.json                   the checkpoint the trail chains to",
        "MANIFEST.sha256                   check every file with: sha256sum -c MANIFEST.sha256",
        "",
        f"PDF: {pdf_message}" if not pdf_ok else "PDF: included.",
    ]
    if left_out:
        lines += ["", "Evidence not in this bundle:", *(f"- {line}" for line in left_out)]
    return "\n".join(lines) + "\n"


def _sanitise(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" ._") or "evidence"
    return cleaned[:100]


def _unique(files: dict[str, bytes], name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 2
    while candidate in files:
        candidate = f"{stem}-{number}.{suffix}" if dot else f"{name}-{number}"
        number += 1
    return candidate


def _read_copy(path: Path | None) -> bytes:
    if path is None:
        raise NotFound("the checked copy of an evidence file is gone")
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _write_zip(out: Path, files: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, body in files.items():
            bundle.writestr(name, body)


def _recheck(out: Path) -> None:
    """Read the ZIP back and check every file against the manifest before it is handed over."""
    with zipfile.ZipFile(out) as bundle:
        for line in bundle.read("MANIFEST.sha256").decode().splitlines():
            digest, name = line.split("  ", 1)
            if hashlib.sha256(bundle.read(name)).hexdigest() != digest:
                out.unlink(missing_ok=True)
                raise Refused(f"the bundle could not be written faithfully ({name} does not match its manifest): try again")
