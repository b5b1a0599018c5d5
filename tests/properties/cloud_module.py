"""Cloud code for the property suite (`cloud="tests.properties.cloud_module"`): one function that
writes through the cloud SDK as the caller (`request.sdk`) or as master (`as_master()`), so the
suite can send the same generated write through REST, batch and cloud code."""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import Cloud, FunctionRequest


def register(cloud: Cloud) -> None:
    @cloud.define("propWrite")
    async def prop_write(request: FunctionRequest) -> Any:
        params = request.params
        sdk = request.sdk.as_master() if params.get("asMaster") else request.sdk
        kind, class_name = params["kind"], params["className"]
        if kind == "create":
            made = await sdk.create(class_name, dict(params.get("body") or {}))
            return made.id
        if kind == "update":
            return await sdk.update(class_name, params["objectId"], dict(params.get("body") or {}))
        await sdk.delete(class_name, params["objectId"])
        return True

    @cloud.job("propJob")
    async def prop_job(request: Any) -> str:
        """A job that writes nothing but its own `_JobStatus` (the route's effect)."""
        return "done"
