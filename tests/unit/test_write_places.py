"""Writes reach storage in one place: the pipeline's store step (`rest/write/store.py`, whose
`StorageWrites` the pipeline, the server-owned writes and the schema registry all use). A plain
scan of the package for the adapter's write methods — objects, relation rows and schemas —
called on anything named `storage`."""

from __future__ import annotations

import re
from pathlib import Path

import parse_compat

ROOT = Path(parse_compat.__file__).parent
WRITE_METHODS = ("insert", "insert_many", "update", "delete", "delete_many", "add_relations", "remove_relations",
                 "save_schema", "delete_class", "delete_field", "ensure_unique")
WRITE = re.compile(r"storage\s*\.\s*(" + "|".join(WRITE_METHODS) + r")\s*\(")
ALLOWED = {"rest/write/store.py"}


def writers(root: Path) -> set[str]:
    found = set()
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if not name.startswith("storage/") and WRITE.search(path.read_text()):
            found.add(name)
    return found


def test_only_the_store_step_reaches_storage() -> None:
    assert writers(ROOT) == ALLOWED


def test_the_scan_sees_a_write(tmp_path: Path) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "x.py").write_text("await self._storage.update(schema, where, {})\n")
    (tmp_path / "auth" / "y.py").write_text("await self._storage.find(schema, where, options)\n")
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "z.py").write_text("await self._storage.save_schema(schema)\n")
    (tmp_path / "schema" / "w.py").write_text("await state.storage .delete_field(schema, 'f')\n")
    (tmp_path / "schema" / "v.py").write_text("await self._storage.load_schemas()\n")
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "u.py").write_text("await self.storage.insert(schema, doc)\n")
    assert writers(tmp_path) == {"auth/x.py", "schema/z.py", "schema/w.py"}


def test_no_module_but_the_store_step_holds_a_write_path_to_the_adapter() -> None:
    """Server-owned writes and the schema registry are handed the store step's writes, not the adapter."""
    server_owned = (ROOT / "rest" / "write" / "server_owned.py").read_text()
    assert "StorageAdapter" not in server_owned
    registry = (ROOT / "schema" / "registry.py").read_text()
    assert "SchemaWrites" in registry and WRITE.search(registry) is None


async def test_a_registry_without_the_store_step_persists_nothing(tmp_path: Path) -> None:
    """The audit CLI's read-only view: storage stays as it was; it still reads what is stored."""
    from parse_compat.rest.write.store import StorageWrites
    from parse_compat.schema.registry import SchemaRegistry
    from parse_compat.storage.loader import open_storage

    storage = open_storage(f"sqlite:///{tmp_path / 'db.sqlite'}", None)
    await storage.connect()
    try:
        view = SchemaRegistry(storage)
        await view.load()
        assert await storage.load_schemas() == []
        writing = SchemaRegistry(storage, StorageWrites(storage))
        await writing.load()
        assert "_User" in {schema.class_name for schema in await storage.load_schemas()}
        await view.reload()
        assert view.get("_User") is not None
    finally:
        await storage.close()
