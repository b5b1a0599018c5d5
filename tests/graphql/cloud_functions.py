"""Cloud code for the GraphQL tests: two functions, one for signed-in users only."""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import Cloud
from parse_compat.cloud.requests import FunctionRequest


def register(cloud: Cloud) -> None:
    @cloud.define("greet")
    async def greet(request: FunctionRequest) -> Any:
        return {"hello": request.params.get("name"), "user": request.user.id if request.user else None}

    @cloud.define("countPatients", validator={"requireUser": True})
    async def count_patients(request: FunctionRequest) -> Any:
        return await request.sdk.query("Patient").count()

    @cloud.define("not-a-graphql-name")
    async def hidden(request: FunctionRequest) -> Any:
        return 1
