"""Loading cloud code: a module or a .py file, per app; errors stop startup with the user's
traceback; `cloud=None` and a missing default package mean no cloud code."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.cloud.hooks import Cloud
from parse_compat.cloud.loader import CloudCodeError, load_cloud
from parse_compat.rest.triggers import NoTriggers, triggers_of
from parse_compat.state import Services
from tests.api.conftest import make_settings


async def test_module_and_file_register_on_the_given_cloud(tmp_path: Path) -> None:
    cloud = Cloud()
    assert await load_cloud("tests.cloud.fixtures_module", cloud)
    assert "hello" in cloud.functions and cloud.has("beforeSave", "Thing")
    source = tmp_path / "my_hooks.py"
    source.write_text("async def register(cloud):\n    cloud.define('fromFile', lambda request: 42)\n")
    other = Cloud()
    assert await load_cloud(str(source), other)
    assert list(other.functions) == ["fromFile"] and "hello" not in other.functions


async def test_import_error_carries_the_users_traceback(tmp_path: Path) -> None:
    source = tmp_path / "broken_hooks.py"
    source.write_text("def register(cloud):\n    pass\n\nvalue = 1 / 0\n")
    with pytest.raises(CloudCodeError) as caught:
        await load_cloud(str(source), Cloud())
    message = str(caught.value)
    assert "broken_hooks.py" in message and "line 4" in message and "ZeroDivisionError" in message


async def test_register_failure_and_missing_register(tmp_path: Path) -> None:
    failing = tmp_path / "failing.py"
    failing.write_text("def register(cloud):\n    cloud.before_save('_Session', lambda r: None)\n")
    with pytest.raises(CloudCodeError, match="register\\(cloud\\) failed(.|\n)*failing.py"):
        await load_cloud(str(failing), Cloud())
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(CloudCodeError, match="no register"):
        await load_cloud(str(empty), Cloud())
    with pytest.raises(CloudCodeError, match="not found"):
        await load_cloud(str(tmp_path / "absent.py"), Cloud())
    with pytest.raises(CloudCodeError, match="No module named"):
        await load_cloud("no_such_cloud_module_xyz", Cloud())


async def test_startup_stops_on_broken_cloud_code(tmp_path: Path) -> None:
    source = tmp_path / "bad_startup.py"
    source.write_text("import definitely_not_installed_pkg\n")
    server = TestServer(create_app(make_settings(tmp_path, "sqlite", cloud=str(source))), host="127.0.0.1")
    with pytest.raises(CloudCodeError, match="bad_startup.py"):
        await server.start_server()
    await server.close()


async def test_no_cloud_and_two_apps_in_one_process(tmp_path: Path) -> None:
    plain = TestServer(create_app(make_settings(tmp_path / "a", "sqlite", cloud=None)), host="127.0.0.1")
    first = TestServer(create_app(make_settings(tmp_path / "b", "sqlite", cloud="tests.cloud.fixtures_module")),
                       host="127.0.0.1")
    second = TestServer(create_app(make_settings(tmp_path / "c", "sqlite", cloud="tests.cloud.fixtures_module")),
                        host="127.0.0.1")
    for directory in ("a", "b", "c"):
        (tmp_path / directory).mkdir()
    for server in (plain, first, second):
        await server.start_server()
    try:
        assert plain.app[STATE_KEY].services.cloud is None
        first_runtime = first.app[STATE_KEY].services.cloud
        second_runtime = second.app[STATE_KEY].services.cloud
        assert first_runtime.cloud is not second_runtime.cloud
        first_runtime.cloud.define("onlyFirst", lambda request: 1)
        assert "onlyFirst" not in second_runtime.cloud.functions
    finally:
        for server in (plain, first, second):
            await server.close()


async def test_default_package_absent_means_no_cloud_code() -> None:
    cloud = Cloud()
    import sys

    saved = sys.modules.get("cloud_code")
    # None in sys.modules makes the import fail with ModuleNotFoundError, as for a package that is
    # not installed, whether the project is installed editable or only on sys.path.
    sys.modules["cloud_code"] = None  # type: ignore[assignment]
    try:
        assert await load_cloud("cloud_code", cloud) is False
    finally:
        if saved is not None:
            sys.modules["cloud_code"] = saved
        else:
            sys.modules.pop("cloud_code", None)


def test_triggers_of_without_cloud_is_no_triggers() -> None:
    class FakeState:
        services = Services()

    class FakeCtx:
        state = FakeState()

    assert isinstance(triggers_of(FakeCtx()), NoTriggers)  # type: ignore[arg-type]
