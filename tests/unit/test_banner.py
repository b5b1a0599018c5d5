"""The start-up banner (stdout, which ends up in logs) never holds a secret: the master key is
named by the file that keeps it — and the curl line it suggests reads it from there — and the
database URI loses its password."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from parse_compat.app import banner
from parse_compat.settings import build_settings, load_or_create_credentials


def test_a_generated_master_key_is_not_printed_but_the_suggested_command_reads_it(tmp_path: Path) -> None:
    values = load_or_create_credentials(tmp_path, {"databaseURI": f"sqlite:///{tmp_path / 'p.db'}",
                                                   "dataDir": str(tmp_path)})
    text = banner(build_settings(values))
    assert values["masterKey"] not in text
    assert f"masterKey: not printed (in {tmp_path / 'credentials.json'})" in text
    header = re.search(r'-H "(X-Parse-Master-Key: .*?)" http', text)
    assert header is not None
    shown = subprocess.run(["bash", "-c", f'echo "{header.group(1)}"'], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == f"X-Parse-Master-Key: {values['masterKey']}"


def test_a_configured_master_key_and_a_database_password_are_not_printed(tmp_path: Path) -> None:
    (tmp_path / "credentials.json").write_text(json.dumps({"appId": "a", "masterKey": "another"}))
    settings = build_settings({"appId": "a", "masterKey": "configured-secret", "dataDir": str(tmp_path),
                               "databaseURI": "postgres://parse:db-secret@db.example:5432/parse"})
    text = banner(settings)
    assert "configured-secret" not in text and "db-secret" not in text and "another" not in text
    assert "masterKey: not printed (as configured)" in text
    assert "postgres://parse:***@db.example:5432/parse" in text
