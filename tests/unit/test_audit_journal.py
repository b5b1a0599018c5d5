"""The audit journal (parse_compat/audit/journal.py): a live process's segments are never taken
by another, a dead one's are, a torn last line is skipped, and files are private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from parse_compat.audit import journal
from parse_compat.audit.journal import FIELDS, Journal, encode


def line(target: str) -> bytes:
    return encode(("get", "Patient", target, None, "u1", ["staff"], "s1", "10.0.0.1", False, False, [],
                   "2026-12-03T19:00:00.000Z"))


def test_a_live_journal_is_not_taken_and_a_closed_one_is_with_its_entries(tmp_path: Path) -> None:
    writer, other = Journal(tmp_path / "j"), Journal(tmp_path / "j")
    writer.open()
    writer.append(line("a") + line("b"))
    writer.rotate()
    writer.append(line("c"))
    assert list(other.orphans()) == []  # both segments are locked by their live writer
    writer.close(keep=True)  # the writer dies without storing
    found = list(other.orphans())
    assert [[entry["targetId"] for entry in entries] for _segment, entries in found] == [["a", "b"], ["c"]]
    assert list(found[0][1][0]) == list(FIELDS)
    assert list(Journal(tmp_path / "j").orphans()) == []  # now locked by `other`, which is storing them
    for segment, _entries in found:
        Journal.drop(segment)
    assert list((tmp_path / "j").iterdir()) == []


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    writer = Journal(tmp_path / "j")
    writer.open()
    writer.append(line("whole") + line("torn")[:20])
    writer.close(keep=True)
    [(segment, entries)] = list(Journal(tmp_path / "j").orphans())
    assert [entry["targetId"] for entry in entries] == ["whole"]
    Journal.drop(segment)


def test_released_segments_are_removed_and_files_are_private(tmp_path: Path) -> None:
    writer = Journal(tmp_path / "j")
    writer.open()
    writer.append(line("a"))
    [first] = list((tmp_path / "j").iterdir())
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "j").stat().st_mode) == 0o700
    writer.rotate()
    writer.release()
    assert not first.exists() and len(list((tmp_path / "j").iterdir())) == 1
    writer.close(keep=False)
    assert list((tmp_path / "j").iterdir()) == []


def test_a_full_segment_continues_in_a_new_one_and_nothing_is_lost(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "SEGMENT_BYTES", 300)
    writer = Journal(tmp_path / "j")
    writer.open()
    targets = [f"id{n}" for n in range(12)]
    for target in targets:
        writer.append(line(target))
    writer.append(line("x" * 1000))  # longer than a segment: one of its own size
    writer.close(keep=True)
    found = list(Journal(tmp_path / "j").orphans())
    assert len(found) > 3
    assert [entry["targetId"] for _segment, entries in found for entry in entries] == [*targets, "x" * 1000]
