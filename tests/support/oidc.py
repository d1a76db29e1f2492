"""A real OpenID Connect provider on loopback (oidc-provider-mock: Authlib's server in a Flask app), in a thread.

It signs ID tokens with its own key, publishes them in its JWKS, and issues whatever claims a test
gives a user (`set_user`): an Entra ID tenant (`tid`), a Google hosted domain (`hd`), `amr`, ...
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import oidc_provider_mock
import werkzeug.serving

TENANT = "11111111-2222-3333-4444-555555555555"


@dataclass(frozen=True)
class Provider:
    issuer: str

    def set_user(self, sub: str, **claims: Any) -> None:
        httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, url: str, sub: str) -> str:
        """The person picks `sub` at the provider: the address the browser is then sent back to."""
        answer = httpx.post(url, data={"sub": sub}, timeout=5, follow_redirects=False)
        assert answer.status_code == 302, answer.text[:300]
        return str(answer.headers["location"])

    def settings(self, name: str = "entra", kind: str = "entra", **more: Any) -> dict[str, Any]:
        limit = {"tenant": TENANT} if kind == "entra" else {"hosted_domain": "school.example"} if kind == "google" else {}
        return {
            "name": name,
            "kind": kind,
            "issuer": self.issuer,
            "client_id": "redress-tests",
            "client_secret": "a client secret",
            **limit,
            **more,
        }


@contextmanager
def running_provider() -> Iterator[Provider]:
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
