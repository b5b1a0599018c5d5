"""Sending one generated write through a route (REST, /batch, `transaction: true`, the cloud SDK as
the caller or `as_master()`), and the outcome of each write it carried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .world import World


@dataclass
class Outcome:
    ok: bool
    status: int
    body: Any
    sent: dict[str, Any]


def _path(class_name: str, object_id: str | None) -> str:
    return f"/classes/{class_name}" + (f"/{object_id}" if object_id else "")


METHOD = {"create": "POST", "update": "PUT", "delete": "DELETE"}


async def send(world: World, caller: str, route: str, kind: str, class_name: str, object_id: str | None,
               bodies: list[dict[str, Any]], base: str | None = None) -> list[Outcome]:
    """Run the write(s); one outcome per body (a delete carries no body). `base` replaces
    `/classes/<class>` for the system routes (`/users`, `/sessions`, `/roles`, `/installations`)."""
    def path() -> str:
        return (base + (f"/{object_id}" if object_id else "")) if base else _path(class_name, object_id)

    if route == "rest":
        body = None if kind == "delete" else bodies[0]
        reply = await world.call(caller, METHOD[kind], path(), body)
        return [Outcome(reply.status < 400, reply.status, reply.body, bodies[0])]
    if route in ("cloud", "cloud_master"):
        params = {"kind": kind, "className": class_name, "objectId": object_id, "body": bodies[0],
                  "asMaster": route == "cloud_master"}
        reply = await world.call(caller, "POST", "/functions/propWrite", params)
        return [Outcome(reply.status < 400, reply.status, reply.body, bodies[0])]
    requests = []
    for body in bodies:
        sub: dict[str, Any] = {"method": METHOD[kind], "path": "/parse" + path()}
        if kind != "delete":
            sub["body"] = body
        requests.append(sub)
    payload: dict[str, Any] = {"requests": requests}
    if route == "transaction":
        payload["transaction"] = True
    reply = await world.call(caller, "POST", "/batch", payload)
    if reply.status >= 400 or not isinstance(reply.body, list):
        return [Outcome(False, reply.status, reply.body, body) for body in bodies]
    out = []
    for item, body in zip(reply.body, bodies, strict=True):
        if "success" in item:
            out.append(Outcome(True, 200, item, body))
        else:
            code = (item.get("error") or {}).get("code")
            # a Parse error with code 1 is the server's internal error: treat it like a 500
            out.append(Outcome(False, 500 if code == 1 else 400, item, body))
    return out
