"""GraphQL subscriptions backed by Live Query (beyond Parse Server): one `Subscription` field per
live class, named like its find query — `treatmentPlans(where: TreatmentPlanWhereInput)` —
yielding `<Class>SubscriptionPayload` {event, node, original} for `create`, `enter`, `update`,
`leave` and `delete`.

A GraphQL subscription is a Live Query client of its own, fed through `livequery.operations`
(connect, subscribe) with the caller's identity: the same class, CLP, ACL, protected-field and
`watch` decisions as a Live Query websocket, and the same per-user limits. Events arrive as Live
Query frames on an in-process transport and are turned into payloads.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLArgument, GraphQLField, GraphQLNonNull, GraphQLObjectType, GraphQLResolveInfo, GraphQLString

from ..errors import ParseError
from ..livequery.protocol import Connect, ProtocolError, Subscribe
from .classes import ClassTypeSet
from .context import GraphQLContext
from .names import find_query_name
from .translate import where_to_parse

EVENTS = frozenset({"create", "enter", "update", "leave", "delete"})
REQUEST_ID = 1


class QueueTransport:
    """A Live Query transport that hands frames to the GraphQL subscription instead of a socket."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1000)

    async def send(self, text: str) -> None:
        await self.frames.put(text)

    def fits(self, text: str) -> bool:
        return not self.frames.full()

    async def close(self, code: int, reason: str) -> None:
        if not self.frames.full():
            self.frames.put_nowait(None)


def _context(info: GraphQLResolveInfo) -> GraphQLContext:
    context = info.context
    assert isinstance(context, GraphQLContext)
    return context


def live_events(class_name: str) -> Any:
    """The `subscribe` function of one class's subscription field."""

    async def subscribe(_root: Any, info: GraphQLResolveInfo, where: dict[str, Any] | None = None
                        ) -> AsyncIterator[dict[str, Any]]:
        context = _context(info)
        live = context.ctx.state.services.livequery
        if live is None:
            raise ParseError(119, "Live Query is not enabled on this server (liveQuery.classNames).")
        parse_where = where_to_parse(where, class_name, context.classes)
        transport = QueueTransport()
        client = live.new_client(transport)
        auth = context.ctx.auth
        keys = {name: secret for name, secret in live.config.key_pairs.items() if name != "masterKey"}
        if auth.is_master and not auth.is_maintenance and "masterKey" in live.config.key_pairs:
            keys["masterKey"] = live.config.key_pairs["masterKey"]
        try:
            try:
                await live.operations.connect(client, Connect(context.ctx.state.settings.appId, keys,
                                                              auth.session_token, auth.installation_id))
                await live.operations.subscribe(client, Subscribe("subscribe", REQUEST_ID, class_name, parse_where,
                                                                  None, None, None))
            except ProtocolError as exc:
                raise ParseError(exc.code, exc.message) from exc
            return _events(transport, client)
        except BaseException:
            client.drop(1000, "")
            raise

    return subscribe


async def _events(transport: QueueTransport, client: Any) -> AsyncIterator[dict[str, Any]]:
    try:
        while True:
            text = await transport.frames.get()
            if text is None:
                return
            frame = json.loads(text)
            op = frame.get("op")
            if op == "error":
                raise ParseError(int(frame.get("code", 1)), str(frame.get("error", "Live Query error")))
            if op in EVENTS:
                yield {"event": op, "node": frame.get("object"), "original": frame.get("original")}
    finally:
        client.drop(1000, "")


def subscription_type(types: ClassTypeSet, live_classes: list[str]) -> GraphQLObjectType | None:
    fields: dict[str, GraphQLField] = {}
    for class_name in live_classes:
        class_types = types.by_class.get(class_name)
        if class_types is None:
            continue
        payload = GraphQLObjectType(f"{class_types.name}SubscriptionPayload", {
            "event": GraphQLField(GraphQLNonNull(GraphQLString), description="create, enter, update, leave or delete"),
            "node": GraphQLField(class_types.output, description="The object after the change."),
            "original": GraphQLField(class_types.output, description="The object before an update.")})
        fields[find_query_name(class_name)] = GraphQLField(
            GraphQLNonNull(payload), args={"where": GraphQLArgument(class_types.where)},
            subscribe=live_events(class_name), resolve=lambda event, _info, **_args: event,
            description=f"Changes to {class_types.name} objects matching `where`, as Live Query sends them.")
    if not fields:
        return None
    return GraphQLObjectType("Subscription", fields, description="Subscription is the top level type for "
                                                                 "subscriptions.")
