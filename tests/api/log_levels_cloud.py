"""Cloud code for the logLevels tests: a function that answers, one that fails, and triggers on `Item`."""

from __future__ import annotations

from typing import Any

from parse_compat.cloud import Cloud, FunctionRequest, ParseError, TriggerRequest


def register(cloud: Cloud) -> None:
    @cloud.define("hello")
    def hello(request: FunctionRequest) -> Any:
        return {"patientName": "Jane Doe"}

    @cloud.define("broken")
    def broken(request: FunctionRequest) -> Any:
        raise ParseError(141, "no such patient")

    @cloud.before_save("Item")
    def refuse_negative(request: TriggerRequest) -> None:
        if request.object.get("n", 0) < 0:
            raise ParseError(142, "negative")

    @cloud.after_save("Item")
    def after(request: TriggerRequest) -> None:
        return None
