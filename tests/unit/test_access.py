"""The access rules, with no database: who sees how much of a case, and who may do what."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from engine.rules import access
from engine.rules.access import CaseAccess, Sight, Viewer

SPEC = workflows.load(Path(__file__).resolve().parents[2] / "workflows.yaml").spec
HEAD, CHAIR, COORD, EQUAL, SAM, TESS = range(1, 7)


def viewer(person: int, *roles: str) -> Viewer:
    return Viewer.of(SPEC, person, f"p{person}@school.example", f"Person {person}", roles)


def case(
    *,
    opened_by: int = HEAD,
    staff: tuple[int, ...] = (),
    categories: tuple[str, ...] = ("school_complaint",),
    reached: tuple[str, ...] = ("reported",),
) -> CaseAccess:
    return CaseAccess(1, 1, opened_by, frozenset(staff), categories, frozenset(reached))


HEADTEACHER, CHAIR_V, COORDINATOR = viewer(HEAD, "headteacher"), viewer(CHAIR, "chair"), viewer(COORD, "coordinator")
EQUALITIES, SAM_V, TESS_V = viewer(EQUAL, "equalities_manager"), viewer(SAM, "staff"), viewer(TESS, "staff")


def test_the_headteacher_sees_every_case_in_full() -> None:
    assert access.case_sight(HEADTEACHER, case(opened_by=COORD), SPEC) is Sight.FULL


def test_the_chair_sees_a_case_once_it_ever_reached_a_stage_visible_to_the_chair() -> None:
    assert access.case_sight(CHAIR_V, case(), SPEC) is Sight.NONE
    assert access.case_sight(CHAIR_V, case(reached=("reported", "chair_meeting", "way_forward")), SPEC) is Sight.FULL
    # Reached the chair, then went on to be referred: the chair still sees it.
    assert access.case_sight(CHAIR_V, case(reached=("reported", "chair_meeting", "referred_to_authorities")), SPEC) is Sight.FULL


def test_the_coordinator_sees_their_own_cases_in_full_and_others_as_log_lines() -> None:
    assert access.case_sight(COORDINATOR, case(opened_by=COORD), SPEC) is Sight.FULL
    assert access.case_sight(COORDINATOR, case(), SPEC) is Sight.LOG
    assert access.case_status(Sight.LOG) == 403


def test_the_equalities_manager_sees_prejudice_related_cases() -> None:
    assert access.case_sight(EQUALITIES, case(categories=("racist_or_homophobic",)), SPEC) is Sight.FULL
    assert access.case_sight(EQUALITIES, case(), SPEC) is Sight.NONE


def test_the_staff_member_concerned_sees_only_the_matter_and_others_nothing() -> None:
    about_sam = case(staff=(SAM,))
    assert access.case_sight(SAM_V, about_sam, SPEC) is Sight.MATTER
    assert access.case_sight(TESS_V, about_sam, SPEC) is Sight.NONE
    assert access.case_status(Sight.NONE) == 404


def test_someone_who_opened_a_case_but_lost_the_role_to_open_one_no_longer_sees_it_in_full() -> None:
    former = viewer(COORD, "staff")
    assert access.case_sight(former, case(opened_by=COORD), SPEC) is Sight.NONE


@pytest.mark.parametrize(
    ("who", "sight", "allowed"),
    [
        (HEADTEACHER, Sight.FULL, True),
        (CHAIR_V, Sight.FULL, True),
        (COORDINATOR, Sight.FULL, True),
        (EQUALITIES, Sight.FULL, False),
        (COORDINATOR, Sight.LOG, False),
        (SAM_V, Sight.MATTER, False),
    ],
)
def test_only_record_keepers_who_see_the_case_add_to_it(who: Viewer, sight: Sight, allowed: bool) -> None:
    assert access.may_keep_records(who, sight) is allowed


def test_actions_follow_the_roles_and_relations_the_workflow_names() -> None:
    assert access.may_take(HEADTEACHER, case(), SPEC.actions["acknowledge"])
    assert not access.may_take(CHAIR_V, case(), SPEC.actions["acknowledge"])
    assert access.may_take(CHAIR_V, case(), SPEC.actions["record_chair_meeting"])
    assert access.relations(SAM_V, case(staff=(SAM,), opened_by=SAM)) == {"staff_concerned", "reporter"}


def test_the_school_pages_each_have_their_readers() -> None:
    assert [access.may_open_case(v, SPEC) for v in (HEADTEACHER, CHAIR_V, COORDINATOR, SAM_V)] == [True, False, True, False]
    assert [access.may_read_log(v) for v in (HEADTEACHER, CHAIR_V, COORDINATOR, EQUALITIES)] == [True, False, True, False]
    assert [access.may_read_report(v) for v in (HEADTEACHER, CHAIR_V, COORDINATOR, EQUALITIES)] == [True, True, True, False]
    assert [access.may_manage_people(v) for v in (HEADTEACHER, CHAIR_V)] == [True, False]
