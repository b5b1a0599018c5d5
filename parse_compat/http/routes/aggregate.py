"""`GET /aggregate/{className}` (master key): the SDK's `query.distinct()` and `query.aggregate()`.

`distinct=<field>` with an optional `where`, and pipelines made of `$match` (run in storage),
`$sort`, `$skip`, `$limit`, `$project`, `$count` and `$group` (`_id` a field or null; `$sum`,
`$avg`, `$min`, `$max`). Other stages answer 102, as Parse answers an invalid stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...auth.identity import MASTER
from ...errors import INVALID_QUERY, OPERATION_FORBIDDEN, ParseError
from ...rest.find import sub_find
from ...rest.grants import class_for_read
from ...rest.output import render_object
from ...storage.base import ClassSchema
from ..api import ApiRequest, ApiResponse, Router, require_master
from .classes import query_values

SUPPORTED = ("$match", "$sort", "$skip", "$limit", "$project", "$count", "$group")
ACCUMULATORS = ("$sum", "$avg", "$min", "$max")


def _json(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ParseError(INVALID_QUERY, f"{name} is not valid JSON") from exc
    return value


def _stages(values: dict[str, Any]) -> list[dict[str, Any]]:
    pipeline = _json(values.get("pipeline"), "pipeline")
    if pipeline is None:
        pipeline = [{k: _json(v, k)} for k, v in values.items() if k.startswith("$")]
    if isinstance(pipeline, dict):
        pipeline = [{k: v} for k, v in pipeline.items()]
    if not isinstance(pipeline, list):
        raise ParseError(INVALID_QUERY, "pipeline must be an array or an object")
    for stage in pipeline:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise ParseError(INVALID_QUERY, "each pipeline stage must be an object with one key")
        name = next(iter(stage))
        if not name.startswith("$"):
            raise ParseError(INVALID_QUERY, f"Invalid aggregate stage '{name}'.")
        if name not in SUPPORTED:
            raise ParseError(INVALID_QUERY, f"Aggregate stage {name} is not supported.")
    return pipeline


def _field(obj: dict[str, Any], path: Any) -> Any:
    if not isinstance(path, str) or not path.startswith("$"):
        return path
    node: Any = obj
    for part in path[1:].split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and node.get("__type") == "Date":
        return node.get("iso")
    return node


def _by_field(key: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    """The sort key of a `$sort` stage on `key`."""
    return lambda row: _sort_key(_field(row, "$" + key))


def _sort_key(value: Any) -> tuple[int, Any]:
    """MongoDB's order between types: null < numbers < strings < everything else."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (4, json.dumps(value, sort_keys=True))


def _group(rows: list[dict[str, Any]], spec: dict[str, Any]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        key_value = _field(row, spec.get("_id"))
        key = json.dumps(key_value, sort_keys=True, default=str)
        group = groups.setdefault(key, {"objectId": key_value, "_values": {}})
        for name, accumulator in spec.items():
            if name == "_id":
                continue
            if not (isinstance(accumulator, dict) and len(accumulator) == 1
                    and next(iter(accumulator)) in ACCUMULATORS):
                raise ParseError(INVALID_QUERY, f"Unsupported accumulator for {name}.")
            group["_values"].setdefault(name, []).append(_field(row, next(iter(accumulator.values()))))
    out = []
    for group in groups.values():
        result = {"objectId": group["objectId"]}
        for name, accumulator in spec.items():
            if name == "_id":
                continue
            op = next(iter(accumulator))
            values = [v for v in group["_values"].get(name, []) if isinstance(v, (int, float, str))]
            numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if op == "$sum":
                result[name] = sum(numbers)
            elif op == "$avg":
                result[name] = sum(numbers) / len(numbers) if numbers else None
            elif op == "$min":
                result[name] = min(values) if values else None
            else:
                result[name] = max(values) if values else None
        out.append(result)
    return out


async def _rows(request: ApiRequest, schema: ClassSchema, where: dict[str, Any]) -> list[dict[str, Any]]:
    ctx = request.ctx.with_auth(MASTER)
    docs = await sub_find(ctx, schema.class_name, where)
    return [render_object(ctx, schema, doc) for doc in docs]


async def aggregate(request: ApiRequest) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only and not request.ctx.state.settings.allowAggregationForReadOnlyMasterKey:
        raise ParseError(OPERATION_FORBIDDEN, "Cannot run an aggregation pipeline when using the readOnlyMasterKey")
    values = query_values(request)
    class_name = request.params["className"]
    schema = await class_for_read(request.ctx, class_name)
    if schema is None:
        return ApiResponse({"results": []})
    if "distinct" in values:
        field = values["distinct"]
        if not isinstance(field, str):
            raise ParseError(INVALID_QUERY, "distinct must be a field name")
        where = _json(values.get("where") or {}, "where")
        seen: dict[str, Any] = {}
        for row in await _rows(request, schema, where if isinstance(where, dict) else {}):
            value = _field(row, "$" + field) if "." in field else row.get(field)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item is not None:
                    seen.setdefault(json.dumps(item, sort_keys=True), item)
        return ApiResponse({"results": list(seen.values())})
    stages = _stages(values)
    match: dict[str, Any] = {}
    if stages and "$match" in stages[0]:
        match = stages.pop(0)["$match"]
    rows = await _rows(request, schema, match)
    for stage in stages:
        name, spec = next(iter(stage.items()))
        if name == "$match":
            raise ParseError(INVALID_QUERY, "$match is supported as the first stage only.")
        if name == "$sort" and isinstance(spec, dict):
            for key, direction in reversed(list(spec.items())):
                rows.sort(key=_by_field(key), reverse=direction == -1)
        elif name == "$skip" and isinstance(spec, int):
            rows = rows[spec:]
        elif name == "$limit" and isinstance(spec, int):
            rows = rows[:spec]
        elif name == "$project" and isinstance(spec, dict):
            rows = [{"objectId": r.get("objectId"), **{k: _field(r, "$" + k) for k, v in spec.items() if v}}
                    for r in rows]
        elif name == "$count" and isinstance(spec, str):
            rows = [{spec: len(rows)}]
        elif name == "$group" and isinstance(spec, dict):
            rows = _group(rows, spec)
        else:
            raise ParseError(INVALID_QUERY, f"Invalid value for aggregate stage {name}.")
    return ApiResponse({"results": rows})


def register(router: Router) -> None:
    router.add("GET", "/aggregate/{className}", aggregate)
