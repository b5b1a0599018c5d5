"""Stored webhooks in the app's cloud hook table (Parse's `HooksController.addHookToTriggers`).

A webhook function answers `POST /functions/<name>` like a Python one; a webhook trigger runs
where the Python trigger would (the REST pipeline's seam, `cloud/pipeline.py`). When the app
has no cloud code, an empty hook table is installed the first time a webhook needs one. Each
process re-reads `_Hooks` every few seconds, so a hook registered through one worker runs on all.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from ..cloud.hooks import Cloud, Hook, class_key
from ..cloud.runtime import install_cloud
from ..errors import ParseError
from ..state import AppState
from .caller import call_webhook
from .store import WEBHOOK_ERROR, HookStore
from .triggers import WIRED_TRIGGERS, common, trigger_handler

log = logging.getLogger("parse_compat.webhooks")
SYNC_SECONDS = 5.0  # how soon a hook registered through another process is wired here


def hook_key(hook: dict[str, str]) -> tuple[str, ...]:
    if "functionName" in hook:
        return ("function", hook["functionName"])
    return ("trigger", hook["className"], hook["triggerName"])


class WebhookRegistry:
    """`state.services.webhooks`: the store, the HTTP session, and what is wired where."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.store = HookStore(state)
        self._session: aiohttp.ClientSession | None = None
        self._replaced: dict[tuple[str, Any], Hook | None] = {}
        self._wired: dict[tuple[str, ...], str] = {}  # what this process has put in its hook table
        self._sync_task: asyncio.Task[None] | None = None

    @property
    def key(self) -> str | None:
        return getattr(self.state.settings, "webhookKey", None)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32))
        return self._session

    async def close(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _cloud(self) -> Cloud:
        runtime = self.state.services.cloud
        if runtime is None:
            runtime = await install_cloud(self.state, Cloud())
            assert runtime is not None
        cloud: Cloud = runtime.cloud
        return cloud

    # --- the handlers put in the hook table --------------------------------------------------
    def _function_handler(self, name: str, url: str) -> Any:
        async def run_webhook_function(request: Any) -> Any:
            payload = {**common(request), "functionName": name, "params": request.params}
            return await call_webhook(self.session(), url, payload, self.key)
        return run_webhook_function

    def _trigger_handler(self, trigger: str, url: str) -> Any:
        async def call(payload: dict[str, Any]) -> Any:
            return await call_webhook(self.session(), url, payload, self.key)
        return trigger_handler(trigger, call)

    # --- wiring ----------------------------------------------------------------------------
    async def wire(self, hook: dict[str, str]) -> None:
        await self._wire(hook)
        self._wired[hook_key(hook)] = hook["url"]

    async def _wire(self, hook: dict[str, str]) -> None:
        cloud = await self._cloud()
        if "functionName" in hook:
            name = hook["functionName"]
            self._replaced.setdefault(("function", name), cloud.functions.get(name))
            cloud.define(name, self._function_handler(name, hook["url"]))
            return
        trigger, class_name = hook["triggerName"], class_key(hook["className"])
        if trigger not in WIRED_TRIGGERS:
            log.warning("webhook %s on %s is stored but not run (afterEvent webhooks are not)",
                        trigger, class_name[:64])
            return
        try:
            key = (trigger, class_name)
            self._replaced.setdefault(("trigger", key), cloud.triggers.get(key))
            cloud.trigger(trigger, class_name, self._trigger_handler(trigger, hook["url"]))
        except ValueError as exc:
            raise ParseError(WEBHOOK_ERROR, str(exc)) from exc

    async def unwire_function(self, name: str) -> None:
        self._wired.pop(("function", name), None)
        runtime = self.state.services.cloud
        if runtime is None:
            return
        previous = self._replaced.pop(("function", name), None)
        if previous is not None:
            runtime.cloud.functions[name] = previous
        else:
            runtime.cloud.functions.pop(name, None)

    async def unwire_trigger(self, class_name: str, trigger: str) -> None:
        self._wired.pop(("trigger", class_name, trigger), None)
        runtime = self.state.services.cloud
        if runtime is None:
            return
        key = (trigger, class_key(class_name))
        previous = self._replaced.pop(("trigger", key), None)
        if previous is not None:
            runtime.cloud.triggers[key] = previous
        else:
            runtime.cloud.triggers.pop(key, None)

    async def load(self) -> None:
        """Make the hook table match `_Hooks`: wire new or moved hooks, unwire deleted ones (at
        boot, then every `SYNC_SECONDS`, so hooks changed through another process arrive here)."""
        stored = {hook_key(h): h for h in await self.store.functions() + await self.store.triggers()}
        for key, hook in stored.items():
            if self._wired.get(key) == hook["url"]:
                continue
            try:
                await self.wire(hook)
            except ParseError as exc:
                log.warning("stored webhook not wired: %s", exc.message)
        for key in [k for k in self._wired if k not in stored]:
            if key[0] == "function":
                await self.unwire_function(key[1])
            else:
                await self.unwire_trigger(key[1], key[2])

    async def _sync_loop(self) -> None:
        while True:
            await asyncio.sleep(SYNC_SECONDS)
            try:
                await self.load()
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log.warning("webhook sync failed (%s)", type(exc).__name__)

    def start_sync(self) -> None:
        if self._sync_task is None:
            self._sync_task = asyncio.get_running_loop().create_task(self._sync_loop(), name="webhook sync")


async def install_webhooks(state: AppState) -> None:
    registry = WebhookRegistry(state)
    state.services.webhooks = registry
    state.services.on_close.append(registry.close)
    await registry.load()
    registry.start_sync()
