"""Cloud code for the authData uniqueness test: a beforeSave on `_User` that copies the provider
id named in `copyAppleId` into the user's authData (what a careless trigger could do)."""

from __future__ import annotations

from parse_compat.cloud import Cloud, TriggerRequest


def register(cloud: Cloud) -> None:
    @cloud.before_save("_User")
    async def copy_apple_id(request: TriggerRequest) -> None:
        apple_id = request.object.get("copyAppleId")
        if apple_id:
            request.object.set("authData", {"apple": {"id": apple_id}})
