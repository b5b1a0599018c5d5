"""File hooks: called on `state.services.triggers` by name when cloud code provides them."""

from __future__ import annotations

from typing import Any

from parse_compat.errors import ParseError
from parse_compat.rest.context import RequestContext

from .conftest import FilesEnv


class FileHooks:
    """Only the file hooks (and `has`, which the object pipeline asks)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def has(self, trigger: str, class_name: str) -> bool:
        return False

    async def before_save_file(self, ctx: RequestContext, file: dict[str, Any]) -> dict[str, Any] | None:
        self.calls.append(("before_save_file", file))
        if file["name"].startswith("blocked"):
            raise ParseError(141, "no blocked files")
        return {**file, "metadata": {"checked": True}}

    async def after_save_file(self, ctx: RequestContext, file: dict[str, Any]) -> None:
        self.calls.append(("after_save_file", file))

    async def before_delete_file(self, ctx: RequestContext, file: dict[str, Any]) -> None:
        self.calls.append(("before_delete_file", file))

    async def after_delete_file(self, ctx: RequestContext, file: dict[str, Any]) -> None:
        self.calls.append(("after_delete_file", file))


async def test_file_hooks(env: FilesEnv) -> None:
    hooks = FileHooks()
    env.state.services.triggers = hooks
    blocked = await env.upload("blocked.txt", b"x", "text/plain")
    assert blocked.body == {"code": 141, "error": "no blocked files"}
    reply = await env.upload("fine.txt", b"hello", "text/plain")
    assert reply.status == 201
    after = dict(hooks.calls)["after_save_file"]
    assert after["name"] == reply.body["name"] and after["metadata"] == {"checked": True}
    assert after["size"] == 5 and len(after["sha256"]) == 64
    assert (await env.client.delete(f"/files/{reply.body['name']}", master=True)).status == 200
    assert [name for name, _ in hooks.calls] == ["before_save_file", "before_save_file", "after_save_file",
                                                 "before_delete_file", "after_delete_file"]


async def test_file_hooks_registered_in_cloud_code(env: FilesEnv) -> None:
    from parse_compat.cloud import Cloud
    from parse_compat.cloud.runtime import install_cloud

    cloud = Cloud()
    seen: list[tuple[str, Any]] = []

    @cloud.before_save_file
    def refuse_exe(request: Any) -> Any:
        seen.append(("beforeSave", request.file["name"]))
        if request.file["name"].endswith(".exe"):
            raise ParseError(130, "no programs")
        return None

    @cloud.after_delete_file
    def deleted(request: Any) -> None:
        seen.append(("afterDelete", request.file["name"]))

    await install_cloud(env.state, cloud)
    assert (await env.upload("tool.exe", b"MZ")).body == {"code": 130, "error": "no programs"}
    name = (await env.upload("ok.txt", b"fine", "text/plain")).body["name"]
    assert (await env.client.delete(f"/files/{name}", master=True)).status == 200
    assert seen == [("beforeSave", "tool.exe"), ("beforeSave", "ok.txt"), ("afterDelete", name)]
