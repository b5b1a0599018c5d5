"""Features installed on a fresh app state: users and sessions, roles, (later) cloud code, live query."""

from __future__ import annotations

from .audit import install_audit
from .auth.adapters import AuthAdapters
from .auth.sessions import SessionStore
from .cloud.runtime import install_cloud
from .files import install_files
from .http import client_ip, rate_limit
from .http.invite_page import install_invite_page
from .http.pages import install_pages
from .livequery.service import install_live_query
from .rest import complexity
from .rest.idempotency import IdempotencyGuard
from .rest.installations import InstallationRules
from .rest.sessions_roles import RoleRules, SessionRules
from .rest.users import UserRules
from .state import AppState


async def install_features(state: AppState) -> None:
    """Each feature registers its class rules, listeners and caches on `state`."""
    state.services.sessions = SessionStore(state.storage, state.services.server_writes, state.schemas, state.settings)
    install_guards(state)
    install_auth_adapters(state)
    state.writer.class_hooks["_User"] = UserRules()
    state.writer.class_hooks["_Session"] = SessionRules()
    state.writer.class_hooks["_Role"] = RoleRules()
    state.writer.class_hooks["_Installation"] = InstallationRules()
    await install_files(state)
    install_pages(state)
    install_invite_page(state)  # staff invitations (parse_compat/auth/invites.py)
    if state.settings.idempotencyOptions:
        state.services.idempotency = IdempotencyGuard(state, state.settings.idempotencyOptions)
    await install_audit(state)  # before live query and cloud: their reads and writes are recorded
    await install_live_query(state)  # websocket route, write listener, bus (parse_compat/livequery)
    await install_cloud(state)  # last: cloud code may rely on everything above


def install_auth_adapters(state: AppState) -> None:
    """The `auth` option's providers (third-party login, mfa, custom adapters); a bad one stops the boot."""
    adapters = AuthAdapters(state.settings.auth, state.settings.enableAnonymousUsers)
    state.services.auth_adapters = adapters
    state.services.on_close.append(adapters.close)


def install_guards(state: AppState) -> None:
    """requestComplexity, rateLimit and trustProxy (issue 11); a bad value stops the boot."""
    state.services.request_complexity = complexity.resolve(state.settings)
    state.services.trust_proxy = client_ip.resolver(state.settings)
    limiter = rate_limit.build(state.settings)
    if limiter is not None:
        state.services.rate_limits = limiter
        state.services.on_close.append(limiter.close)
