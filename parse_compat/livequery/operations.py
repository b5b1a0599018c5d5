"""The client operations: connect, subscribe, update, unsubscribe — checked as REST would check a find.

connect: the application id and ``keyPairs`` (error 4), the session token (209 when invalid —
parse-compat: Parse Server silently treats a bad token as anonymous), ``before_connect``.

subscribe / update: the token (own, else the connect-level one), ``before_subscribe``, the class
(master-only classes and unknown classes → 119, as for a REST find), the CLP for ``find`` /
``get`` (119, or 101 for ``requiresAuthentication``), ``_Session`` forced to the caller's own
sessions (209 without a user), protected fields in ``where`` or ``watch`` (119), and the
``where`` validated by the REST where preparer (102, 105, 107). Sub-queries (``$inQuery``,
``$notInQuery``, ``$select``, ``$dontSelect``, ``$relatedTo``, relation-field constraints) are
accepted and never match, as in Parse Server's in-memory matcher.

Limits (``config``): subscriptions per socket (checked before any work), subscriptions per user
over all their sockets, and sockets connected with one user's session. Past them the frame is
refused with code 155 (Parse's "request limit exceeded") and ``reconnect: false``; a socket
that keeps asking past its limit (``MAX_REFUSALS`` times) is disconnected (close code 1008),
so a flood of frames stops costing anything.
"""

from __future__ import annotations

from typing import Any

from ..auth.identity import Auth
from ..errors import OPERATION_FORBIDDEN, SCRIPT_FAILED, ParseError
from ..rest.context import RequestContext
from ..rest.grants import class_for_read, grant_for
from ..rest.output import render_object
from ..rest.where import WherePreparer
from ..state import AppState
from ..storage.base import ClassSchema
from . import hooks, protocol
from .access import clp_operation, protected_in_query
from .client import CLOSE_POLICY_VIOLATION, Client, SubscriptionInfo
from .config import LiveQueryConfig
from .hub import Hub, query_hash
from .protocol import NOT_CONNECTED, Connect, ProtocolError, Subscribe, Unsubscribe
from .sessions import SessionWatch, invalid_token

NEVER: dict[str, Any] = {"$in": []}
REQUEST_LIMIT_EXCEEDED = 155  # Parse.Error.REQUEST_LIMIT_EXCEEDED
MAX_REFUSALS = 100
SUBQUERY_OPERATORS = frozenset({"$inQuery", "$notInQuery", "$select", "$dontSelect"})


async def _no_sub_find(ctx: RequestContext, class_name: str, where: dict[str, Any],
                       keys: list[str] | None = None) -> list[dict[str, Any]]:
    raise AssertionError("live query wheres never run sub-queries")


class LiveWherePreparer(WherePreparer):
    """The REST where validation, with sub-queries kept as never-matching constraints."""

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(ctx, _no_sub_find)

    async def _operators(self, schema: ClassSchema, key: str, ops: dict[str, Any], depth: int) -> dict[str, Any]:
        if SUBQUERY_OPERATORS & ops.keys():
            return dict(NEVER)
        return await super()._operators(schema, key, ops, depth)

    async def _related_to(self, value: Any) -> dict[str, Any]:
        return {"objectId": dict(NEVER)}

    async def _relation_constraint(self, schema: ClassSchema, key: str, constraint: Any) -> dict[str, Any]:
        return {"objectId": dict(NEVER)}


class Operations:
    def __init__(self, state: AppState, config: LiveQueryConfig, hub: Hub, watch: SessionWatch) -> None:
        self.state = state
        self.config = config
        self.hub = hub
        self.watch = watch

    async def handle(self, client: Client, text: str | bytes) -> None:
        """One client frame; every failure becomes an ``error`` frame, never a dropped socket."""
        try:
            request = protocol.parse_request(text)
            if isinstance(request, Connect):
                await self.connect(client, request)
            elif isinstance(request, Subscribe):
                await self.subscribe(client, request)
            elif isinstance(request, Unsubscribe):
                self.unsubscribe(client, request)
        except ProtocolError as exc:
            client.send(exc.frame())
            if exc.code == REQUEST_LIMIT_EXCEEDED:
                client.refusals += 1
                if client.refusals >= MAX_REFUSALS:
                    client.drop(CLOSE_POLICY_VIOLATION, "too many requests past the limits")

    # --- connect ---------------------------------------------------------------------------
    def _keys_valid(self, request: Connect) -> bool:
        if request.application_id != self.state.settings.appId:
            return False
        pairs = self.config.key_pairs
        return not pairs or any(request.keys.get(name) == secret for name, secret in pairs.items())

    async def connect(self, client: Client, request: Connect) -> None:
        if not self._keys_valid(request):
            raise ProtocolError(protocol.INVALID_KEY, "Key in request is not valid")
        master_key = self.config.key_pairs.get("masterKey")
        is_master = master_key is not None and request.keys.get("masterKey") == master_key
        user = None
        try:
            if request.session_token:
                user = await self.watch.user_for(request.session_token)
            ctx = RequestContext(self.state, Auth(is_master=is_master, user=user, session_token=request.session_token,
                                                  installation_id=request.installation_id))
            await hooks.before_connect(ctx, {
                "event": "connect", "clients": self.hub.client_count, "subscriptions": self.hub.subscription_count,
                "sessionToken": request.session_token, "useMasterKey": is_master,
                "installationId": request.installation_id, "user": self._user_json(ctx, user),
            })
        except ParseError as exc:
            raise ProtocolError(exc.code, exc.message, False) from exc
        user_id = user["objectId"] if user else None
        if client.connected:
            self.hub.remove_client(client)  # a second connect on one socket starts afresh
        if user_id is not None and self.hub.clients_of(user_id) >= self.config.max_clients_per_user:
            client.connected = False
            raise ProtocolError(REQUEST_LIMIT_EXCEEDED, f"Too many Live Query connections for this user (limit "
                                                        f"{self.config.max_clients_per_user})", False)
        client.connected = True
        client.installation_id = request.installation_id
        client.is_master = is_master
        client.session_token = request.session_token
        client.user_id = user_id
        client.dead_tokens = None
        self.hub.add_client(client)
        client.send(protocol.connected(client.id, client.installation_id))

    def _user_json(self, ctx: RequestContext, user: dict[str, Any] | None) -> dict[str, Any] | None:
        schema = self.state.schemas.get("_User")
        if user is None or schema is None:
            return None
        rendered = render_object(ctx, schema, user)
        rendered["className"] = "_User"
        return rendered

    # --- subscribe / update ----------------------------------------------------------------
    async def subscribe(self, client: Client, request: Subscribe) -> None:
        if not client.connected:
            raise ProtocolError(NOT_CONNECTED, "Can not find this client, make sure you connect to server before "
                                               "subscribing")
        limits = self.config
        replacing = request.request_id in client.subscriptions
        if not replacing and len(client.subscriptions) >= limits.max_subscriptions_per_client:
            raise ProtocolError(REQUEST_LIMIT_EXCEEDED, f"Too many subscriptions on this connection (limit "
                                                        f"{limits.max_subscriptions_per_client})", False,
                                request.request_id)
        if request.op == "update":
            # parse-compat: Parse Server also answers an update of an unknown requestId with
            # error 2 (reconnect: true) before subscribing; here it simply subscribes.
            self.hub.unsubscribe(client, request.request_id)
        try:
            info = await self._prepare(client, request)
        except ParseError as exc:
            raise ProtocolError(exc.code, exc.message, False, request.request_id) from exc
        if client.closed:
            return
        previous = client.subscriptions.get(request.request_id)
        if info.user_id is not None and (previous is None or previous.user_id != info.user_id) and \
                self.hub.subscriptions_of(info.user_id) >= limits.max_subscriptions_per_user:
            raise ProtocolError(REQUEST_LIMIT_EXCEEDED, f"Too many subscriptions for this user (limit "
                                                        f"{limits.max_subscriptions_per_user})", False,
                                request.request_id)
        if len(client.subscriptions) >= limits.max_subscriptions_per_client and previous is None:
            # another subscribe of this socket completed while this one was being prepared
            raise ProtocolError(REQUEST_LIMIT_EXCEEDED, f"Too many subscriptions on this connection (limit "
                                                        f"{limits.max_subscriptions_per_client})", False,
                                request.request_id)
        self.hub.subscribe(info)
        client.send(protocol.subscribed(client.id, client.installation_id, request.request_id))

    async def _prepare(self, client: Client, request: Subscribe) -> SubscriptionInfo:
        token = request.session_token or client.session_token
        if client.token_is_dead(token):
            raise invalid_token()
        user = await self.watch.user_for(token) if token else None
        auth = Auth(is_master=client.is_master, user=user, session_token=token,
                    installation_id=client.installation_id)
        ctx = RequestContext(self.state, auth)
        class_name = request.class_name
        query: dict[str, Any] = {"className": class_name, "where": request.where}
        if request.keys is not None:
            query["keys"] = list(request.keys)
        if request.watch is not None:
            query["watch"] = list(request.watch)
        if not client.is_master and hooks.has_before_subscribe(ctx, class_name):
            # permission first: no beforeSubscribe hook (Python or a webhook) hears a refused subscriber;
            # the query the hook returns is checked again below
            asked = dict(request.where)
            schema = await class_for_read(ctx, class_name, clp_operation(asked)) or ClassSchema(class_name, {})
            await self._check_class(ctx, schema, clp_operation(asked), asked, request.watch)
        hooked = await hooks.before_subscribe(ctx, class_name, {
            "op": request.op, "requestId": request.request_id, "query": query, "sessionToken": token,
            "user": self._user_json(ctx, user), "installationId": client.installation_id,
            "useMasterKey": client.is_master,
        })
        hooked_query = hooked.get("query")
        if isinstance(hooked_query, dict):
            query = hooked_query
        problem = protocol.schema_error(query, protocol.SCHEMAS["subscribe"]["properties"]["query"])
        if problem:
            raise ParseError(SCRIPT_FAILED, f"beforeSubscribe returned an invalid query: {problem}")
        where = dict(query["where"])
        keys = tuple(query["keys"]) if "keys" in query else None
        watch = tuple(query["watch"]) if "watch" in query else None
        schema = await class_for_read(ctx, class_name, clp_operation(where)) or ClassSchema(class_name, {})
        if class_name == "_Session":
            if auth.user_pointer is None and not client.is_master:
                raise invalid_token()
            if auth.user_pointer is not None:
                where["user"] = auth.user_pointer
        operation = clp_operation(where)
        if not client.is_master:
            await self._check_class(ctx, schema, operation, where, watch)
        prepared = await LiveWherePreparer(ctx).prepare(schema, where)
        return SubscriptionInfo(client, request.request_id, class_name, prepared, query_hash(class_name, prepared),
                                keys, watch, token, auth.user_id, operation)

    async def _check_class(self, ctx: RequestContext, schema: ClassSchema, operation: str, where: dict[str, Any],
                           watch: tuple[str, ...] | None) -> None:
        """The policy's grant, as for a REST find; a protected field in `where` or `watch` → 119."""
        hidden = (await grant_for(ctx, schema, operation)).hidden
        if hidden and (protected_in_query(where, hidden) or any(name.split(".")[0] in hidden for name in watch or ())):
            raise ParseError(OPERATION_FORBIDDEN, "Permission denied")

    # --- unsubscribe -----------------------------------------------------------------------
    def unsubscribe(self, client: Client, request: Unsubscribe) -> None:
        if not client.connected:
            raise ProtocolError(NOT_CONNECTED, "Can not find this client, make sure you connect to server before "
                                               "unsubscribing")
        if self.hub.unsubscribe(client, request.request_id) is None:
            raise ProtocolError(NOT_CONNECTED, f"Cannot find subscription with clientId {client.id} subscriptionId "
                                               f"{request.request_id}. Make sure you subscribe to live query server "
                                               "before unsubscribing.")
        client.send(protocol.unsubscribed(client.id, client.installation_id, request.request_id))
