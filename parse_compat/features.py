"""Features installed on a fresh app state: users and sessions, roles, files, audit, live query,
the log ring, push, analytics, cloud code and webhooks."""

from __future__ import annotations

from typing import Any

from .analytics import build_analytics
from .audit import install_audit
from .auth.adapters import AuthAdapters
from .auth.sessions import SessionStore
from .cloud.runtime import install_cloud
from .files import install_files
from .http import client_ip, rate_limit
from .http.invite_page import install_invite_page
from .http.pages import install_pages
from .livequery.service import install_live_query
from .logring import LogRing
from .push import install_push
from .rest import complexity
from .rest.idempotency import IdempotencyGuard
from .rest.installations import InstallationRules
from .rest.sessions_roles import RoleRules, SessionRules
from .rest.users import UserRules
from .state import AppState
from .webhooks import install_webhooks


def server_features(state: AppState) -> dict[str, Any]:
    """`GET /serverInfo`'s `features`, Parse's keys, true for what this server has."""
    every = {"create": True, "read": True, "update": True, "delete": True}
    push_on = state.services.push is not None
    return {
        "globalConfig": dict(every),
        "hooks": dict(every) if state.services.webhooks is not None else dict.fromkeys(every, False),
        "cloudCode": {"jobs": True},
        "logs": dict.fromkeys(("level", "size", "order", "until", "from"), state.services.log_ring is not None),
        "push": {"immediatePush": push_on, "scheduledPush": push_on and bool(state.settings.scheduledPush),
                 "storedPushData": push_on, "pushAudiences": True, "localization": push_on},
        "schemas": {"addField": True, "removeField": True, "addClass": True, "removeClass": True,
                    "clearAllDataFromClass": True, "exportClass": False, "editClassLevelPermissions": True,
                    "editPointerPermissions": True},
        "settings": {"securityCheck": False},
    }


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
    install_surface(state)
    await install_cloud(state)  # cloud code may rely on everything above
    await install_webhooks(state)  # after cloud: stored webhooks go into its hook table


def install_surface(state: AppState) -> None:
    """The log ring (`/scriptlog`), push, and analytics (issue 14)."""
    ring = LogRing()
    ring.attach()
    state.services.log_ring = ring

    async def detach() -> None:
        ring.detach()

    state.services.on_close.append(detach)
    install_push(state)
    state.services.analytics = build_analytics(state.settings.analyticsAdapter)


def install_auth_adapters(state: AppState) -> None:
    """The `auth` option's providers (third-party login, mfa, custom adapters); a bad one stops the boot."""
    adapters = AuthAdapters(state.settings.auth, state.settings.enableAnonymousUsers,
                            enable_insecure_adapters=state.settings.enableInsecureAuthAdapters)
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
