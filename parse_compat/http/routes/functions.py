"""Cloud functions and jobs: `POST /functions/{name}`, `POST /jobs/{name}`, `POST /jobs`
(`{jobName}`), and the schedule API `GET|POST /cloud_code/jobs`, `PUT|DELETE
/cloud_code/jobs/{objectId}`, `GET /cloud_code/jobs/data`.

Functions answer `{"result": …}`; an unknown name is 141 `Invalid function: "name"`. Jobs need
the (writable) master key, answer `{}` at once with `X-Parse-Job-Status-Id`, and run in the
background (see `cloud/jobs.py`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ...cloud.scheduler import schedule_defaults
from ...errors import INVALID_JSON, OPERATION_FORBIDDEN, SCRIPT_FAILED, ParseError
from ...rest import find as reads
from ...rest.params import QueryParams
from ..api import ApiRequest, ApiResponse, Router, require_master, require_writable_master

SCHEDULE_FIELDS = ("jobName", "description", "params", "startAfter", "daysOfWeek", "timeOfDay", "repeatMinutes")


def _runtime(request: ApiRequest) -> Any:
    return request.ctx.state.services.cloud


def _params(request: ApiRequest) -> dict[str, Any]:
    params = {k: v for k, v in request.query.items()}
    if request.body is not None and not isinstance(request.body, dict):
        raise ParseError(INVALID_JSON, "Invalid JSON: params must be an object")
    params.update(request.body or {})
    return params


async def run_function(request: ApiRequest) -> ApiResponse:
    name = request.params["name"]
    runtime = _runtime(request)
    if runtime is None:
        raise ParseError(SCRIPT_FAILED, f'Invalid function: "{name}"')
    result = await runtime.run_function(request.ctx, name, _params(request))
    return ApiResponse({"result": result})


async def _start_job(request: ApiRequest, name: Any, params: dict[str, Any]) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to run a job.")
    runtime = _runtime(request)
    if runtime is None or not isinstance(name, str) or not runtime.jobs.known(name):
        raise ParseError(SCRIPT_FAILED, "Invalid job.")
    job_id = await runtime.jobs.start(request.ctx, name, params, source="api")
    return ApiResponse({}, 200, {"X-Parse-Job-Status-Id": job_id})


async def start_job(request: ApiRequest) -> ApiResponse:
    return await _start_job(request, request.params["name"], _params(request))


async def start_job_by_body(request: ApiRequest) -> ApiResponse:
    params = _params(request)
    name = params.pop("jobName", None)
    return await _start_job(request, name, params)


# --- schedules ----------------------------------------------------------------------------
def _schedule_body(request: ApiRequest) -> dict[str, Any]:
    body = request.body if isinstance(request.body, dict) else {}
    schedule = body.get("job_schedule")
    if not isinstance(schedule, dict):
        raise ParseError(INVALID_JSON, "job_schedule is required")
    out = {key: value for key, value in schedule.items() if key in SCHEDULE_FIELDS}
    if "params" in out and not isinstance(out["params"], str):
        out["params"] = json.dumps(out["params"])
    runtime = _runtime(request)
    name = out.get("jobName")
    if name is not None and (runtime is None or not runtime.jobs.known(name)):
        raise ParseError(SCRIPT_FAILED, f"Cannot Schedule a job that is not deployed: {name}")
    return out


async def list_schedules(request: ApiRequest) -> ApiResponse:
    require_master(request)
    found = await reads.find(request.ctx, "_JobSchedule", QueryParams(limit=1000))
    return ApiResponse(found["results"])


async def jobs_data(request: ApiRequest) -> ApiResponse:
    require_master(request)
    runtime = _runtime(request)
    found = await reads.find(request.ctx, "_JobSchedule", QueryParams(limit=1000))
    in_use = sorted({row["jobName"] for row in found["results"] if isinstance(row.get("jobName"), str)})
    return ApiResponse({"in_use": in_use, "jobs": sorted(runtime.cloud.jobs) if runtime else []})


async def create_schedule(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    values = _schedule_body(request)
    if "jobName" not in values:
        raise ParseError(SCRIPT_FAILED, "Cannot Schedule a job that is not deployed: undefined")
    values = schedule_defaults(values, datetime.now(UTC))  # Dashboard shows startAfter and timeOfDay
    result = await request.ctx.state.writer.create(request.ctx, "_JobSchedule", {**values, "ACL": {}})
    return ApiResponse(result.response, 200)


async def update_schedule(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    result = await request.ctx.state.writer.update(request.ctx, "_JobSchedule", request.params["objectId"],
                                                   _schedule_body(request))
    return ApiResponse(result.response)


async def delete_schedule(request: ApiRequest) -> ApiResponse:
    require_writable_master(request)
    await request.ctx.state.writer.delete(request.ctx, "_JobSchedule", request.params["objectId"])
    return ApiResponse({})


def register(router: Router) -> None:
    router.add("POST", "/functions/{name}", run_function)
    router.add("POST", "/jobs/{name}", start_job)
    router.add("POST", "/jobs", start_job_by_body)
    router.add("GET", "/cloud_code/jobs/data", jobs_data)
    router.add("GET", "/cloud_code/jobs", list_schedules)
    router.add("POST", "/cloud_code/jobs", create_schedule)
    router.add("PUT", "/cloud_code/jobs/{objectId}", update_schedule)
    router.add("DELETE", "/cloud_code/jobs/{objectId}", delete_schedule)
