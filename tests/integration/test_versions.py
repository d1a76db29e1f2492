"""A case keeps the workflow it started with (invariant 5), and concurrent edits never overwrite (invariant 6)."""

from __future__ import annotations

import pytest

from engine.commands import cases
from engine.commands.cases import _translate_conflicts
from engine.commands.setup import init
from engine.errors import Conflict, Refused
from engine.queries import cases as queries
from store import Case
from tests.conftest import HEAD, WORKFLOW
from tests.integration.helpers import act, open_case


def _edited_workflow(tmp_path, old: str, new: str):
    text = WORKFLOW.read_text()
    assert old in text
    path = tmp_path / "workflows-v2.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_a_case_keeps_its_workflow_until_moved_explicitly(app, tmp_path):
    old_case = open_case(app)
    edited = _edited_workflow(
        tmp_path,
        "after: 2 school days, remind: [headteacher], repeat: 2 school days}",
        "after: 1 school day, remind: [headteacher], repeat: 1 school day}",
    )
    result = init(app, edited)
    assert result.new_version
    new_case = open_case(app)
    old_view, new_view = queries.show_case(app, old_case), queries.show_case(app, new_case)
    assert old_view.workflow_version != new_view.workflow_version == result.content_hash
    old_hash, new_hash = cases.migrate_case(app, old_case, HEAD)
    assert new_hash == result.content_hash and old_hash == old_view.workflow_version
    trail = queries.audit_trail(app, old_case).events
    assert trail[-1].kind == "migrated" and trail[-1].data["to_version"] == new_hash
    assert queries.verify_trail(app, old_case).ok
    with pytest.raises(Refused, match="already runs on the current workflow version"):
        cases.migrate_case(app, old_case, HEAD)


def test_a_case_whose_stage_is_gone_stays_on_its_version(app, tmp_path):
    case_id = open_case(app)
    act(app, case_id, "acknowledge", staff_reassured="yes")
    edited = _edited_workflow(tmp_path, "gathering_evidence", "collecting_evidence")
    init(app, edited)
    with pytest.raises(Refused, match="at 'gathering_evidence', which the current workflow has no open stage for"):
        cases.migrate_case(app, case_id, HEAD)
    # It still runs, on the version it started with.
    records_result = act(app, case_id, "close_no_action", reason="Resolved informally")
    assert records_result.stage_after == "closed"


def test_loading_the_same_workflow_twice_makes_no_new_version(app):
    assert not init(app).new_version


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_concurrent_transactions_on_postgres_conflict_instead_of_overwriting(app):
    """Two transactions read version 1; the first commits; the second's write is refused, not applied."""
    case_id = open_case(app)
    expected = rf"case {case_id} was changed by someone else.*'Gathering evidence' \(version 2\)"
    with pytest.raises(Conflict, match=expected), _translate_conflicts(app, case_id), app.db.unit_of_work() as session:
        stale = session.get(Case, case_id)
        assert stale is not None and stale.version == 1
        act(app, case_id, "acknowledge", staff_reassured="yes")  # another person, another transaction
        stale.stage = "closed"
        session.flush()
    assert queries.show_case(app, case_id).stage == "gathering_evidence"


def test_a_read_builds_no_machine_and_warm_builds_them_all(app):
    """A read needs a version's spec, not its `transitions` machines: they are built on first use, or by warm()."""
    case_id = open_case(app)
    app._compiled.clear()
    view = queries.show_case(app, case_id)
    compiled = next(iter(app._compiled.values()))
    assert view.stage and "machine" not in vars(compiled) and "track_machines" not in vars(compiled)
    assert compiled.machine.get_state(compiled.spec.initial_stage)  # built on first use
    app._compiled.clear()
    app.warm()
    assert app._compiled and all({"machine", "track_machines"} <= vars(c).keys() for c in app._compiled.values())
    assert next(iter(app._compiled.values())).track_machines.keys() == next(iter(app._compiled.values())).spec.tracks.keys()
