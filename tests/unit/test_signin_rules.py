"""The sign-in rules, with no database: who owes a second step, and which claims may stand for a person."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflows
from engine.rules.signin import detail_roles, organisation_refusal, provider_did_mfa, two_factor_required, verified_email
from engine.settings_signin import SignInProvider

SPEC = workflows.load(Path(__file__).parents[2] / "workflows.yaml").spec
TENANT = "11111111-2222-3333-4444-555555555555"
ENTRA = SignInProvider(name="microsoft", kind="entra", tenant=TENANT, client_id="c", client_secret="s")  # type: ignore[arg-type]
GOOGLE = SignInProvider(name="google", kind="google", hosted_domain="school.example", client_id="c", client_secret="s")  # type: ignore[arg-type]


def test_the_roles_that_see_case_detail_owe_a_second_step_and_staff_do_not() -> None:
    assert detail_roles(SPEC) == {"headteacher", "senior_team", "chair", "coordinator", "equalities_manager"}
    assert two_factor_required("required", SPEC, (), ["chair"])
    assert not two_factor_required("required", SPEC, (), ["staff"])
    assert not two_factor_required("optional", SPEC, (), ["headteacher"])
    assert two_factor_required("required", SPEC, ("staff",), ["staff"])


def test_entra_vouches_for_an_email_only_with_xms_edov_and_google_with_email_verified() -> None:
    assert verified_email(ENTRA, {"email": "Head@School.example", "xms_edov": True}) == "head@school.example"
    assert verified_email(ENTRA, {"email": "head@school.example", "email_verified": True}) is None
    assert verified_email(GOOGLE, {"email": "head@school.example", "email_verified": True}) == "head@school.example"
    assert verified_email(GOOGLE, {"email": "head@school.example", "email_verified": False}) is None


def test_only_the_schools_tenant_or_domain_is_let_in() -> None:
    assert organisation_refusal(ENTRA, {"tid": TENANT}) is None
    assert organisation_refusal(ENTRA, {"tid": "other"}) == "wrong tenant (other)"
    assert organisation_refusal(GOOGLE, {"hd": "School.Example"}) is None
    assert organisation_refusal(GOOGLE, {}) is not None


def test_mfa_at_the_provider_counts_only_when_the_school_says_so() -> None:
    assert provider_did_mfa(ENTRA, {"amr": ["pwd", "mfa"]})
    assert not provider_did_mfa(ENTRA, {"amr": ["pwd"]})
    assert not provider_did_mfa(ENTRA.model_copy(update={"mfa_counts": False}), {"amr": ["mfa"]})


@pytest.mark.parametrize("tenant", ["common", "organizations", None])
def test_an_entra_provider_must_name_one_tenant(tenant: str | None) -> None:
    with pytest.raises(ValueError, match="tenant"):
        SignInProvider(name="microsoft", kind="entra", tenant=tenant, client_id="c", client_secret="s")  # type: ignore[arg-type]
