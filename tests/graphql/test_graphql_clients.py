"""End to end with real GraphQL clients from npm, run by node: urql for queries and mutations
over HTTP, graphql-ws for a subscription that receives a create (Live Query behind it)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from .conftest import APP_ID, Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(liveQuery={"classNames": ["TreatmentPlan"]})]
HERE = Path(__file__).resolve().parent / "e2e_js"
SCRIPT_TIMEOUT = 60


async def test_urql_and_graphql_ws_drive_the_api(api: Client) -> None:
    root = api.base.rsplit("/parse", 1)[0]
    process = await asyncio.create_subprocess_exec(
        "node", str(HERE / "clients.mjs"), root + "/graphql", root.replace("http://", "ws://") + "/graphql", APP_ID,
        cwd=HERE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT)
    assert process.returncode == 0, stderr.decode()[-3000:]
    seen = json.loads(stdout.decode().strip().splitlines()[-1])
    assert seen["user"] == {"username": "nina"}
    assert seen["patient"]["name"] == "Ann"
    assert seen["found"] == {"count": 1, "edges": [{"node": {"objectId": seen["patient"]["objectId"]}}]}
    rest = await api.get("/classes/Patient")
    assert seen["anonymous"] == [rest.body["code"]]
    assert "subscriptionError" not in seen, seen
    assert seen["events"], seen
    node = seen["events"][0]["data"]["treatmentPlans"]
    assert node["event"] == "create" and node["node"]["objectId"] in seen["created"]
    assert node["node"]["status"] == "open" and node["node"]["patient"] == {"name": "Ann"}
