"""Jobs over REST (`/jobs`, `_JobStatus`) and scheduled runs, including two server processes
sharing one database: each due run executes once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from parse_compat.cloud.loader import CloudCodeError
from parse_compat.codec.dates import parse_iso
from parse_compat.storage.base import FindOptions

from .conftest import Client, Running, start


async def job_status(api: Client, job_id: str) -> dict[str, Any]:
    reply = await api.get(f"/classes/_JobStatus/{job_id}", master=True)
    assert reply.status == 200, reply.body
    return dict(reply.body)


async def hook_events(api: Client, event: str) -> list[dict[str, Any]]:
    reply = await api.get("/classes/HookLog", master=True, params={"where": json.dumps({"event": event})})
    return list(reply.body.get("results", [])) if reply.status == 200 else []


async def test_job_runs_in_the_background_and_reports_success(running: Running) -> None:
    api = running.client
    reply = await api.post("/jobs/okJob", {"value": 7}, master=True)
    assert reply.status == 200 and reply.body == {}
    job_id = reply.headers["X-Parse-Job-Status-Id"]
    assert "X-Parse-Job-Status-Id" in reply.headers["Access-Control-Expose-Headers"]
    await running.runtime.jobs.wait_idle()
    status = await job_status(api, job_id)
    assert status["jobName"] == "okJob" and status["source"] == "api" and status["status"] == "succeeded"
    assert status["message"] == "done 7" and status["params"] == {"value": 7}
    assert parse_iso(status["finishedAt"]["iso"]) >= parse_iso(status["createdAt"])
    assert [e["value"] for e in await hook_events(api, "okJob")] == [7]


async def test_job_status_is_running_until_done(running: Running) -> None:
    api = running.client
    reply = await api.post("/jobs", {"jobName": "slowJob", "seconds": 0.4}, master=True)
    job_id = reply.headers["X-Parse-Job-Status-Id"]
    status = await job_status(api, job_id)
    assert status["status"] == "running" and status["params"] == {"seconds": 0.4}
    await running.runtime.jobs.wait_idle()
    assert (await job_status(api, job_id))["status"] == "succeeded"


async def test_failed_job_records_the_error(running: Running) -> None:
    api = running.client
    job_id = (await api.post("/jobs/failJob", {}, master=True)).headers["X-Parse-Job-Status-Id"]
    await running.runtime.jobs.wait_idle()
    status = await job_status(api, job_id)
    assert status["status"] == "failed" and status["message"] == "job exploded" and "finishedAt" in status


async def test_jobs_need_the_writable_master_key(api: Client, tmp_path: Path) -> None:
    reply = await api.post("/jobs/okJob", {})
    assert reply.status == 403 and reply.body == {"error": "Permission denied"}  # Parse: no code
    reply = await api.post("/jobs/nope", {}, master=True)
    assert reply.body == {"code": 141, "error": "Invalid job."}
    reply = await api.post("/jobs", {}, master=True)
    assert reply.body == {"code": 141, "error": "Invalid job."}
    assert (await api.get("/classes/_JobStatus")).body["code"] == 119  # clients never see job statuses


async def test_read_only_master_cannot_start_jobs(tmp_path: Path, adapter_name: str) -> None:
    server, client, session = await start(tmp_path, adapter_name, {"cloud": "tests.cloud.fixtures_module",
                                                                   "readOnlyMasterKey": "ro-key"})
    try:
        reply = await client.post("/jobs/okJob", {}, headers={"X-Parse-Master-Key": "ro-key"})
        assert reply.body["code"] == 119
    finally:
        await session.close()
        await server.close()


async def test_schedule_api_and_scheduled_runs(running: Running) -> None:
    api = running.client
    reply = await api.post("/cloud_code/jobs", {"job_schedule": {"jobName": "okJob", "params": {"value": 3},
                                                                 "repeatMinutes": 60}}, master=True)
    assert reply.status == 200, reply.body
    schedule_id = reply.body["objectId"]
    reply = await api.post("/cloud_code/jobs", {"job_schedule": {"jobName": "undeployed"}}, master=True)
    assert reply.body["code"] == 141
    data = (await api.get("/cloud_code/jobs/data", master=True)).body
    assert data["in_use"] == ["okJob"] and "okJob" in data["jobs"] and "failJob" in data["jobs"]
    scheduler = running.runtime.scheduler
    now = datetime.now(UTC)
    assert len(await scheduler.tick(now)) == 1
    assert await scheduler.tick(now + timedelta(minutes=30)) == []  # not due yet
    assert len(await scheduler.tick(now + timedelta(minutes=61))) == 1
    await running.runtime.jobs.wait_idle()
    statuses = (await api.get("/classes/_JobStatus", master=True)).body["results"]
    assert [(s["source"], s["status"], s["message"]) for s in statuses] == [("schedule", "succeeded", "done 3")] * 2
    listed = (await api.get("/cloud_code/jobs", master=True)).body
    assert [row["objectId"] for row in listed] == [schedule_id] and isinstance(listed[0]["lastRun"], (int, float))
    assert (await api.put(f"/cloud_code/jobs/{schedule_id}", {"job_schedule": {"repeatMinutes": 5}},
                          master=True)).status == 200
    assert (await api.delete(f"/cloud_code/jobs/{schedule_id}", master=True)).status == 200
    assert await scheduler.tick(now + timedelta(days=1)) == []


async def test_a_dashboard_schedule_runs_at_its_time_of_day(running: Running) -> None:
    api = running.client
    # what Parse Dashboard's job form sends for "repeat daily at 06:15", starting "immediately"
    reply = await api.post("/cloud_code/jobs", {"job_schedule": {
        "jobName": "okJob", "params": '{"value": 5}', "daysOfWeek": [1, 1, 1, 1, 1, 1, 1],
        "timeOfDay": "06:15:00.000Z", "repeatMinutes": 1440, "description": "daily"}}, master=True)
    assert reply.status == 200, reply.body
    row = (await api.get("/cloud_code/jobs", master=True)).body[0]
    assert row["startAfter"] and row["timeOfDay"] == "06:15:00.000Z"  # Dashboard renders both
    start = datetime.fromisoformat(row["startAfter"].replace("Z", "+00:00"))
    scheduler = running.runtime.scheduler
    next_day = (start + timedelta(days=1)).replace(hour=6, minute=14)
    assert await scheduler.tick(next_day) == []  # 06:14: not yet
    assert len(await scheduler.tick(next_day.replace(minute=16))) == 1  # 06:16: the 06:15 run
    assert await scheduler.tick(next_day.replace(hour=23)) == []  # once that day
    assert await scheduler.tick(next_day + timedelta(days=1)) == []  # next day, 06:14
    assert len(await scheduler.tick(next_day + timedelta(days=1, minutes=2))) == 1


async def test_a_schedule_without_start_gets_one(running: Running) -> None:
    reply = await running.client.post("/cloud_code/jobs", {"job_schedule": {"jobName": "okJob", "repeatMinutes": 30}},
                                      master=True)
    row = (await running.client.get("/cloud_code/jobs", master=True)).body[0]
    assert reply.status == 200 and row["startAfter"].endswith(":00.000Z")
    assert row["timeOfDay"] == row["startAfter"][11:16] + ":00.000Z"


async def test_schedules_declared_in_code_are_stored_once(tmp_path: Path) -> None:
    source = tmp_path / "declared.py"
    source.write_text("async def job(request):\n    return 'ran'\n\n"
                      "def register(cloud):\n    cloud.job('declared', job)\n"
                      "    cloud.schedule('declared', repeat_minutes=10)\n")
    overrides = {"cloud": str(source)}
    first = await start(tmp_path, "sqlite", overrides)
    second = await start(tmp_path, "sqlite", overrides)  # a second process on the same database file
    try:
        rows = (await first[1].get("/cloud_code/jobs", master=True)).body
        assert [(r["jobName"], r["repeatMinutes"]) for r in rows] == [("declared", 10)]
        # what Dashboard's schedule list renders: a start and, for a repeating schedule, a time of day
        assert rows[0]["startAfter"].endswith(":00.000Z") and rows[0]["timeOfDay"] == rows[0]["startAfter"][11:16] \
            + ":00.000Z"
    finally:
        for server, _client, session in (first, second):
            await session.close()
            await server.close()


async def test_schedules_declared_in_configuration(tmp_path: Path) -> None:
    source = tmp_path / "configured.py"
    source.write_text("async def job(request):\n    return 'ran'\n\n"
                      "def register(cloud):\n    cloud.job('nightly', job)\n")
    overrides = {"cloud": str(source),
                 "jobSchedules": [{"jobName": "nightly", "timeOfDay": "02:30", "params": {"a": 1},
                                   "daysOfWeek": [1, 5]}]}
    server, client, session = await start(tmp_path, "sqlite", overrides)
    try:
        rows = (await client.get("/cloud_code/jobs", master=True)).body
        assert [(r["jobName"], r["timeOfDay"]) for r in rows] == [("nightly", "02:30")]
        assert rows[0]["daysOfWeek"] == [0, 1, 0, 0, 0, 1, 0] and rows[0]["startAfter"]  # Parse's seven flags
    finally:
        await session.close()
        await server.close()
    with pytest.raises(CloudCodeError, match="no job named 'missing'"):
        await start(tmp_path, "sqlite", {"cloud": str(source), "jobSchedules": [{"jobName": "missing"}]})


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_two_processes_sharing_the_database_run_a_due_job_once(tmp_path: Path, adapter_name: str) -> None:
    overrides = {"cloud": "tests.cloud.fixtures_module"}
    apps = [await start(tmp_path, adapter_name, overrides) for _ in range(3)]
    try:
        client = apps[0][1]
        await client.post("/cloud_code/jobs", {"job_schedule": {"jobName": "okJob", "params": {"value": 1},
                                                                "repeatMinutes": 1}}, master=True)
        runtimes = [Running(c, s).runtime for s, c, _ in apps]
        now = datetime.now(UTC)
        for round_ in range(3):  # three due times, each raced by three processes
            moment = now + timedelta(minutes=2 * round_)
            started = await asyncio.gather(*(r.scheduler.tick(moment) for r in runtimes))
            assert sorted(len(ids) for ids in started) == [0, 0, 1]
        for runtime in runtimes:
            await runtime.jobs.wait_idle()
        statuses = (await client.get("/classes/_JobStatus", master=True)).body["results"]
        assert len(statuses) == 3 and {s["status"] for s in statuses} == {"succeeded"}
        assert len(await hook_events(client, "okJob")) == 3
        # the claim itself: two processes holding the same (stale) row, only one update matches
        schema = await runtimes[0].scheduler._schema()
        row = (await runtimes[0].state.storage.find(schema, {}, FindOptions(limit=1)))[0]
        later = now + timedelta(hours=1)
        claims = [await r.scheduler.claim(schema, dict(row), later) for r in runtimes[:2]]
        assert claims == [True, False]
    finally:
        for server, _client, session in apps:
            await session.close()
            await server.close()
