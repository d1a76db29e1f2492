"""Signing in through a school's identity provider (OpenID Connect): the claims, once the web layer has
checked the ID token, stand for a person only when they name the school's organisation and a verified
email of someone the school has added and who is active. It never creates a person or gives a role.
Every attempt, refused or not, is recorded in `sign_ins` with the method `sso:<provider>`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from engine.commands.auth import SignInResult, clean_email
from engine.commands.sessions import Client, create_session
from engine.context import Redress
from engine.errors import NotFound
from engine.rules.signin import REFUSED, organisation_refusal, provider_did_mfa, verified_email
from engine.settings_signin import SignInProvider
from store import Person, SignIn


def provider_named(app: Redress, name: str) -> SignInProvider:
    for provider in app.settings.sign_in_providers:
        if provider.name == name:
            return provider
    raise NotFound(f"there is no sign-in provider called '{name[:40]}'")


def record_refusal(app: Redress, provider: str, detail: str, client: Client | None = None, email: str = "") -> SignInResult:
    """A refused single sign-on (a replayed state, a provider error, a bad token): recorded, and one message."""
    with app.db.unit_of_work() as session:
        session.add(
            SignIn(
                email=clean_email(email),
                at=app.clock.now(),
                succeeded=False,
                detail=detail[:200],
                method=f"sso:{provider}"[:40],
                client=((client or Client()).address or "")[:64] or None,
            )
        )
    return SignInResult(None, detail, REFUSED)


def sso_sign_in(
    app: Redress, provider: SignInProvider, claims: Mapping[str, object], client: Client | None = None
) -> SignInResult:
    """Open a session for the person the checked claims name, or refuse (recorded either way)."""
    client = client or Client()
    email = verified_email(provider, claims)
    detail = organisation_refusal(provider, claims) or ("" if email else "the provider did not vouch for an email")
    now = app.clock.now()
    with app.db.unit_of_work() as session:
        person = None
        if not detail and email:
            person = session.scalars(select(Person).where(Person.email == email, Person.active.is_(True))).first()
            detail = "" if person else "no active person with that email"
        how = "sso-mfa" if provider_did_mfa(provider, claims) else ""
        token = create_session(app, session, person.id, client, now, second_factor=how) if person else None
        shown = email or str(claims.get("email", ""))
        session.add(
            SignIn(
                email=clean_email(shown),
                person_id=person.id if person else None,
                at=now,
                succeeded=person is not None,
                detail=detail[:200],
                method=f"sso:{provider.name}"[:40],
                client=(client.address or "")[:64] or None,
            )
        )
    if person is None or token is None:
        return SignInResult(None, detail, REFUSED)
    return SignInResult(person.id, "", token=token)
