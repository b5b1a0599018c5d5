"""The scheduler logs and skips a bad `_JobSchedule` row: the other due jobs still start."""

from __future__ import annotations

from datetime import UTC, datetime

from parse_compat.codec.dates import now_iso

from .conftest import Running


async def test_a_malformed_schedule_row_does_not_stop_the_others(running: Running) -> None:
    scheduler = running.runtime.scheduler
    schema = await running.state.schemas.ensure_class("_JobSchedule")
    stamp = now_iso()
    for object_id, last_run in (("aBadRow", {"not": "a number"}), ("zGoodRow", None)):
        doc = {"objectId": object_id, "createdAt": stamp, "updatedAt": stamp, "jobName": "okJob",
               "params": '{"value": 1}', "repeatMinutes": 1, "_rperm": [], "_wperm": []}
        if last_run is not None:
            doc["lastRun"] = last_run
        await running.state.storage.insert(schema, doc)
    started = await scheduler.tick(datetime.now(UTC))  # used to raise TypeError: no job ran at all
    assert len(started) == 1
    await running.runtime.jobs.wait_idle()
    statuses = (await running.client.get("/classes/_JobStatus", master=True)).body["results"]
    assert [(s["source"], s["status"]) for s in statuses] == [("schedule", "succeeded")]
