"""Logged tracebacks never carry exception messages (they may hold patient data)."""

from __future__ import annotations

from parse_compat.logsafe import redacted_traceback


def test_message_is_withheld_but_frames_remain() -> None:
    patient = {"name": "Ann" + " Lee"}  # request data, not source text
    try:
        raise ValueError(f"patient {patient['name']}, born 1970")
    except ValueError as exc:
        text = redacted_traceback(exc)
    assert "Ann Lee" not in text
    assert "test_message_is_withheld_but_frames_remain" in text and "ValueError" in text
