"""The cloud-code example in the README runs as the README says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.asyncio


def _example(tmp: Path) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Cloud code", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "README's cloud code section has no python example"
    path = tmp / "readme_cloud.py"
    path.write_text(code.group(1), encoding="utf-8")
    return str(path)


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"schema": None, "cloud": _example(tmp_path), "allowClientClassCreation": True}


async def test_readme_cloud_code_example(api: Client) -> None:
    user = await api.post("/users", {"username": "ann", "password": "pw-ann"})
    hello = await api.post("/functions/hello", {}, session_token=user.body["sessionToken"])
    assert hello.body == {"result": "Hello, ann!"}
    assert (await api.post("/functions/hello", {})).body["code"] == 142
    refused = await api.post("/classes/Note", {"text": ""})
    assert refused.body == {"code": 142, "error": "A note needs text."}
    saved = await api.post("/classes/Note", {"text": "floss twice a day"})
    assert saved.status == 201 and saved.body["words"] == 4
    assert (await api.get("/classes/Note", params={"count": 1, "limit": 0}, master=True)).body["count"] == 1
