"""Who must give a second factor, and whether an OpenID Connect sign-in may stand for a person: no database.

Single sign-on never creates a person or gives a role: it proves an email address, and the school
must already have added an active person with that address. A provider is trusted only for its own
organisation: Entra ID for one tenant (`tid`), Google Workspace for one hosted domain (`hd`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from engine.rules.access import Power, holders
from engine.settings_signin import SignInProvider
from workflows import Workflow

REFUSED = (
    "Your account could not be used to sign in here. Sign in with your school account, "
    "or ask the headteacher to check that you have been added to Redress."
)
"""What a person is told whenever single sign-on is refused: one clear message, whatever the reason."""


def detail_roles(spec: Workflow) -> frozenset[str]:
    """The roles that can see some case in full (the case page: summary, people, evidence)."""
    roles: set[str] = set(spec.open.roles)
    for power in (Power.SEE_EVERY_CASE, Power.SEE_PREJUDICE_CASES, Power.KEEP_RECORDS):
        roles |= holders(spec, power)
    for stage in spec.stages.values():
        roles |= set(stage.visible_to)
    return frozenset(roles - {"system"})


def two_factor_roles(spec: Workflow, configured: Collection[str]) -> frozenset[str]:
    """The roles two-factor is asked of: those configured, or else every role that sees case detail."""
    return frozenset(configured) if configured else detail_roles(spec)


def two_factor_required(mode: str, spec: Workflow, configured: Collection[str], roles: Collection[str]) -> bool:
    """Whether a person with `roles` must pass a second step before using Redress."""
    return mode == "required" and bool(two_factor_roles(spec, configured) & set(roles))


def two_factor_offered(mode: str) -> bool:
    """Whether people may enrol an authenticator at all."""
    return mode != "off"


def verified_email(provider: SignInProvider, claims: Mapping[str, object]) -> str | None:
    """The email the provider vouches for, lower-cased; None when it does not vouch for one.

    Google and standard providers say so with `email_verified`; Entra ID with the optional claim
    `xms_edov` (the email's domain is verified by the tenant), which the app registration must ask for.
    """
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    flag = claims.get("xms_edov") if provider.kind == "entra" else claims.get("email_verified")
    if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
        return email.strip().lower()
    return None


def organisation_refusal(provider: SignInProvider, claims: Mapping[str, object]) -> str | None:
    """Why the account is not of the school's organisation (for the record), or None when it is."""
    if provider.kind == "entra" and claims.get("tid") != provider.tenant:
        return f"wrong tenant ({str(claims.get('tid'))[:60]})"
    if provider.kind == "google" and str(claims.get("hd", "")).lower() != (provider.hosted_domain or "").lower():
        return f"wrong hosted domain ({str(claims.get('hd'))[:60]})"
    return None


def provider_did_mfa(provider: SignInProvider, claims: Mapping[str, object]) -> bool:
    """Whether the provider says this sign-in used multi-factor (`amr` holds "mfa") and the school counts that."""
    amr = claims.get("amr")
    return provider.mfa_counts and isinstance(amr, list | tuple) and "mfa" in amr
