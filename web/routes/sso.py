"""Single sign-on with the school's identity provider (Microsoft Entra ID, Google Workspace, OpenID Connect).

`/sign-in/sso/{provider}` sends the browser to the provider with a fresh state, nonce and PKCE
challenge kept in this browser's session; the way back (`.../callback`) is accepted once, only with
that state, and the ID token only with that nonce. Every refusal is recorded and shows one message.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine import REFUSED, NotFound, provider_named, record_refusal, sso_sign_in
from web import oidc
from web.errors import SignInRequired
from web.routes.signin import local_path, sign_in_page, signed_in
from web.session import client_of, redress

router = APIRouter(include_in_schema=False)
PENDING = "sso"


def _redirect_uri(request: Request, name: str) -> str:
    base = redress(request).settings.base_url or str(request.base_url)
    return f"{base.rstrip('/')}/sign-in/sso/{name}/callback"


@router.get("/sign-in/sso/{name}")
def start(request: Request, name: str, next: str = "/") -> Response:
    app = redress(request)
    provider = provider_named(app, name)
    try:
        url, pending = oidc.begin(provider, _redirect_uri(request, name), local_path(next))
    except oidc.SsoFailed as exc:
        result = record_refusal(app, name, str(exc), client_of(request))
        return sign_in_page(request, next, error=result.message, status=502)
    request.session[PENDING] = pending.as_cookie()
    return RedirectResponse(url, status_code=303)


@router.get("/sign-in/sso/{name}/callback")
def callback(request: Request, name: str, state: str = "", code: str = "", error: str = "") -> Response:
    app = redress(request)
    try:
        provider = provider_named(app, name)
    except NotFound:
        raise SignInRequired() from None
    # Taken out of the session whatever happens next: a state is good for one way back only.
    pending = oidc.Pending.from_cookie(request.session.pop(PENDING, None))
    client = client_of(request)
    if pending is None or pending.provider != name or not state or state != pending.state:
        record_refusal(app, name, "state missing, replayed or not this browser's", client)
        return sign_in_page(request, "/", error=REFUSED, status=400)
    if error or not code:
        record_refusal(app, name, f"the provider said: {error[:80] or 'no code'}", client)
        return sign_in_page(request, pending.next, error=REFUSED, status=401)
    try:
        claims = oidc.finish(provider, _redirect_uri(request, name), pending, code)
    except oidc.SsoFailed as exc:
        record_refusal(app, name, str(exc), client)
        return sign_in_page(request, pending.next, error=REFUSED, status=401)
    result = sso_sign_in(app, provider, claims, client)
    if result.token is None or result.person_id is None:
        return sign_in_page(request, pending.next, error=result.message, status=401)
    return signed_in(request, result.token, result.person_id, pending.next)
