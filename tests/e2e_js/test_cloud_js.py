"""Cloud code through the official Parse JS SDK, reusing the server and scenario helpers of
`test_js_sdk.py`: Parse.Cloud.run, a beforeSave rejection reaching the SDK as a Parse.Error
with its code, Parse.Cloud.startJob + `_JobStatus`, and the dental rules (cloud_code/) with
two staff users and one administrator.

Two servers per storage: one with the test cloud code (`PARSE_SERVER_CLOUD`, read by the
server like any option), one with the default `cloud_code` package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .test_js_sdk import ServerHandle, run_scenario, start_server, stop_server


def _server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            cloud: str | None, template_defaults: bool = False) -> Iterator[ServerHandle]:
    storage = str(request.param)
    with pytest.MonkeyPatch.context() as patch:
        if cloud is None:
            patch.delenv("PARSE_SERVER_CLOUD", raising=False)
        else:
            patch.setenv("PARSE_SERVER_CLOUD", cloud)
        handle = start_server(storage, tmp_path_factory.mktemp(f"e2e-cloud-{storage}"), template_defaults)
    try:
        yield handle
    finally:
        stop_server(handle)


@pytest.fixture(scope="module", params=["sqlite", "mongomock"])
def cloud_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    yield from _server(request, tmp_path_factory, "tests.cloud.fixtures_module")


@pytest.fixture(scope="module", params=["sqlite", "mongomock"])
def dental_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    yield from _server(request, tmp_path_factory, None, True)  # the default: the cloud_code package, as shipped


def test_cloud_functions_triggers_and_jobs(cloud_server: ServerHandle) -> None:
    result = run_scenario(cloud_server, "cloud", master_key=True)
    assert result["run"] == {"hello": True, "made": "made", "nothing": None}
    assert result["runErrors"] == {"missing": 141, "custom": 1234, "crash": "something broke",
                                   "validation": "Validation failed. Please login to continue."}
    assert result["beforeSave"] == {"rejected": 9001, "message": "forbidden name", "crashed": 142}
    assert result["jobs"] == {
        "ok": {"status": "succeeded", "message": "done 5", "jobName": "okJob", "finished": True},
        "failed": {"status": "failed", "message": "job exploded"},
        "jobs": True, "unknown": "Invalid job."}


def test_dental_rules_through_the_sdk(dental_server: ServerHandle) -> None:
    result = run_scenario(dental_server, "cloud_dental", master_key=True)
    assert result["roles"] == {"signup": 119, "self": 119, "byStaff": 142}
    assert result["patient"] == {"hidden": 101, "admin": True}
    assert result["records"] == {"refused": 101, "message": "Patient not found."}
    assert result["status"] == {"bad": 142, "back": 142, "final": "cancelled"}
    assert result["reminder"] == {"past": 142, "future": True}
    assert result["promotion"] == {"role": "administrator", "seen": True}
    assert result["deletion"] == {"byStaff": 119, "reminders": 0, "withRecords": (
        "Cannot delete this patient: 1 x-ray log and 1 treatment plan still refer to it. "
        "Delete those records first.")}
