"""Cloud code for the protectedFields option tests: a beforeSave on `Chart` that stamps new charts
and writes down what an update's trigger was shown of the protected `secret` field (in
`request.original` and `request.object`); a beforeDelete that refuses, saying what it was shown."""

from __future__ import annotations

from parse_compat.cloud import Cloud, ParseError, TriggerRequest


def register(cloud: Cloud) -> None:
    @cloud.before_save("Chart")
    async def note_what_was_seen(request: TriggerRequest) -> None:
        if request.original is None:
            request.object.set("stamp", "set by the server")
            return
        request.object.set("originalSecret", request.original.get("secret") or "hidden")
        request.object.set("objectSecret", request.object.get("secret") or "hidden")

    @cloud.before_delete("Chart")
    async def refuse_saying_what_was_seen(request: TriggerRequest) -> None:
        raise ParseError(142, "secret: " + (request.object.get("secret") or "hidden"))
