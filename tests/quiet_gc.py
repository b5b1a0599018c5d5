"""Loop-stall tests measure the server's own stalls: a full garbage collection of the test
process's heap (every earlier test's garbage, hundreds of MB in a whole-suite run) is not one."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect now and freeze what is alive, so a collection inside the block only walks objects
    made inside it (as a server process with a small heap would); unfreeze afterwards."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
