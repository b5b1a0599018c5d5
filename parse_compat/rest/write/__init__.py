"""Writes: the one pipeline every create, update and delete goes through.

- `pipeline.py` — the step lists and `Writer` (`state.writer`), the entry point;
- `op.py` — `WriteOp`, the value the steps fill, and `WriteResult`;
- `access.py` — class check, CLPs, the original loaded under write permission;
- `keys.py` — every key path resolved against the schema;
- `hooks.py` — `ClassHooks`, how `_User`, `_Session`, `_Role`, `_Installation` plug in;
- `store.py` — the pipeline's store step and `StorageWrites`, the one place writes reach storage;
- `server_owned.py` — the writes of server-owned records (sessions, tokens, counters, outbox
  rows...), which need no pipeline steps and go through `StorageWrites` too.
"""

from .access import as_rest
from .hooks import ClassHooks
from .op import WriteOp, WriteResult, new_object_id
from .pipeline import ChangeListener, Writer

__all__ = ["ChangeListener", "ClassHooks", "WriteOp", "WriteResult", "Writer", "as_rest", "new_object_id"]
