"""Issue 12, the audit trail's hash chain: an edited or deleted `_Audit` entry is reported by
`parse-compat audit verify` (a real subprocess against the server's SQLite file), retention keeps
the chain verifiable from its anchor, and `audit export --csv` writes the entries."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from parse_compat.audit import audit_of
from parse_compat.audit.chain import ChainBroken, seal, verify

from .conftest import APP_ID, MASTER_KEY, Client, Running
from .dental_support import practice

ROOT = Path(__file__).resolve().parents[2]


def chain(count: int) -> list[dict[str, Any]]:
    out, prev = [], ""
    for seq in range(1, count + 1):
        entry = seal({"objectId": f"id{seq}", "action": "get", "targetClass": "Patient", "targetId": f"p{seq}",
                      "user": None, "roles": [], "session": None, "ip": "127.0.0.1", "master": True,
                      "readOnly": False, "fields": [], "anchor": None, "createdAt": "2026-01-01T00:00:00.000Z"},
                     seq, prev)
        prev = entry["hash"]
        out.append(entry)
    return out


def test_the_chain_detects_an_edit_a_deletion_and_a_resealed_edit() -> None:
    assert verify(chain(5)) == 5
    edited = chain(5)
    edited[2]["targetId"] = "someone-else"
    with pytest.raises(ChainBroken, match="entry seq 3 .* edited"):
        verify(edited)
    deleted = chain(5)
    del deleted[1]
    with pytest.raises(ChainBroken, match="entry seq 3 .*2..2 are missing"):
        verify(deleted)
    head_cut = chain(5)[1:]  # the first entry gone, no purge anchor to excuse it
    with pytest.raises(ChainBroken, match="entry seq 2"):
        verify(head_cut)
    resealed = chain(5)  # an edit whose own hash was recomputed still breaks the next entry's link
    resealed[1]["targetId"] = "forged"
    seal(resealed[1], 2, resealed[0]["hash"])
    with pytest.raises(ChainBroken, match="entry seq 3 .*prevHash"):
        verify(resealed)


def cli(db: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parse_compat", "audit", *args, "--databaseURI", f"sqlite:///{db}",
                           "--appId", APP_ID, "--masterKey", MASTER_KEY, "--dataDir", str(tmp)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_audit_verify_reports_an_entry_edited_in_the_database(running: Running, api: Client,
                                                                   tmp_path: Path) -> None:
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Vera")
    for who in (clinic.staff1, clinic.admin):
        assert (await clinic.as_(who, "GET", f"/classes/Patient/{patient}")).status == 200
    await audit_of(running.state).sync()
    db = tmp_path / "test.db"
    ok = await asyncio.to_thread(cli, db, tmp_path, "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact: 3 entries" in ok.stdout
    exported = await asyncio.to_thread(cli, db, tmp_path, "export", "--csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(row["seq"], row["action"], row["user"]) for row in rows] == [
        ("1", "create", clinic.staff1.id), ("2", "get", clinic.staff1.id), ("3", "get", clinic.admin.id)]
    assert "Vera" not in exported.stdout and "patients.example" not in exported.stdout
    with sqlite3.connect(db) as conn:  # someone with the database file rewrites who read the record
        conn.execute("""UPDATE "_Audit" SET data = json_set(data, '$.user.objectId', ?)
                        WHERE json_extract(data, '$.seq') = 3""", (clinic.staff2.id,))
    broken = await asyncio.to_thread(cli, db, tmp_path, "verify")
    assert broken.returncode == 1
    assert "entry seq 3" in broken.stdout and "edited" in broken.stdout, broken.stdout
    with sqlite3.connect(db) as conn:  # deleting an entry is found too
        conn.execute("""DELETE FROM "_Audit" WHERE json_extract(data, '$.seq') = 2""")
    gone = await asyncio.to_thread(cli, db, tmp_path, "verify")
    assert gone.returncode == 1 and "entry seq 3" in gone.stdout and "missing" in gone.stdout, gone.stdout


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_audit_verify_names_entries_still_in_the_journal(running: Running, api: Client, tmp_path: Path) -> None:
    log = audit_of(running.state)
    await log.pause()  # nothing is stored from here on but by sync()
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Vera")
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    waiting = await asyncio.to_thread(cli, tmp_path / "test.db", tmp_path, "verify")
    assert waiting.returncode == 0, waiting.stdout + waiting.stderr
    assert "audit journal: 2 entries not stored in _Audit yet" in waiting.stdout, waiting.stdout
    await log.sync()
    stored = await asyncio.to_thread(cli, tmp_path / "test.db", tmp_path, "verify")
    assert "intact: 2 entries" in stored.stdout and "journal" not in stored.stdout, stored.stdout


async def test_retention_deletes_old_entries_and_the_chain_still_verifies(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Vera")
    for _ in range(3):
        assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    log = audit_of(running.state)
    assert log is not None
    await log.sync()
    log.retention_days = 1
    assert await log.purge(datetime.now(UTC)) == 0  # nothing is a day old yet
    later = datetime.now(UTC) + timedelta(days=2)
    assert await log.purge(later) == 4  # the create and the three reads
    assert (await clinic.as_(clinic.admin, "GET", f"/classes/Patient/{patient}")).status == 200
    await log.sync()
    kept = (await api.get("/classes/_Audit", master=True, params={"order": "seq"})).body["results"]
    assert [row["action"] for row in kept] == ["purge", "get"]
    assert kept[0]["anchor"]["seq"] == 4 and kept[0]["seq"] == 5
    assert verify(kept) == 2
    with pytest.raises(ChainBroken, match="entry seq 6"):
        verify(kept[1:])  # the purge entry itself removed: the anchor is gone with it
