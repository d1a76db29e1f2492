"""The OpenID Connect protocol, as a relying party: the authorisation code flow with PKCE, state and nonce.

Authlib's client builds the authorisation request and exchanges the code (with the PKCE verifier and
the client secret); the ID token is checked with joserfc (Authlib's JOSE library) against the keys the
provider publishes (its JWKS): signature, issuer, audience, expiry and nonce. What the claims then
allow (tenant, hosted domain, a verified email of someone the school added) is the engine's to decide.
"""

from __future__ import annotations

import secrets
import threading
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

with warnings.catch_warnings():
    # Authlib's httpx client announces, on import, its own move to httpx2; it is not ours to act on, and a
    # person starting `redress serve` should not read it.
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from engine import SignInProvider

TIMEOUT = 10.0
LEEWAY = 120
"""Seconds of clock difference allowed with the provider (its clock and ours both being real ones)."""
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]

_lock = threading.Lock()
_metadata: dict[str, dict[str, Any]] = {}
_keys: dict[str, KeySet] = {}


class SsoFailed(Exception):
    """The provider's answer could not be trusted or used; the message is for the record, not the person."""


@dataclass(frozen=True)
class Pending:
    """What the browser's session keeps between the redirect to the provider and the way back."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str

    def as_cookie(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_cookie(cls, value: object) -> Pending | None:
        if not isinstance(value, dict) or set(value) != {"provider", "state", "nonce", "verifier", "next"}:
            return None
        return cls(**{key: str(item) for key, item in value.items()})


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoFailed(f"the provider could not be reached ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise SsoFailed("the provider's answer was not understood")
    return data


def metadata(provider: SignInProvider) -> dict[str, Any]:
    """The provider's discovery document (read once per process), whose issuer must be the one configured."""
    issuer = provider.issuer_url
    with _lock:
        known = _metadata.get(issuer)
    if known is None:
        known = _get_json(f"{issuer}/.well-known/openid-configuration")
        if str(known.get("issuer", "")).rstrip("/") != issuer:
            raise SsoFailed(f"the provider says its issuer is {str(known.get('issuer'))[:100]}, not {issuer}")
        with _lock:
            _metadata[issuer] = known
    return known


def _key_set(provider: SignInProvider, refresh: bool = False) -> KeySet:
    uri = str(metadata(provider)["jwks_uri"])
    with _lock:
        known = None if refresh else _keys.get(uri)
    if known is None:
        known = KeySet.import_key_set(_get_json(uri))  # type: ignore[arg-type]
        with _lock:
            _keys[uri] = known
    return known


def _client(provider: SignInProvider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret.get_secret_value(),
        scope="openid email profile",
        redirect_uri=redirect_uri,
        timeout=TIMEOUT,
        token_endpoint_auth_method="client_secret_post",
    )


def begin(provider: SignInProvider, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
    """The provider's address to send the browser to, and what to keep until it comes back."""
    pending = Pending(provider.name, secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48), next_path)
    extra = {"hd": provider.hosted_domain} if provider.kind == "google" and provider.hosted_domain else {}
    with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata(provider)["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
            **extra,
        )
    return url, pending


def finish(provider: SignInProvider, redirect_uri: str, pending: Pending, code: str) -> dict[str, Any]:
    """Exchange the code for tokens and return the ID token's claims, once every check has passed."""
    try:
        with _client(provider, redirect_uri) as client:
            token = client.fetch_token(
                metadata(provider)["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=pending.verifier
            )
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoFailed(f"the provider refused the code ({str(exc)[:80]})") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoFailed("the provider sent no ID token")
    return _checked_claims(provider, id_token, pending.nonce)


def _decode(provider: SignInProvider, id_token: str) -> jwt.Token:
    try:
        return jwt.decode(id_token, _key_set(provider), algorithms=ALGORITHMS)
    except JoseError:
        # The provider may have rolled its keys since we read them: read them again, once.
        return jwt.decode(id_token, _key_set(provider, refresh=True), algorithms=ALGORITHMS)


def _checked_claims(provider: SignInProvider, id_token: str, nonce: str) -> dict[str, Any]:
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": provider.issuer_url},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        token = _decode(provider, id_token)
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SsoFailed(f"the ID token failed its checks ({type(exc).__name__}: {str(exc)[:80]})") from exc
    claims = dict(token.claims)
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise SsoFailed("the ID token was issued to another client (azp)")
    return claims
