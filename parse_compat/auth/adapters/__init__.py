"""Third-party login: auth adapters with Parse Server 9's option shape and interface.

`registry.AuthAdapters` is built from the `auth` option at boot (`state.services.auth_adapters`);
one module per provider family: `openid` (Apple, Google: JWT + JWKS), `facebook`, `github` (code
flow), `bearer` (Microsoft, LinkedIn, Play Games, Keycloak), `oauth2` (RFC 7662), `mfa` (TOTP), `ldap`
(a bind to the directory, with `ldap3`),
`custom` (adapters written in Python). How `_User` writes use them: `rest/auth_data.py`.
"""

from .base import AuthAdapter, AuthFailure, AuthRequest
from .registry import AuthAdapters, Provider

__all__ = ["AuthAdapter", "AuthAdapters", "AuthFailure", "AuthRequest", "Provider"]
