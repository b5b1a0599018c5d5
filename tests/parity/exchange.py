"""Sends one Case to one server, fills in what earlier cases remembered, and remembers what this
answer gives later cases."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp

from .case import Case
from .normalise import Memory, comparable
from .servers import APP_ID, MASTER_KEY, REST_API_KEY

REFERENCE = re.compile(r"\{\{(?:(tok|file):)?(\w+)\}\}")


def _fill(value: Any, memory: Memory) -> Any:
    if isinstance(value, dict):
        return {_fill(k, memory): _fill(item, memory) for k, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, memory) for item in value]
    if isinstance(value, str):
        def one(match: re.Match[str]) -> str:
            kind, name = match.groups()
            table = {"tok": memory.tokens, "file": memory.files}.get(kind, memory.ids)
            return table.get(name, f"missing-{name}")
        return REFERENCE.sub(one, value)
    return value


def _headers(case: Case, memory: Memory) -> dict[str, str]:
    if case.auth == "bare":
        headers: dict[str, str] = {}
    else:
        headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-REST-API-Key": REST_API_KEY}
    if case.auth == "master":
        headers["X-Parse-Master-Key"] = MASTER_KEY
    elif case.auth.startswith("user:"):
        headers["X-Parse-Session-Token"] = memory.tokens.get(case.auth[5:], "missing-token")
    headers.update(_fill(case.headers, memory))
    return headers


def _remember(case: Case, body: Any, memory: Memory) -> None:
    if case.save is None or not isinstance(body, dict):
        return
    if isinstance(body.get("objectId"), str):
        memory.ids[case.save] = body["objectId"]
    if isinstance(body.get("sessionToken"), str):
        memory.tokens[case.save] = body["sessionToken"]
    if isinstance(body.get("url"), str) and isinstance(body.get("name"), str):
        memory.files[case.save] = body["name"]


async def send(session: aiohttp.ClientSession, base: str, case: Case, memory: Memory) -> dict[str, Any]:
    headers = _headers(case, memory)
    data: Any = None
    if case.raw is not None:
        data = _fill(case.raw, memory) if isinstance(case.raw, str) else case.raw
    elif case.body is not None:
        data = json.dumps(_fill(case.body, memory))
        headers.setdefault("Content-Type", "application/json")
    params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in _fill(case.params, memory).items()}
    try:
        async with session.request(case.method, base + _fill(case.path, memory), data=data, headers=headers,
                                   params=params, allow_redirects=False) as resp:
            text = await resp.text(errors="replace")
            status = resp.status
    except aiohttp.ClientError as error:  # a server that hangs up is an answer too
        return {"status": None, "error": type(error).__name__}
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    _remember(case, body, memory)
    return comparable(status, body, memory, keeps_order=case.keeps_order, shape=case.shape)
