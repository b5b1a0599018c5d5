"""The REST differential suite: every case of cases.py is sent, in order, to Parse Server 9.10
and to parse-compat; their normalised answers must be equal, except for the allow-listed cases,
which must still differ (an entry that no longer differs is stale and must go)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .allow_list import ALLOWED
from .cases import CASES
from .exchange import send
from .normalise import Memory
from .servers import parse_compat, parse_server

Answers = dict[str, tuple[dict[str, Any], dict[str, Any]]]


async def _run_all(work_dir: Path) -> Answers:
    answers: Answers = {}
    theirs_memory, ours_memory = Memory(), Memory()
    # a new connection per request: a kept-alive one can be closed by Node's idle timeout just as
    # the next case is sent on it, which would be a flaky ServerDisconnectedError
    async with parse_server(work_dir / "parse") as theirs, parse_compat(work_dir / "ours") as ours, \
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        for case in CASES:
            answers[case.name] = (await send(session, theirs, case, theirs_memory),
                                  await send(session, ours, case, ours_memory))
    return answers


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Answers:
    work_dir = tmp_path_factory.mktemp("parity")
    (work_dir / "parse").mkdir()
    return asyncio.run(_run_all(work_dir))


def test_case_names_are_unique_and_allow_list_names_cases() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert set(ALLOWED) <= set(names), set(ALLOWED) - set(names)


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_answers_as_parse_server(answers: Answers, name: str) -> None:
    theirs, ours = answers[name]
    report = json.dumps({"parse-server": theirs, "parse-compat": ours}, indent=1, sort_keys=True)[:4000]
    if name in ALLOWED:
        assert theirs != ours, f"allow-listed case {name} now answers as Parse Server: remove it\n{report}"
    else:
        assert theirs == ours, report
