"""Cloud code for the read-only master key tests (`cloud="tests.cloud.read_only_module"`): each
function writes one way (as master, as the caller, save, delete, update_if) or reads as master,
and a beforeFind trigger writes as master, so a test can call them with the read-only key."""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import Cloud, FindRequest, FunctionRequest, ParseObject


def register(cloud: Cloud) -> None:
    @cloud.define("whoAmI")
    async def who_am_i(request: FunctionRequest) -> dict[str, Any]:
        master = request.sdk.as_master()
        return {"master": request.master, "readOnly": request.is_read_only, "sdkReadOnly": master.is_read_only}

    @cloud.define("createAsMaster")
    async def create_as_master(request: FunctionRequest) -> str:
        made = await request.sdk.as_master().create("Audit", {"by": "createAsMaster", "ACL": {}})
        return made.id or ""

    @cloud.define("createAsCaller")
    async def create_as_caller(request: FunctionRequest) -> str:
        made = await request.sdk.create("Audit", {"by": "createAsCaller"})
        return made.id or ""

    @cloud.define("saveAsMaster")
    async def save_as_master(request: FunctionRequest) -> str:
        obj = ParseObject("Audit").set("by", "saveAsMaster")
        return (await request.sdk.as_master().save(obj)).id or ""

    @cloud.define("updateAsMaster")
    async def update_as_master(request: FunctionRequest) -> dict[str, Any]:
        return await request.sdk.as_master().update("Audit", request.params["id"], {"by": "changed"})

    @cloud.define("deleteAsMaster")
    async def delete_as_master(request: FunctionRequest) -> None:
        await request.sdk.as_master().delete("Audit", request.params["id"])

    @cloud.define("claimAsMaster")
    async def claim_as_master(request: FunctionRequest) -> bool:
        return await request.sdk.as_master().update_if("Audit", request.params["id"], {"by": {"$exists": True}},
                                                       {"by": "claimed"})

    @cloud.define("countAsMaster", require_master=True)
    async def count_as_master(request: FunctionRequest) -> int:
        return await request.sdk.as_master().query("Audit").count()

    @cloud.before_find("Probe")
    async def before_find_probe(request: FindRequest) -> None:
        await request.sdk.as_master().create("Audit", {"by": "beforeFind", "ACL": {}})
