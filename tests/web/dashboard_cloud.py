"""Cloud code for the Parse Dashboard test (`--cloud tests.web.dashboard_cloud`): the dental template
plus one job that no schedule uses yet. Dashboard offers only such jobs in its "Schedule a job" form
(as with Parse Server), and the template schedules its reminder job at boot."""

from __future__ import annotations

import cloud_code
from parse_compat.cloud import Cloud, JobRequest

UNSCHEDULED_JOB = "nightlyCheck"


async def nightly_check(request: JobRequest) -> str:
    return "nothing to check"


def register(cloud: Cloud) -> None:
    cloud_code.register(cloud)
    cloud.job(UNSCHEDULED_JOB, nightly_check)
