"""The sign-in settings: single sign-on providers (OpenID Connect) and two-factor authentication.

A provider is written in `redress.toml` as a `[[sign_in_providers]]` table; its client secret is a
secret (never printed). docs/configuration.md walks through Microsoft Entra ID and Google Workspace.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

ProviderKind = Literal["entra", "google", "oidc"]
TwoFactor = Literal["required", "optional", "off"]

ENTRA_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"
GOOGLE_ISSUER = "https://accounts.google.com"
MAX_REMEMBER_DAYS = 30
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_TENANT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9.-]{1,253}")


class SignInProvider(BaseModel):
    """One OpenID Connect provider the school signs in with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="a short name used in the web address, such as microsoft")
    kind: ProviderKind = Field(description="entra, google or oidc")
    label: str = Field("", description="the button's words, such as 'Sign in with Microsoft'")
    client_id: str = Field(min_length=1, description="the application (client) id the provider gave")
    client_secret: SecretStr = Field(description="the client secret the provider gave")
    tenant: str | None = Field(None, description="Entra ID: the directory (tenant) id; only its accounts may sign in")
    hosted_domain: str | None = Field(None, description="Google Workspace: the school's domain (the `hd` claim)")
    issuer: str | None = Field(None, description="the issuer URL, when not the kind's usual one")
    mfa_counts: bool = Field(True, description="a sign-in the provider says used MFA (amr has 'mfa') meets two-factor")

    @model_validator(mode="after")
    def _restricted(self) -> SignInProvider:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"provider name '{self.name}': use lower-case letters, digits, - and _ (such as microsoft)")
        if self.kind == "entra" and not (self.tenant and _TENANT.fullmatch(self.tenant)):
            raise ValueError(
                f"provider '{self.name}': an Entra ID provider needs `tenant`, the directory (tenant) id; "
                "'common' or 'organizations' would let any organisation's accounts in"
            )
        if self.kind == "entra" and self.tenant in ("common", "organizations", "consumers"):
            raise ValueError(f"provider '{self.name}': tenant '{self.tenant}' is not one school: give the tenant id")
        if self.kind == "google" and not self.hosted_domain:
            raise ValueError(f"provider '{self.name}': a Google Workspace provider needs `hosted_domain` (such as school.org)")
        if self.kind == "oidc" and not self.issuer:
            raise ValueError(f"provider '{self.name}': an oidc provider needs `issuer`")
        if self.issuer is not None and not self.issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError(f"provider '{self.name}': the issuer must be an https:// address")
        return self

    @property
    def issuer_url(self) -> str:
        if self.issuer:
            return self.issuer.rstrip("/")
        return ENTRA_ISSUER.format(tenant=self.tenant) if self.kind == "entra" else GOOGLE_ISSUER

    @property
    def button(self) -> str:
        return self.label or {"entra": "Sign in with Microsoft", "google": "Sign in with Google"}.get(
            self.kind, f"Sign in with {self.name}"
        )

    def __str__(self) -> str:
        limit = f", tenant {self.tenant}" if self.tenant else f", domain {self.hosted_domain}" if self.hosted_domain else ""
        return f"{self.name} ({self.kind}{limit}, client id {self.client_id}, client secret ***)"
