"""Everything one app instance owns: settings, storage, schema registry, caches, writer, hooks.

Lives on the aiohttp application; nothing is shared between two apps in one process. The services
features install (session cache, cloud code, live query, files...) are the typed attributes of
`Services` (`state.services`): a reader sees here what the app is made of, and mypy checks every use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .auth.roles import RoleResolver
from .schema.registry import SchemaRegistry
from .settings import Settings
from .storage.base import StorageAdapter

if TYPE_CHECKING:
    from aiohttp import web

    from .analytics import AnalyticsAdapter
    from .auth.adapters import AuthAdapters
    from .auth.invites import Invites
    from .auth.sessions import SessionStore
    from .cloud.runtime import CloudRuntime
    from .codec.safe_json import Reporter
    from .files.references import FileReferenceCheck
    from .files.service import FilesService
    from .http.api import Router
    from .http.client_ip import Trust
    from .http.rate_limit import RateLimiter
    from .livequery.service import LiveQuery
    from .logring import LogRing
    from .looplag import LoopLagMonitor
    from .mail import MailAdapter
    from .outbox import Outbox
    from .push import PushService
    from .rest.account_mail import AccountMail
    from .rest.idempotency import IdempotencyGuard
    from .rest.triggers import Triggers
    from .rest.write import Writer
    from .rest.write.server_owned import ServerOwnedWrites
    from .supervisor import Supervisor
    from .webhooks import WebhookRegistry

Closer = Callable[[], Awaitable[None]]
# A route outside the JSON API (file bodies, the Live Query websocket, HTML pages): matcher + handler.
RawRoute = tuple[Callable[[str, str, Any], bool], Callable[["web.Request", str], Awaitable["web.StreamResponse"]]]


@dataclass
class Services:
    """The services features install on an app; `None` where a feature is off or not built yet."""

    server_writes: ServerOwnedWrites = field(init=False)  # set by app.build_state: bookkeeping writes
    sessions: SessionStore = field(init=False)  # always installed first (features.install_features)
    on_close: list[Closer] = field(default_factory=list)  # run in order when the app stops
    on_shutdown: list[Closer] = field(default_factory=list)  # before handlers finish (websockets)
    raw_routes: list[RawRoute] = field(default_factory=list)
    cloud: CloudRuntime | None = None
    triggers: Triggers | None = None  # the cloud runtime's triggers, or a test's
    trust_proxy: Trust | None = None  # trustProxy
    request_complexity: dict[str, Any] | None = None  # requestComplexity, resolved
    rate_limits: RateLimiter | None = None
    mail: MailAdapter | None = None  # built on first use (mail.mail_of)
    file_url: Callable[[str], str] | None = None  # signed urls of the files feature
    account_mail: AccountMail | None = None
    outbox: Outbox | None = None
    router: Router | None = None
    loop_lag: LoopLagMonitor | None = None
    livequery: LiveQuery | None = None
    invites: Invites | None = None
    idempotency: IdempotencyGuard | None = None
    files: FilesService | None = None
    file_reference_check: FileReferenceCheck | None = None
    bad_values: Reporter | None = None
    supervisor: Supervisor | None = None
    audit: Any = None  # the audit trail (another branch types it)
    auth_adapters: AuthAdapters = field(init=False)  # the `auth` option's providers (auth/adapters)
    push: PushService | None = None  # POST /push (parse_compat/push)
    webhooks: WebhookRegistry | None = None  # /hooks (parse_compat/webhooks)
    log_ring: LogRing | None = None  # GET /scriptlog (parse_compat/logring.py)
    analytics: AnalyticsAdapter | None = None  # POST /events (parse_compat/analytics.py)


@dataclass
class AppState:
    settings: Settings
    storage: StorageAdapter
    schemas: SchemaRegistry
    roles: RoleResolver
    writer: Writer
    services: Services = field(default_factory=Services)

    def file_url(self, name: str) -> str:
        signed = self.services.file_url  # the files feature (protected files: signed URLs)
        if signed is not None:
            return str(signed(name))
        base = (self.settings.publicServerURL or "").rstrip("/")
        return f"{base}/files/{self.settings.appId}/{quote(name)}"
