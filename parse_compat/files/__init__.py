"""Files: the Parse Files API with adapters (local directory, GridFS), streaming, upload rules,
protected downloads (signed URLs), encryption at rest and checksums.

`install_files(state)` is the feature's only entry point (called from `features.py`); it
registers the raw routes, `state.services.files` (the `FilesService`) and
`state.services.file_url`, which `AppState.file_url` uses for the `url` of File values.
"""

from __future__ import annotations

from .setup import build_adapter, install_files, protected_files

__all__ = ["build_adapter", "install_files", "protected_files"]
