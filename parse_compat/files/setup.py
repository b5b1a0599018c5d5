"""Wiring the files feature onto an app: options → adapter, store, policy, signer, routes.

Options (settings.py): `filesAdapter` — `local` (default with SQLite: `<dataDir>/files`),
`local:/some/dir`, `gridfs` (default with MongoDB: the app's own database, as Parse Server
does), `gridfs:mongodb://…/db` (another database); `fileKey` — encrypt at rest; `encryptionKey` —
Parse's GridFS encryption, its own format (parse_sealing.py), instead of fileKey; `fileUpload` —
Parse's upload policy; `protectedFiles` — signed/checked downloads, on by default when a schema
template (the dental one) is loaded, off otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..settings import Settings
from .adapter import FilesAdapter
from .gridfs import GridFSAdapter
from .local import LocalFilesAdapter
from .policy import UploadPolicy
from .references import FileReferenceCheck
from .routes import FilesRoutes
from .service import FilesService
from .signing import UrlSigner
from .store import FileStore


def protected_files(settings: Settings) -> bool:
    value = getattr(settings, "protectedFiles", None)
    return bool(settings.schema) if value is None else bool(value)


def build_adapter(settings: Settings, storage: Any = None) -> FilesAdapter:
    return adapter_for(getattr(settings, "filesAdapter", None) or "", settings.databaseURI or "",
                       Path(settings.dataDir), storage, getattr(settings, "encryptionKey", None))


def adapter_for(spec: str, database_uri: str, data_dir: Path, storage: Any = None,
                encryption_key: str | None = None) -> FilesAdapter:
    """The files adapter a `filesAdapter` value names, beside the store `database_uri` names
    (`storage`: that store's adapter, connected, for GridFS in the app's own database;
    `encryption_key`: Parse's encryptionKey, which only its GridFS format has)."""
    spec = spec.strip()
    kind, _, arg = spec.partition(":")
    if not spec:
        kind = "gridfs" if database_uri.startswith(("mongodb://", "mongodb+srv://", "mongomock://")) else "local"
    if kind == "local":
        if encryption_key:
            raise ValueError("encryptionKey is Parse's GridFS file encryption; with local files use fileKey")
        return LocalFilesAdapter(arg or data_dir / "files")
    if kind == "gridfs":
        if not arg:
            database = getattr(storage, "database", None)
            if database is None:
                raise ValueError("filesAdapter gridfs needs a MongoDB databaseURI (or gridfs:mongodb://…)")
            return GridFSAdapter(database, encryption_key=encryption_key)
        from ..storage.mongo.connection import create_client, database_name

        client = create_client(arg)
        return GridFSAdapter(client[database_name(arg)], client=client, encryption_key=encryption_key)
    raise ValueError(f"unknown filesAdapter {spec!r}: use local, local:/dir, gridfs or gridfs:mongodb://…")


def build_service(state: Any, adapter: FilesAdapter | None = None) -> FilesService:
    settings: Settings = state.settings
    store = FileStore(adapter or build_adapter(settings, state.storage), getattr(settings, "fileKey", None))
    policy = UploadPolicy.from_option(getattr(settings, "fileUpload", None))
    signer = UrlSigner(settings.masterKey, settings.appId)
    return FilesService(state, store, policy, signer, protected_files(settings))


async def install_files(state: Any) -> FilesService:
    service = build_service(state)
    routes = FilesRoutes(state, service)
    state.services.files = service
    state.services.file_url = service.file_url
    state.services.file_reference_check = FileReferenceCheck(service)
    state.services.raw_routes.append((routes.matches, routes.handle))
    state.services.on_close.append(service.store.adapter.close)
    return service
