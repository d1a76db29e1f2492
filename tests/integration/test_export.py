"""The bundle for a solicitor or the police: what is in it, checked with the system's sha256sum."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from engine.commands import cases, records
from engine.commands.checkpoints import take_checkpoint
from engine.commands.export import export_case
from engine.errors import NotAllowed
from store import AccessEntry
from tests.conftest import COORDINATOR, HEAD, SAM
from tests.integration.helpers import count
from tests.integration.test_tamper import SCREENSHOT, audit_events


def a_case(app) -> int:  # type: ignore[no-untyped-def]
    details = cases.OpenCase(
        categories=["pupil_offensive"],
        summary="Posts about pupil JS and Tess Teacher",
        staff=[SAM],
        pupils=["JS"],
        platform="Facebook",
    )
    case_id = cases.open_case(app, HEAD, details)
    cases.take_action(app, case_id, "acknowledge", HEAD, {"staff_reassured": "yes"})
    records.add_evidence_file(app, case_id, HEAD, SCREENSHOT, "../the post.png", "the post")
    records.add_evidence_file(app, case_id, HEAD, SCREENSHOT + b"2", "the post.png", "the post, later")
    records.add_note(app, case_id, COORDINATOR, "Tess Teacher saw JS upset; head@school.example told.")
    return case_id


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum is not installed")
def test_the_export_manifest_checks_with_sha256sum(app, tmp_path: Path):
    case_id = a_case(app)
    take_checkpoint(app)
    out = tmp_path / "bundle.zip"
    result = export_case(app, case_id, HEAD, out)
    assert result.verified
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(out).extractall(folder)
    done = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    evidence = sorted(p.name for p in (folder / "evidence").iterdir())
    assert len(evidence) == 2 and len(set(evidence)) == 2 and all(name.endswith(".png") for name in evidence)
    assert json.loads((folder / "verification.json").read_text())["ok"] is True
    assert json.loads((folder / "checkpoint.json").read_text())["checkpoint"]["seq"] == 1
    assert (folder / "chronology.pdf").exists() or (folder / "NO-PDF.txt").exists()
    trail = json.loads((folder / "audit-trail.json").read_text())
    assert [e["seq"] for e in trail] == list(range(1, len(trail) + 1))
    assert audit_events(app, case_id)[-1].kind == "exported"
    assert count(app, AccessEntry, what="export", case_id=case_id) == 1


def test_the_redacted_export_names_nobody_but_the_person_concerned_and_leaves_files_out(app, tmp_path: Path):
    case_id = a_case(app)
    out = tmp_path / "redacted.zip"
    result = export_case(app, case_id, HEAD, out, redacted=True)
    bundle = zipfile.ZipFile(out)
    assert not any(name.startswith("evidence/") for name in bundle.namelist())
    assert len(result.left_out) == 2 and "left out" in bundle.read("README.txt").decode()
    for name in ("chronology.html", "audit-trail.json"):
        text = bundle.read(name).decode()
        for secret in ("Tess Teacher", "tess@school.example", "head@school.example", "Helen Head", " JS "):
            assert secret not in text, (name, secret)
        assert "Pupil 1" in text and "Person " in text
    assert "Sam Staff" in bundle.read("chronology.html").decode()  # the person concerned keeps their name


def test_the_coordinator_may_not_export(app, tmp_path: Path):
    case_id = a_case(app)
    with pytest.raises(NotAllowed):
        export_case(app, case_id, COORDINATOR, tmp_path / "no.zip")
    assert not (tmp_path / "no.zip").exists()
