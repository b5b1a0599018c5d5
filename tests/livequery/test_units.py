"""Pure pieces: the event decision, watch, keys, the hub's grouping, and the bounded client queue."""

from __future__ import annotations

import asyncio
import gc
import json
from pathlib import Path
from typing import Any

import pytest

from parse_compat.errors import ParseError
from parse_compat.livequery.access import clp_operation, protected_in_query
from parse_compat.livequery.client import Client, Outbox, SubscriptionInfo
from parse_compat.livequery.config import LiveQueryConfigError, load_config
from parse_compat.livequery.events import decide_delete, decide_save, project_keys, strict_equal, watch_changed
from parse_compat.livequery.gc_policy import GcPolicy
from parse_compat.livequery.hub import Hub, equality_key, query_hash
from parse_compat.query.matcher import matches
from parse_compat.settings import Settings

BEFORE = {"objectId": "o1", "n": 1, "s": "a"}
AFTER = {"objectId": "o1", "n": 2, "s": "a"}


def save(before: dict[str, Any] | None, *, bm: bool = True, am: bool = True, br: bool = True, ar: bool = True,
         watch: tuple[str, ...] | None = None) -> tuple[str, Any, Any] | None:
    decision = decide_save(before, AFTER, before_matches=bm, after_matches=am, before_readable=br,
                           after_readable=ar, watch=watch)
    return None if decision is None else (decision.op, decision.object, decision.original)


def test_event_decision_table() -> None:
    assert save(None) == ("create", AFTER, None)
    assert save(None, am=False) is None
    assert save(None, ar=False) is None
    assert save(BEFORE) == ("update", AFTER, BEFORE)
    assert save(BEFORE, am=False) == ("leave", AFTER, BEFORE)
    assert save(BEFORE, bm=False) == ("enter", AFTER, BEFORE)
    assert save(BEFORE, bm=False, am=False) is None


def test_access_changes_hide_the_unreadable_version() -> None:
    # losing read access: `leave` with the last readable state as object
    assert save(BEFORE, ar=False) == ("leave", BEFORE, BEFORE)
    # gaining read access: `enter` without original
    assert save(BEFORE, br=False) == ("enter", AFTER, None)
    # the query stops matching but the object stays readable: the new state is fine to send
    assert save(BEFORE, am=False, ar=True) == ("leave", AFTER, BEFORE)


def test_watch_limits_update_and_create_only() -> None:
    assert save(BEFORE, watch=("s",)) is None
    assert save(BEFORE, watch=("s", "n")) == ("update", AFTER, BEFORE)
    assert save(BEFORE, bm=False, watch=("s",)) == ("enter", AFTER, BEFORE)
    assert save(BEFORE, am=False, watch=("s",)) == ("leave", AFTER, BEFORE)
    assert save(None, watch=("s",)) == ("create", AFTER, None)
    assert save(None, watch=("missing",)) is None


def test_delete_needs_match_and_read() -> None:
    assert decide_delete(BEFORE, matches=True, readable=True).op == "delete"  # type: ignore[union-attr]
    assert decide_delete(BEFORE, matches=False, readable=True) is None
    assert decide_delete(BEFORE, matches=True, readable=False) is None


def test_strict_equal_is_javascript_deep_strict_equal_on_json() -> None:
    assert strict_equal(1, 1.0) and not strict_equal(True, 1) and not strict_equal(0, False)
    assert strict_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
    assert not strict_equal({"a": 1}, {"a": 1, "b": 2}) and not strict_equal([1], [1, 2])
    assert not strict_equal(None, 0) and strict_equal(None, None)
    assert watch_changed(("x",), {"x": {"__type": "Date", "iso": "1"}}, {"x": {"__type": "Date", "iso": "2"}})


def test_keys_projection_keeps_parse_default_fields() -> None:
    rendered = {"objectId": "o", "className": "C", "createdAt": "c", "updatedAt": "u", "ACL": {}, "a": 1, "b": 2}
    assert project_keys(rendered, ("a", "zz")) == {"className": "C", "objectId": "o", "updatedAt": "u",
                                                   "createdAt": "c", "ACL": {}, "a": 1}
    assert project_keys(rendered, None) is rendered


def test_clp_operation_and_protected_fields_in_queries() -> None:
    assert clp_operation({"objectId": "x"}) == "get"
    assert clp_operation({"objectId": "x", "n": 1}) == "find"
    assert clp_operation({"objectId": {"$in": ["x"]}}) == "find"
    assert protected_in_query({"$or": [{"a": 1}, {"email.x": 2}]}, {"email"}) == "email.x"
    assert protected_in_query({"a": 1}, {"email"}) is None


class FakeTransport:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None

    async def send(self, text: str) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.sent.append(text)

    def fits(self, text: str) -> bool:
        return not self.delay

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def info(client: Client, request_id: int, where: dict[str, Any], class_name: str = "C") -> SubscriptionInfo:
    return SubscriptionInfo(client, request_id, class_name, where, query_hash(class_name, where), None, None,
                            None, None, "find")


async def test_hub_groups_identical_queries_and_cleans_up() -> None:
    hub = Hub()
    a, b = Client("a", FakeTransport()), Client("b", FakeTransport())
    hub.add_client(a)
    hub.add_client(b)
    hub.subscribe(info(a, 1, {"x": 1, "y": 2}))
    hub.subscribe(info(b, 9, {"y": 2, "x": 1}))
    hub.subscribe(info(b, 10, {"x": 3}))
    assert hub.subscription_count == 2
    [shared] = [s for s in hub.subscriptions_for("C") if len(s.members) == 2]
    assert set(shared.members) == {("a", 1), ("b", 9)}
    hub.subscribe(info(a, 1, {"x": 3}))  # same requestId: replaced
    assert hub.subscription_count == 2 and len(a.subscriptions) == 1
    assert hub.unsubscribe(a, 42) is None
    hub.remove_client(b)
    assert hub.subscription_count == 1 and hub.client_count == 1
    hub.remove_client(a)
    assert hub.subscriptions_for("C") == [] and hub.subscription_count == 0


async def test_frames_are_written_in_order_by_a_writer_that_ends_when_idle() -> None:
    transport = FakeTransport()
    client = Client("c", transport)
    for i in range(5):
        assert client.send(f"m{i}")
    await client.flush()
    assert transport.sent == [f"m{i}" for i in range(5)]
    assert client._writer is None  # no task held by an idle client


async def test_overflowing_client_is_dropped_and_others_are_not_slowed() -> None:
    dropped: list[str] = []
    slow = Client("slow", FakeTransport(delay=10), max_queue=3, on_drop=lambda c: dropped.append(c.id))
    fast_transport = FakeTransport()
    fast = Client("fast", fast_transport, max_queue=3)
    results = []
    for i in range(6):
        results.append(slow.send(f"s{i}"))
        fast.send(f"f{i}")
        await fast.flush()
    # the slow one holds one frame in flight and three queued, then overflows
    assert results[:4] == [True, True, True, True] and results[4] is False
    assert slow.closed and dropped == ["slow"] and slow.send("late") is False
    await slow.flush()
    assert slow.transport.closed == (1013, "outbound queue full")  # type: ignore[attr-defined]
    assert fast_transport.sent == [f"f{i}" for i in range(6)] and not fast.closed


async def test_a_stuck_socket_is_dropped_after_the_send_timeout() -> None:
    transport = FakeTransport(delay=10)
    client = Client("stuck", transport, send_timeout=0.05)
    client.send("x")
    await asyncio.sleep(0.2)
    await client.flush()
    assert client.closed and transport.closed == (1013, "send timeout")


@pytest.mark.parametrize("limit", [1, 2])
async def test_byte_bound(limit: int) -> None:
    client = Client("b", FakeTransport(delay=10), max_bytes=1024 * limit)
    assert client.send("x" * 1024)
    await asyncio.sleep(0)  # the writer takes the first frame off the queue
    assert client.send("y" * 1024 * limit)
    assert client.send("z") is False and client.closed


async def test_the_outbox_writes_clients_with_room_and_gives_congested_ones_their_own_writer() -> None:
    outbox = Outbox()
    fast = [Client(f"f{i}", FakeTransport(), outbox=outbox) for i in range(50)]
    stuck_transport = FakeTransport(delay=10)  # never has room, and a send never finishes in time
    stuck = Client("stuck", stuck_transport, outbox=outbox, send_timeout=0.05, max_queue=5)
    for n in range(3):
        for client in [*fast, stuck]:
            client.send(f"event {n}")
        await asyncio.sleep(0.01)
        # every fast client got the event without a task of its own
        assert all(c.transport.sent[-1] == f"event {n}" and c._writer is None for c in fast)  # type: ignore[attr-defined]
    assert stuck._writer is not None or stuck.closed  # the congested one writes on its own
    await asyncio.sleep(0.2)
    assert stuck.closed and stuck_transport.closed == (1013, "send timeout")
    assert all(len(c.transport.sent) == 3 for c in fast)  # type: ignore[attr-defined]
    await outbox.close()


def test_the_equality_index_never_hides_a_matching_query() -> None:
    """Over the shared query case table: every query the matcher says a document matches is a candidate."""
    table = json.loads((Path(__file__).resolve().parents[1] / "cases" / "query_cases.json").read_text())
    hub = Hub()
    client = Client("c", FakeTransport())
    hub.add_client(client)
    wheres = [case["where"] for case in table["cases"]]
    wheres += [{"name": None}, {"tags": "red"}, {"score": 10.0}, {"flag": True}, {"score": 10, "name": "zzz"},
               {"tags": {"$in": ["red", "blue"]}}, {"score": {"$in": [10, 11.5], "$gt": 1}}, {"name": {"$in": [None]}}]
    for request_id, where in enumerate(wheres):
        hub.subscribe(info(client, request_id, where, "Thing"))
    indexed = sum(1 for where in wheres if equality_key(where) is not None)
    assert indexed > 10  # the table exercises the index, not just the scan list
    for doc in table["documents"]:
        candidates = {s.hash for s in hub.candidates("Thing", [doc])}
        for subscription in hub.subscriptions_for("Thing"):
            try:
                matched = matches(doc, subscription.where)
            except ParseError:
                continue
            assert not matched or subscription.hash in candidates, (doc["objectId"], subscription.where)
    # and it does narrow: a document is not offered the queries on values it does not hold
    narrow = hub.candidates("Thing", [{"objectId": "x", "name": "nobody"}])
    assert len(narrow) < len(hub.subscriptions_for("Thing"))


def test_gc_policy_freezes_on_growth_and_unfreezes_after_departures() -> None:
    policy = GcPolicy(min_clients=100)
    try:
        assert not policy.tick(99)
        assert policy.tick(100) and gc.get_freeze_count() > 0
        assert not policy.tick(120)  # grew by less than min_clients / 2
        assert policy.tick(150)
        for _ in range(99):
            policy.client_closed()
        assert policy.frozen_clients == 150
        policy.client_closed()  # 100 = max(min_clients, 150 // 2) departures
        assert policy.frozen_clients == 0 and gc.get_freeze_count() == 0
        assert not GcPolicy(min_clients=1, enabled=False).tick(10)
    finally:
        gc.unfreeze()


def test_config_class_patterns_template_classes_and_errors() -> None:
    config = load_config(Settings(appId="a", masterKey="m", schema="schema.json",
                                  liveQuery={"classNames": ["Chat.*", "Note"], "websocketTimeout": 5000}))
    assert config.is_live("ChatRoom") and config.is_live("Note") and not config.is_live("Notes")
    assert config.is_live("TreatmentPlan") and config.heartbeat == 5.0 and config.redis_url is None
    bare = load_config(Settings(appId="a", masterKey="m", schema=None, liveQuery=None))
    assert not bare.is_live("TreatmentPlan")
    opted_out = load_config(Settings(appId="a", masterKey="m", liveQuery={"templateClasses": False}))
    assert not opted_out.is_live("Patient")
    for bad in ({"classNames": "Note"}, {"classNames": ["("]}, {"redisURL": 5}, {"keyPairs": {"k": 1}},
                {"maxQueue": 0}, {"sessionCheckInterval": "x"}):
        with pytest.raises(LiveQueryConfigError):
            load_config(Settings(appId="a", masterKey="m", liveQuery=bad))
