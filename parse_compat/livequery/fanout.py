"""One change → the frames each subscriber of this process receives.

For every distinct query of the class (``hub``), the object before and after the write is
matched once with the shared in-memory matcher. For each subscriber of a matching query the
class rules (``access``), the event decision (``events``), the optional ``after_event`` hook and
the rendering follow. A rendering (REST JSON + ``className``, protected fields stripped,
``keys`` applied) is serialized once per distinct view and reused, so a thousand subscribers
that see the same object cost one ``json.dumps``. Frames are only queued (``Client.send``):
nothing here waits on a socket. Matching runs in the bus task, never in the write's request,
and yields to the event loop every few milliseconds when a change has many candidate queries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..audit import audit_of
from ..auth.identity import MASTER, Auth
from ..errors import ParseError
from ..query.matcher import matches
from ..rest.context import RequestContext
from ..rest.output import render_object
from ..state import AppState
from ..storage.base import ClassSchema
from . import hooks, protocol
from .access import ClassAccess, Verdict, Viewer, class_verdict, readable
from .client import SubscriptionInfo
from .events import Decision, decide_delete, decide_save, project_keys
from .hub import Hub

log = logging.getLogger("parse_compat.livequery")
_UNKNOWN: Any = object()
SLICE_SECONDS = 0.005  # the longest stretch one change holds the event loop before yielding
SLICE_CHECK_EVERY = 64
_HOOKED: Any = "<after_event hook>"


@dataclass(frozen=True)
class Change:
    """A successful write as it travels on the bus: documents carry their ACL, never secrets."""

    class_name: str
    event: str  # create | update | delete
    after: dict[str, Any] | None
    before: dict[str, Any] | None
    clp: dict[str, Any] | None

    def to_wire(self) -> dict[str, Any]:
        return {"t": "change", "className": self.class_name, "event": self.event, "after": self.after,
                "before": self.before, "clp": self.clp}

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> Change:
        return cls(message["className"], message["event"], message.get("after"), message.get("before"),
                   message.get("clp"))


class Fanout:
    def __init__(self, state: AppState, hub: Hub) -> None:
        self.state = state
        self.hub = hub

    async def dispatch(self, change: Change) -> int:
        """Queue the frames for ``change``; returns how many were queued."""
        subscriptions = self.hub.candidates(change.class_name, (change.before, change.after))
        if not subscriptions:
            return 0
        run = _Run(self.state, self.hub, change)
        sent = 0
        audit = audit_of(self.state)  # the audit trail: one entry per event delivered (parse_compat/audit)
        audit = audit if audit is not None and audit.audited(change.class_name) else None
        doc_id = (change.after or change.before or {}).get("objectId")
        slice_end = time.perf_counter() + SLICE_SECONDS
        for count, subscription in enumerate(subscriptions, 1):
            if count % SLICE_CHECK_EVERY == 0 and time.perf_counter() > slice_end:
                await asyncio.sleep(0)  # many candidate queries: let HTTP requests run in between
                slice_end = time.perf_counter() + SLICE_SECONDS
            try:
                before_matches = change.before is not None and matches(change.before, subscription.where)
                after_matches = change.after is not None and matches(change.after, subscription.where)
            except ParseError as exc:
                log.warning("live query: cannot match %s %s: %s", change.class_name, subscription.hash, exc)
                continue
            if not (before_matches or after_matches):
                continue
            for info in list(subscription.members.values()):
                if info.client.closed:
                    continue
                try:
                    # the common case (verdict known, no hook) runs without creating a coroutine
                    verdict = run.verdicts.get(run.verdict_key(info), _UNKNOWN)
                    if verdict is _UNKNOWN:
                        verdict = await run.verdict(info)
                    frame = run.frame(info, verdict, before_matches, after_matches)
                    if frame is _HOOKED:
                        frame = await run.hooked_frame(info, verdict, before_matches, after_matches)
                except ParseError as exc:
                    frame = protocol.error(exc.code, exc.message, False, info.request_id)
                except Exception:  # noqa: BLE001 - one subscriber's failure must not stop the others
                    log.exception("live query: event for client %s failed", info.client.id)
                    continue
                if frame is None:
                    continue
                if audit is not None:
                    try:  # journaled before the event leaves
                        audit.record_as("livequery", change.class_name, [doc_id], user_id=info.user_id, roles=None,
                                        token=info.session_token, ip=info.client.ip,
                                        master=info.client.is_master, read_only=False)
                    except OSError:  # no event goes out unrecorded
                        log.error("live query: audit journal unavailable; event for client %s not sent", info.client.id)
                        continue
                if info.client.send(frame):
                    sent += 1
        return sent


class _Run:
    """The work shared by every subscriber of one change: class rules, verdicts, renderings."""

    def __init__(self, state: AppState, hub: Hub, change: Change) -> None:
        self.state = state
        self.hub = hub
        self.change = change
        self.access = ClassAccess.from_stored(change.clp, change.class_name, state.settings.field_protection)
        local = state.schemas.get(change.class_name)
        self.schema = local or ClassSchema(change.class_name, {}, change.clp)
        self.verdicts: dict[tuple[str | None, bool, str], Verdict | None] = {}
        self.renderings: dict[tuple[bool, frozenset[str], tuple[str, ...] | None, bool, bool], str] = {}
        self.with_hook: bool | None = None

    @staticmethod
    def verdict_key(info: SubscriptionInfo) -> tuple[str | None, bool, str]:
        return info.user_id, info.client.is_master, info.operation

    async def verdict(self, info: SubscriptionInfo) -> Verdict | None:
        key = self.verdict_key(info)
        if key not in self.verdicts:
            viewer = Viewer(info.user_id, info.client.is_master, self.state.roles)
            docs = (self.change.before, self.change.after)
            self.verdicts[key] = await class_verdict(self.access, info.operation, viewer, docs)
        return self.verdicts[key]

    def decide(self, info: SubscriptionInfo, verdict: Verdict, before_matches: bool,
               after_matches: bool) -> Decision | None:
        change = self.change
        if change.event == "delete":
            assert change.before is not None
            return decide_delete(change.before, matches=before_matches,
                                 readable=readable(change.before, verdict, info.user_id))
        assert change.after is not None
        return decide_save(change.before, change.after, before_matches=before_matches,
                           after_matches=after_matches,
                           before_readable=readable(change.before, verdict, info.user_id),
                           after_readable=readable(change.after, verdict, info.user_id), watch=info.watch)

    def context(self, info: SubscriptionInfo) -> RequestContext:
        if info.client.is_master:
            return RequestContext(self.state, MASTER)
        user = {"objectId": info.user_id} if info.user_id else None
        return RequestContext(self.state, Auth(user=user, session_token=info.session_token))

    def _is_self(self, info: SubscriptionInfo, doc: Mapping[str, Any]) -> bool:
        return self.change.class_name == "_User" and info.user_id is not None and doc.get("objectId") == info.user_id

    def render(self, info: SubscriptionInfo, doc: Mapping[str, Any], verdict: Verdict) -> str:
        """``doc`` is the change's ``after`` or ``before``; one serialization per distinct view."""
        hidden = verdict.hidden_for(doc)
        key = (doc is self.change.after, hidden, info.keys, info.client.is_master, self._is_self(info, doc))
        cached = self.renderings.get(key)
        if cached is None:
            rendered = render_object(self.context(info), self.schema, dict(doc), hidden=set(hidden))
            rendered["className"] = self.change.class_name
            cached = self.renderings[key] = protocol.dumps(project_keys(rendered, info.keys))
        return cached

    def frame(self, info: SubscriptionInfo, verdict: Verdict | None, before_matches: bool,
              after_matches: bool) -> str | None:
        """The frame for one subscriber, ``_HOOKED`` when ``after_event`` must run first, or None."""
        if verdict is None:
            return None
        decision = self.decide(info, verdict, before_matches, after_matches)
        if decision is None:
            return None
        if self.with_hook is None:
            self.with_hook = hooks.has_after_event(self.context(info), self.change.class_name)
        if self.with_hook:
            return _HOOKED
        client = info.client
        object_json = self.render(info, decision.object, verdict)
        original_json = None
        if decision.original is not None:
            original_json = self.render(info, decision.original, verdict)
        if not info.frame_ids:
            info.frame_ids = protocol.event_ids(client.id, client.installation_id, info.request_id)
        return protocol.event_frame(decision.op, info.frame_ids, object_json, original_json)

    async def hooked_frame(self, info: SubscriptionInfo, verdict: Verdict | None, before_matches: bool,
                           after_matches: bool) -> str | None:
        """``after_event`` sees the full REST objects; protected fields and keys are applied after it."""
        if verdict is None:
            return None
        decision = self.decide(info, verdict, before_matches, after_matches)
        if decision is None:
            return None
        seen: Verdict = verdict  # typed for the closure below
        ctx = self.context(info)
        client = info.client

        def full(doc: Any) -> dict[str, Any] | None:
            if doc is None:
                return None
            rendered = render_object(ctx, self.schema, dict(doc))
            rendered["className"] = self.change.class_name
            return rendered

        request: dict[str, Any] = {
            "event": decision.op, "object": full(decision.object), "original": full(decision.original),
            "user": {"__type": "Pointer", "className": "_User", "objectId": info.user_id} if info.user_id else None,
            "sessionToken": info.session_token, "useMasterKey": client.is_master,
            "installationId": client.installation_id, "clients": self.hub.client_count,
            "subscriptions": self.hub.subscription_count, "sendEvent": True,
        }
        result = await hooks.after_event(ctx, self.change.class_name, request)
        if result is None or not isinstance(result.get("object"), dict):
            return None

        def finish(obj: dict[str, Any], stored: Mapping[str, Any] | None) -> str:
            hidden = seen.hidden_for(stored)  # decided on the stored version, not on what the hook returned
            cleaned = {k: v for k, v in obj.items() if k not in hidden}
            return protocol.dumps(project_keys(cleaned, info.keys))

        original = result.get("original") if decision.op != "delete" else None
        return protocol.event(decision.op, client.id, client.installation_id, info.request_id,
                              finish(result["object"], decision.object),
                              finish(original, decision.original or decision.object)
                              if isinstance(original, dict) else None)
