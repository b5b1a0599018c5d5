"""The GraphQL playground: off by default, and when on, a page and bundles served by this server
alone (nothing from another origin) that never carries a key; `/graphql` itself is off by default."""

from __future__ import annotations

import asyncio
import re
import shutil

import aiohttp
import pytest

from .conftest import MASTER_KEY, Client

pytestmark = pytest.mark.asyncio


def root(api: Client) -> str:
    return api.base.rsplit("/parse", 1)[0]


@pytest.mark.settings(mountGraphQL=False)
async def test_graphql_and_playground_are_off_by_default(api: Client) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ("/graphql", "/playground"):
            async with session.post(root(api) + path, json={"query": "{ health }"},
                                    headers={"X-Parse-Application-Id": "test-app"}) as resp:
                assert resp.status == 404


@pytest.mark.settings(mountPlayground=True)
async def test_playground_page_loads_only_local_bundles_and_no_key(api: Client) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(root(api) + "/playground") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
            csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "connect-src 'self'" in csp
        assert MASTER_KEY not in page and "http://" not in page and "https://" not in page
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert len(sources) == 5
        for source in sources:
            async with session.get(root(api) + source) as resp:
                body = await resp.read()
                assert resp.status == 200 and len(body) > 200, source
        async with session.get(root(api) + "/playground/assets/..%2F..%2Fsettings.py") as resp:
            assert resp.status == 404


@pytest.mark.settings(mountPlayground=True)
async def test_playground_renders_graphiql_in_chromium_without_network(api: Client) -> None:
    """Debian's chromium, every host but the loopback server unresolvable: GraphiQL still renders."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (make chromium)"
    process = await asyncio.create_subprocess_exec(
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--dump-dom", root(api) + "/playground",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    dom, _ = await asyncio.wait_for(process.communicate(), 90)
    assert b"graphiql-container" in dom and b"graphiql-editor" in dom, dom[-2000:]
