"""`parse-compat schema docs`: the committed docs/schema/ files match what schema.json generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parse_compat.cli import main as cli_main
from parse_compat.schema.docs import DICTIONARY_FILE, ER_FILE, data_dictionary, er_diagram, write_docs

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_docs_are_current(tmp_path: Path) -> None:
    write_docs(ROOT / "schema.json", tmp_path)
    for name in (ER_FILE, DICTIONARY_FILE):
        committed = ROOT / "docs" / "schema" / name
        assert committed.exists(), f"{committed} is missing: run `parse-compat schema docs --out docs/schema`"
        assert committed.read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8"), (
            f"docs/schema/{name} is stale: run `parse-compat schema docs --out docs/schema`")


def test_cli_writes_both_files(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as done:
        cli_main(["schema", "docs", "--out", str(tmp_path / "out"), "--schema", str(ROOT / "schema.json")])
    assert done.value.code == 0
    er = (tmp_path / "out" / ER_FILE).read_text(encoding="utf-8")
    assert "```mermaid\nerDiagram\n" in er and 'Patient ||--o{ TreatmentPlan : "patient"' in er
    bad = tmp_path / "bad.json"
    bad.write_text('{"classes": [{"className": "X", "fields": {"a": {"type": "Nope"}}}]}')
    with pytest.raises(SystemExit) as failed:
        cli_main(["schema", "docs", "--out", str(tmp_path / "x"), "--schema", str(bad)])
    assert failed.value.code == 1


def test_rendering_covers_pointers_relations_and_clps() -> None:
    classes = [
        {"className": "Team", "fields": {"members": {"type": "Relation", "targetClass": "_User"}},
         "classLevelPermissions": {"find": {"role:coach": True, "pointerFields": ["owner"]}, "create": {},
                                   "protectedFields": {"*": ["secret"]}, "readUserFields": ["owner"]}},
        {"className": "Player", "fields": {"team": {"type": "Pointer", "targetClass": "Team"},
                                           "level": {"type": "Number", "defaultValue": 1, "required": True}},
         "description": "A player."},
    ]
    er = er_diagram(classes, "`t.json`")
    assert 'Team }o--o{ User : "members"' in er and 'Team |o--o{ Player : "team"' in er
    assert "Number level \"required\"" in er
    dictionary = data_dictionary(classes, "`t.json`")
    assert "| find | role `coach`, users named in `owner` |" in dictionary
    assert "| create | master key only |" in dictionary and "| count | master key only |" in dictionary
    assert "| read (user fields) | users named in `owner` |" in dictionary
    assert "| everyone | `secret` |" in dictionary
    assert "| `level` | `Number` | yes | `1` |" in dictionary and "A player." in dictionary
    assert "None declared" in dictionary
    assert json.dumps(classes)  # inputs are left untouched


def test_readme_links_the_generated_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(docs/schema/{ER_FILE})" in readme and f"(docs/schema/{DICTIONARY_FILE})" in readme
