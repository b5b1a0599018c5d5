"""Cloud code for the transaction-bound tests: a beforeSave on `Slow` that takes 50 ms."""

from __future__ import annotations

import asyncio

from parse_compat.cloud import Cloud, TriggerRequest


def register(cloud: Cloud) -> None:
    @cloud.before_save("Slow")
    async def slow(request: TriggerRequest) -> None:
        await asyncio.sleep(0.05)
