"""The auth adapter interface, Parse Server 9's shape in Python.

An adapter validates the `authData` a client sends for one provider. Two interfaces, as Parse has:

- legacy: `validate_auth_data(auth_data, options, request)` (+ `validate_app_id(app_ids, auth_data,
  options, request)`), called on every signup, login and link with that provider;
- newer: `validate_set_up` (first use of the provider on an account), `validate_login` (not logged
  in, provider already on the account), `validate_update` (logged in, provider already there), each
  `(auth_data, options, request)`, plus `challenge(challenge_data, auth_data, options, request)` for
  `POST /challenge`, `after_find(request, auth_data, options)` (what the user is shown of their
  stored data) and `policy` ("default", "additional" — a second factor such as `mfa` — or "solo").

Every hook may be sync or async. A hook returns nothing (store what the client sent) or an
`AuthResult`-shaped dict: `{"save": {...}}` (store this instead), `{"doNotSave": True}`,
`{"response": {...}}` (sent back under `authDataResponse`). A hook refuses with `ParseError`, or
with `AuthFailure(message)` (answered as Parse answers a thrown string: 141 and the message).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tools import ProviderTools

POLICIES = ("default", "additional", "solo")
NEW_HOOKS = ("validate_set_up", "validate_login", "validate_update")


class AuthFailure(Exception):
    """An adapter's refusal with a message for the client (Parse: a thrown string → 141)."""


@dataclass
class AuthRequest:
    """What a hook learns about the request (Parse's trigger request object, the parts that apply).

    `original` is the stored user (REST JSON, server fields removed) when there is one; `user` the
    caller's user; `object` the user as it will be after the write."""

    master: bool = False
    ip: str | None = None
    installation_id: str | None = None
    user: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    object: dict[str, Any] = field(default_factory=dict)
    trigger_name: str | None = None
    is_challenge: bool = False


async def call_hook(hook: Any, *args: Any) -> Any:
    """Calls a sync or async hook."""
    value = hook(*args)
    if inspect.isawaitable(value):
        value = await value
    return value


class AuthAdapter:
    """Base class of the built-in adapters: newer interface hooks answering "nothing to change".

    Subclasses override `validate_options` (called once at boot with the provider's options) and
    either `validate_auth_data` or the three `validate_*` hooks."""

    policy: Any = "default"

    def __init__(self, name: str, options: dict[str, Any], tools: ProviderTools) -> None:
        self.name = name
        self.options = options
        self.tools = tools
        self.validate_options(options)

    def validate_options(self, options: dict[str, Any]) -> None:
        return None

    async def fetch_json(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any, dict[str, str]]:
        """A bounded call to the provider (`timeout` option in seconds, default 5)."""
        timeout = self.options.get("timeout")
        limit = float(timeout) if isinstance(timeout, (int, float)) and 0 < timeout <= 60 else None
        return await self.tools.http.request_json(method, url, timeout=limit, **kwargs)

    def url(self, option: str, default: str) -> str:
        """A provider URL, overridable per adapter in the `auth` options (tests use local fakes)."""
        value = self.options.get(option)
        return value if isinstance(value, str) and value else default
