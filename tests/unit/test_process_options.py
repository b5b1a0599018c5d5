"""Parse's process options (issue 14, deliverable 6): jsonLogs, silent, verbose, logsFolder with
its info and error files, maxLogFiles; cluster."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from parse_compat.logconfig import configure_logging, kept_files
from parse_compat.settings import Settings


def _logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.propagate = False
    return logger


def test_json_console_lines_and_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = _logger("test.logconfig.json")
    configure_logging(Settings(appId="a", masterKey="m", jsonLogs=True, logLevel="warn"), root)
    root.info("hidden")
    try:
        raise ValueError("secret detail")
    except ValueError:
        root.exception("it broke")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [("error", "it broke")]
    assert lines[0]["error"] == "ValueError" and "secret detail" not in stream.getvalue()
    assert lines[0]["timestamp"].endswith("Z")


def test_silent_and_verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = _logger("test.logconfig.silent")
    configure_logging(Settings(appId="a", masterKey="m", silent=True, verbose=True), root)
    root.debug("quiet")
    assert root.level == logging.DEBUG and root.handlers == [] and stream.getvalue() == ""


def test_logs_folder_writes_info_and_error_files(tmp_path: Path) -> None:
    root = _logger("test.logconfig.files")
    listener = configure_logging(Settings(appId="a", masterKey="m", silent=True, logsFolder=str(tmp_path / "logs"),
                                          maxLogFiles="3d"), root)
    assert listener is not None
    root.info("started")
    root.error("failed")
    listener.stop()
    info = [json.loads(line)["message"] for line in (tmp_path / "logs" / "parse-server.info").read_text().splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "logs" / "parse-server.err").read_text().splitlines()]
    assert info == ["started", "failed"] and [e["message"] for e in errors] == ["failed"]
    assert errors[0]["level"] == "error"


def test_max_log_files() -> None:
    assert kept_files(None) == 0 and kept_files(10) == 10 and kept_files("14d") == 14
    with pytest.raises(ValueError):
        kept_files("soon")


def test_cluster_option_means_worker_processes() -> None:
    from parse_compat.settings import cluster_size

    assert cluster_size(None) == 1 and cluster_size(False) == 1 and cluster_size(3) == 3
    assert cluster_size(True) >= 1
    for bad in (0, -2, "many"):
        with pytest.raises(ValueError):
            cluster_size(bad)


def test_help_groups_every_option_once() -> None:
    from parse_compat.cli_parser import build_parser
    from parse_compat.settings import OPTIONS

    parser = build_parser()
    titles = [group.title for group in parser._action_groups]
    assert {"Basic options", "Logging", "Push and analytics", "Other options"} <= set(titles)
    dests = [action.dest for group in parser._action_groups for action in group._group_actions]
    assert sorted(d for d in dests if d in {s.name for s in OPTIONS}) == sorted(s.name for s in OPTIONS)
