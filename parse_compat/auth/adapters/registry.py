"""The app's auth providers, built once at boot from the `auth` option and `enableAnonymousUsers`,
and the steps Parse runs with them: `before_find`, validation (legacy or set-up/login/update),
the login policy (additional/solo providers), challenges and `after_find`.

parse-compat: a built-in provider is offered only when the `auth` option names it (Parse enables
every built-in adapter unless `enabled: false`); an unconfigured provider answers 252, like an
unknown one. `anonymous` follows `enableAnonymousUsers` (default true).
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

from ...errors import OTHER_CAUSE, SCRIPT_FAILED, UNSUPPORTED_SERVICE, ParseError
from .base import NEW_HOOKS, POLICIES, AuthFailure, AuthRequest, call_hook
from .bearer import GooglePlayGamesAdapter, KeycloakAdapter, LinkedinAdapter, MicrosoftAdapter
from .custom import hooks_of, load_module
from .facebook import FacebookAdapter
from .gcenter import GameCenterAdapter
from .github import GithubAdapter
from .ldap import LdapAdapter
from .mfa import MfaAdapter
from .oauth2 import OAuth2Adapter
from .openid import AppleAdapter, GoogleAdapter
from .tools import ProviderTools
from .twitter import TwitterAdapter

log = logging.getLogger("parse_compat.auth")

BUILT_INS: dict[str, type] = {
    "apple": AppleAdapter, "google": GoogleAdapter, "facebook": FacebookAdapter, "github": GithubAdapter,
    "microsoft": MicrosoftAdapter, "linkedin": LinkedinAdapter, "gpgames": GooglePlayGamesAdapter,
    "keycloak": KeycloakAdapter, "mfa": MfaAdapter, "twitter": TwitterAdapter,
    "gcenter": GameCenterAdapter, "ldap": LdapAdapter,
}
UNSUPPORTED = "This authentication method is unsupported."


@dataclass
class Provider:
    name: str
    hooks: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def app_ids(self) -> Any:
        return self.options.get("appIds")

    def policy_for(self, request: AuthRequest, stored: Any) -> str:
        policy = self.hooks.get("policy", "default")
        if callable(policy):
            policy = policy(request, stored)
        return str(policy or "default")


def _anonymous() -> Provider:
    return Provider("anonymous", {"validate_auth_data": lambda *args: None})


def build_provider(name: str, options: Any, tools: ProviderTools) -> Provider:
    if name == "twitter" and isinstance(options, list):
        options = {"configurations": options}  # Parse: several Twitter apps, picked by authData.consumer_key
    if not isinstance(options, dict):
        raise ValueError(f"auth.{name} must be a JSON object")
    hooks: dict[str, Any] = {}
    kind = OAuth2Adapter if options.get("oauth2") is True else BUILT_INS.get(name)
    if kind is not None and "module" not in options:
        try:
            adapter = kind(name, options, tools)
        except (AuthFailure, ParseError) as exc:
            raise ValueError(f"auth.{name}: {exc}") from exc
        hooks = hooks_of(adapter)
    if "module" in options:
        custom = hooks_of(load_module(name, options["module"]))
        hooks.update(custom)
        if "validate_options" in custom:
            try:
                custom["validate_options"](options)
            except Exception as exc:  # noqa: BLE001 - a custom adapter's refusal of its options
                raise ValueError(f"auth.{name}: {exc}") from exc
    if not hooks:
        raise ValueError(f"auth.{name}: not a built-in provider; give its Python adapter as \"module\"")
    if not callable(hooks.get("validate_auth_data")) and not all(callable(hooks.get(n)) for n in NEW_HOOKS):
        raise ValueError(f"auth.{name}: implement validate_auth_data or all of validate_set_up, validate_login "
                         "and validate_update")
    if inspect.iscoroutinefunction(hooks.get("after_find")):
        # parse-compat: after_find shapes every read of a user, which stays synchronous here
        raise ValueError(f"auth.{name}.after_find must be a plain (not async) function")
    policy = hooks.get("policy")
    if policy is not None and not callable(policy) and policy not in POLICIES:
        raise ValueError(f"auth.{name}.policy must be \"default\", \"additional\" or \"solo\"")
    return Provider(name, hooks, options)


def _as_error(exc: Exception, default: str) -> ParseError:
    if isinstance(exc, ParseError):
        return exc
    if isinstance(exc, AuthFailure):
        return ParseError(SCRIPT_FAILED, str(exc) or default)
    log.error("auth adapter failed: %s", type(exc).__name__)
    return ParseError(SCRIPT_FAILED, default)


class AuthAdapters:
    """`state.services.auth_adapters`."""

    def __init__(self, auth_options: dict[str, Any] | None, enable_anonymous_users: bool = True,
                 tools: ProviderTools | None = None, *, enable_insecure_adapters: bool = False) -> None:
        self.tools = tools or ProviderTools()
        self._providers: dict[str, Provider] = {}
        if enable_anonymous_users:
            self._providers["anonymous"] = _anonymous()
        if auth_options is not None and not isinstance(auth_options, dict):
            raise ValueError("auth must be a JSON object of providers")
        for name, options in (auth_options or {}).items():
            if isinstance(options, dict) and options.get("enabled") is False:
                self._providers.pop(name, None)
                continue
            if name == "anonymous":
                continue  # nothing to configure; enableAnonymousUsers decides
            if isinstance(options, dict) and options.get("enableInsecureAuth") is True and not enable_insecure_adapters:
                # parse-compat: Parse 9 gates only its legacy adapters on enableInsecureAuthAdapters; here a
                # provider's insecure mode (a client-held token) always needs that server-wide consent too
                raise ValueError(f"auth.{name}.enableInsecureAuth needs the option enableInsecureAuthAdapters: true")
            self._providers[name] = build_provider(name, options, self.tools)

    def get(self, name: str) -> Provider | None:
        return self._providers.get(name)

    def require(self, name: str) -> Provider:
        provider = self._providers.get(name)
        if provider is None:
            raise ParseError(UNSUPPORTED_SERVICE, UNSUPPORTED)
        return provider

    async def close(self) -> None:
        await self.tools.close()

    async def before_find(self, auth_data: dict[str, Any]) -> None:
        """Lets code-flow providers (GitHub) turn a code into an id before the account lookup."""
        for name in sorted(auth_data):
            data = auth_data[name]
            if data is None:
                continue
            provider = self.require(name)
            hook = provider.hooks.get("before_find")
            if hook is not None:
                try:
                    await call_hook(hook, data, provider.options)
                except Exception as exc:  # noqa: BLE001 - answered as Parse answers adapter errors
                    raise _as_error(exc, "Auth failed. Unknown error.") from exc

    async def validate(self, auth_data: dict[str, Any], request: AuthRequest, stored: dict[str, Any] | None,
                       logged_in: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """Validates each provider in name order (Parse's order) → (what to store, authDataResponse).

        `stored` is the account's current authData (None: no account yet); `logged_in` is true when
        the caller is that account or the master key (set-up/update rather than login)."""
        to_store: dict[str, Any] = {}
        responses: dict[str, Any] = {}
        for name in sorted(auth_data):
            data = auth_data[name]
            if data is None:
                to_store[name] = None
                continue
            provider = self.require(name)
            hooks, options = provider.hooks, provider.options
            try:
                if provider.app_ids and "validate_app_id" in hooks:
                    await call_hook(hooks["validate_app_id"], provider.app_ids, data, options, request)
                if "validate_auth_data" in hooks:
                    request.trigger_name = "validateAuthData"
                    result = await call_hook(hooks["validate_auth_data"], data, options, request)
                else:
                    configured = bool(stored and stored.get(name))
                    method = ("validate_update" if configured else "validate_set_up") if logged_in else \
                        ("validate_login" if configured else "validate_set_up")
                    request.trigger_name = {"validate_update": "validateUpdate", "validate_set_up": "validateSetUp",
                                            "validate_login": "validateLogin"}[method]
                    result = await call_hook(hooks[method], data, options, request)
            except Exception as exc:  # noqa: BLE001 - answered as Parse answers adapter errors
                raise _as_error(exc, "Auth failed. Unknown error.") from exc
            if not isinstance(result, dict) or not result:
                to_store[name] = data
                continue
            if result.get("response") is not None:
                responses[name] = result["response"]
            if not result.get("doNotSave"):
                to_store[name] = result.get("save") or data
        return to_store, responses

    def check_login_policy(self, provided: dict[str, Any] | None, stored: dict[str, Any] | None,
                           request: AuthRequest) -> None:
        """An account with an "additional" provider (mfa) needs it on every login, unless a "solo"
        provider is used (Parse's checkIfUserHasProvidedConfiguredProvidersForLogin)."""
        provided = provided or {}
        stored = stored or {}
        saved = [(name, provider) for name in stored if stored.get(name)
                 for provider in [self._providers.get(name)] if provider is not None]
        policies = {name: provider.policy_for(request, stored[name]) for name, provider in saved}
        if any(policy == "solo" and provided.get(name) for name, policy in policies.items()):
            return
        missing: list[str] = []
        for name, policy in policies.items():
            if policy != "additional":
                continue
            if provided.get(name):
                return
            missing.append(name)
        if missing:
            raise ParseError(OTHER_CAUSE, f"Missing additional authData {','.join(missing)}")

    async def challenge(self, challenge_data: dict[str, Any], auth_data: dict[str, Any] | None,
                        request: AuthRequest) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for name in sorted(challenge_data):
            provider = self._providers.get(name)
            if provider is None or "challenge" not in provider.hooks:
                continue
            try:
                answer = await call_hook(provider.hooks["challenge"], challenge_data[name],
                                         (auth_data or {}).get(name), provider.options, request)
            except Exception as exc:  # noqa: BLE001 - answered as Parse answers adapter errors
                raise _as_error(exc, "Challenge failed. Unknown error.") from exc
            answers[name] = answer if answer else True
        return answers

    def after_find(self, auth_data: dict[str, Any], request: AuthRequest) -> dict[str, Any]:
        """What the caller is shown of a user's authData (mfa: only its status). Sync hooks only."""
        shown = dict(auth_data)
        for name, data in auth_data.items():
            provider = self._providers.get(name)
            hook = provider.hooks.get("after_find") if provider else None
            if hook is None or data is None:
                continue
            replaced = hook(request, data, provider.options if provider else {})
            if isinstance(replaced, dict):
                shown[name] = replaced
        return shown
