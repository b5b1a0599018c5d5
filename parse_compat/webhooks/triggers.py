"""What a webhook trigger sends and what its answer may change, per trigger kind.

Every payload carries Parse's common request fields (`master`, `user`, `installationId`, `ip`,
`headers`, `context`) and `triggerName`, then by kind:

- save, delete, login, logout and password-reset-request triggers: `object` (with `className`)
  and `original` when there is one; a beforeSave answer's fields are set on the object (not
  `createdAt`, `updatedAt`, `className`, `objectId`); any other kind's answer is handed back as a
  Python hook's value;
- beforeFind: `query` as the JS SDK's `Parse.Query.toJSON()` writes it (`where`, `limit`, `skip`,
  `keys`, `include`, `excludeKeys`, `order`, `count`), `count` and `isGet`; an answer in that shape
  replaces those parts of the query, checked as a client's query is (`rest.params.parse_params`);
- afterFind: `objects` (each as its `toJSON()`, no `className`); an answer that is a list of
  objects replaces them, no answer keeps them;
- Live Query's beforeConnect (`className` `@Connect`) and beforeSubscribe: the Live Query
  request's fields (`event`, `clients`, `subscriptions`, `useMasterKey`, `installationId`; `op`,
  `requestId`, `query` with `className`, `where`, `keys`, `watch`); a beforeSubscribe answer with
  `where`, `keys` or `watch` replaces those parts of the subscription's query (checked as a
  client's). afterEvent is stored but not run: it would be one call per subscriber per event.

An `{"error": …}` answer refuses the operation (before-triggers) with the hook's code or 141.
The pipeline runs find and subscribe triggers only once the class and its CLP admit the caller
(`rest/find.py`, `livequery/operations.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..cloud.objects import ParseObject
from ..cloud.query import Query
from ..errors import SCRIPT_FAILED, ParseError
from ..rest.params import QueryParams, parse_params

Call = Callable[[dict[str, Any]], Awaitable[Any]]
OBJECT_KINDS = frozenset({"beforeSave", "afterSave", "beforeDelete", "afterDelete", "beforeLogin", "afterLogin",
                          "afterLogout", "beforePasswordResetRequest"})
FIND_KINDS = frozenset({"beforeFind", "afterFind"})
LIVE_KINDS = frozenset({"beforeConnect", "beforeSubscribe"})
WIRED_TRIGGERS = OBJECT_KINDS | FIND_KINDS | LIVE_KINDS
# parse-compat: Parse forwards every request header; the caller's credentials are not sent on
HIDDEN_HEADERS = frozenset({"x-parse-master-key", "x-parse-session-token", "cookie", "authorization",
                            "x-parse-rest-api-key", "x-parse-javascript-key", "x-parse-client-key",
                            "x-parse-windows-key", "x-parse-maintenance-key"})
SERVER_FIELDS = ("createdAt", "updatedAt", "className", "objectId")
# parse-compat: Parse sends these on (a signup's password in clear in beforeSave, a logged-out
# session's token); a webhook gets neither
SECRET_FIELDS = ("sessionToken", "password")
QUERY_PARTS = frozenset({"where", "limit", "skip", "keys", "include", "excludeKeys", "order"})
SUBSCRIPTION_PARTS = frozenset({"where", "keys", "watch"})


def object_json(obj: ParseObject | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {**{k: v for k, v in obj.to_json().items() if k not in SECRET_FIELDS}, "className": obj.class_name}


def common(request: Any) -> dict[str, Any]:
    """The fields every webhook payload carries (Parse's request object, JSON-encoded)."""
    user = request.user
    payload: dict[str, Any] = {"master": request.master, "ip": request.ip,
                               "headers": {k.lower(): v for k, v in request.headers.items()
                                           if k.lower() not in HIDDEN_HEADERS},
                               "context": request.context}
    if user is not None:
        payload["user"] = object_json(user)
    if request.installation_id:
        payload["installationId"] = request.installation_id
    return payload


def query_json(params: QueryParams) -> dict[str, Any]:
    """A query as the JS SDK's `Parse.Query.toJSON()` writes it."""
    out: dict[str, Any] = {"where": params.where}
    include = params.include + (["*"] if params.include_all else [])
    if include:
        out["include"] = ",".join(include)
    if params.exclude_keys:
        out["excludeKeys"] = ",".join(params.exclude_keys)
    if params.keys is not None:
        out["keys"] = ",".join(params.keys)
    if params.count:
        out["count"] = 1
    if params.limit is not None:
        out["limit"] = params.limit
    if params.skip:
        out["skip"] = params.skip
    if params.order:
        out["order"] = ",".join(name if ascending else f"-{name}" for name, ascending in params.order)
    return out


def rewritten(params: QueryParams, answer: Any) -> QueryParams | None:
    """The query a beforeFind answer asks for, or None when the answer changes nothing.

    parse-compat: Parse keeps the query unless a hook returns a `Parse.Query`, which a webhook's
    JSON never is; here an answer in the payload's `query` shape replaces the parts it names."""
    if not isinstance(answer, dict) or not QUERY_PARTS & answer.keys():
        return None
    given = parse_params({k: v for k, v in answer.items() if k in QUERY_PARTS})
    changed = QueryParams(**vars(params))
    for part in answer.keys() & QUERY_PARTS:
        if part == "include":
            changed.include, changed.include_all = given.include, given.include_all
        elif part == "excludeKeys":
            changed.exclude_keys = given.exclude_keys
        else:
            setattr(changed, part, getattr(given, part))
    return changed


def _objects(answer: Any) -> list[dict[str, Any]] | None:
    if answer is None:
        return None
    # parse-compat: Parse passes any array through; only a list of objects replaces the results here
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise ParseError(SCRIPT_FAILED, "An afterFind webhook must answer a list of objects.")
    return answer


def _live_handler(kind: str, call: Call) -> Callable[[Any], Awaitable[Any]]:
    async def run_live_query_trigger(request: Any) -> Any:
        data: dict[str, Any] = request.data
        payload = {**common(request), **{k: v for k, v in data.items() if k not in ("sessionToken", "user")},
                   "triggerName": kind}
        answer = await call(payload)
        if kind != "beforeSubscribe" or not isinstance(answer, dict) or not SUBSCRIPTION_PARTS & answer.keys():
            return None
        # parse-compat: Parse ignores a webhook's answer here (only a changed request.query counts)
        query = {**data.get("query", {}), **{k: v for k, v in answer.items() if k in SUBSCRIPTION_PARTS}}
        return {**data, "query": query}
    return run_live_query_trigger


def trigger_handler(kind: str, call: Call) -> Callable[[Any], Awaitable[Any]]:
    """The hook-table handler that runs trigger `kind` by POSTing to a webhook (`call`)."""
    if kind in LIVE_KINDS:
        return _live_handler(kind, call)
    if kind == "beforeFind":
        async def run_before_find(request: Any) -> Any:
            query: Query = request.query
            payload = {**common(request), "triggerName": kind, "query": query_json(query.params),
                       "count": request.count, "isGet": request.is_get}
            changed = rewritten(query.params, await call(payload))
            return Query(query.class_name, None, changed) if changed is not None else None
        return run_before_find

    if kind == "afterFind":
        async def run_after_find(request: Any) -> Any:
            payload = {**common(request), "triggerName": kind,
                       "objects": [{k: v for k, v in obj.to_json().items() if k not in SECRET_FIELDS}
                                   for obj in request.objects]}
            return _objects(await call(payload))
        return run_after_find

    async def run_object_trigger(request: Any) -> Any:
        payload = {**common(request), "triggerName": kind, "object": object_json(request.object)}
        original = object_json(getattr(request, "original", None))
        if original is not None:
            payload["original"] = original
        result = await call(payload)
        if kind == "beforeSave" and isinstance(result, dict):
            for key, value in result.items():  # Parse drops these from a beforeSave answer
                if key not in SERVER_FIELDS:
                    request.object.set(key, value)
            return None
        return result
    return run_object_trigger
