"""Connecting: URI → client and database, and what that server can do.

Owns the ``mongodb://`` / ``mongodb+srv://`` URIs (PyMongo's ``AsyncMongoClient``) and the
test-only ``mongomock://<dbname>`` scheme (an in-memory ``mongomock_motor`` client, imported
lazily), and probes a server for ``Capabilities``: transactions need a replica set or
``mongos``; an emulator gets no transactions, text search or geo operators.
"""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import urlsplit

from pymongo.errors import OperationFailure

from parse_compat.storage.base import Capabilities

MOCK_SCHEME = "mongomock://"
DEFAULT_DATABASE = "parse"
EMULATOR_CAPABILITIES = Capabilities(transactions=False, text_search=False, geo=False)


def is_mock_uri(uri: str) -> bool:
    return uri.startswith(MOCK_SCHEME)


def database_name(uri: str) -> str:
    """The database a URI names: its path (``mongodb://h/db``), or ``mongomock://db``."""
    parts = urlsplit(uri)
    name = parts.path.lstrip("/")
    if not name and is_mock_uri(uri):
        name = parts.netloc
    return name or DEFAULT_DATABASE


def create_client(uri: str) -> Any:
    if is_mock_uri(uri):
        from mongomock_motor import AsyncMongoMockClient

        return AsyncMongoMockClient(tz_aware=True)
    from pymongo import AsyncMongoClient

    return AsyncMongoClient(uri, tz_aware=True)


def is_emulator(client: Any) -> bool:
    # mongomock-motor dresses its classes up as Motor's, so look through the whole MRO
    return any(cls.__module__.split(".", 1)[0] in ("mongomock_motor", "mongomock")
               for cls in type(client).__mro__)


async def probe_capabilities(client: Any) -> Capabilities:
    if is_emulator(client):
        return EMULATOR_CAPABILITIES
    try:
        hello = await client.admin.command("hello")
    except OperationFailure:  # servers older than 4.4.2 only know the legacy name
        hello = await client.admin.command("isMaster")
    replicated = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
    sessions = hello.get("logicalSessionTimeoutMinutes") is not None
    return Capabilities(transactions=replicated and sessions, text_search=True, geo=True)


async def close_client(client: Any) -> None:
    result = client.close()
    if inspect.isawaitable(result):
        await result
