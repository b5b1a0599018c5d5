"""The audit trail's writer and the account-mail outbox drain run under the app's supervisor:
when either loop dies, `/health` answers 503 naming it while it waits to be restarted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from parse_compat.audit import AuditLog
from parse_compat.outbox import Outbox
from parse_compat.supervisor import supervisor_of

from .conftest import Running


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


@pytest.fixture
def dying_loops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Both loops fail at once, every time they are started (patched before the app starts them)."""
    started: list[str] = []

    def dying(name: str) -> Any:
        async def run(self: Any) -> None:
            started.append(name)
            raise RuntimeError("storage gone")
        return run

    monkeypatch.setattr(AuditLog, "_run", dying("audit"))
    monkeypatch.setattr(Outbox, "_run", dying("outbox"))
    return started


async def test_health_names_a_dead_audit_writer_and_mail_outbox(dying_loops: list[str], running: Running) -> None:
    for _ in range(500):  # the loops' first run is scheduled when the app starts
        if {"audit", "outbox"} <= set(dying_loops):
            break
        await asyncio.sleep(0.01)
    assert {"audit", "outbox"} <= set(dying_loops)
    down = await running.client.get("/health")
    assert (down.status, down.body) == (503, {"status": "error",
                                              "tasks": {"audit.writer": "restarting", "mail.outbox": "restarting"}})
    supervisor = supervisor_of(running.state)
    assert supervisor.failures("audit.writer") >= 1 and supervisor.failures("mail.outbox") >= 1


async def test_health_is_ok_while_both_loops_run(running: Running) -> None:
    reply = await running.client.get("/health")
    assert (reply.status, reply.body) == (200, {"status": "ok"})
    supervisor = supervisor_of(running.state)
    assert supervisor.failures("audit.writer") == 0 and supervisor.failures("mail.outbox") == 0
