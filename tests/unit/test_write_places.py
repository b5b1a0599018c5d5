"""Writes reach storage in two places only: the pipeline's store step (`rest/write/store.py`)
and the server-owned writes (`rest/write/server_owned.py`); schema operations stay in
`schema/registry.py`. A plain scan of the package for the adapter's write methods called on
anything named `storage`."""

from __future__ import annotations

import re
from pathlib import Path

import parse_compat

ROOT = Path(parse_compat.__file__).parent
WRITE = re.compile(r"storage\s*\.\s*(insert|insert_many|update|delete|delete_many|add_relations|remove_relations)\s*\(")
ALLOWED = {"rest/write/store.py", "rest/write/server_owned.py"}


def writers(root: Path) -> set[str]:
    found = set()
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if not name.startswith("storage/") and WRITE.search(path.read_text()):
            found.add(name)
    return found


def test_only_the_store_step_and_the_server_owned_writes_reach_storage() -> None:
    assert writers(ROOT) == ALLOWED


def test_the_scan_sees_a_write(tmp_path: Path) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "x.py").write_text("await self._storage.update(schema, where, {})\n")
    (tmp_path / "auth" / "y.py").write_text("await self._storage.find(schema, where, options)\n")
    assert writers(tmp_path) == {"auth/x.py"}
