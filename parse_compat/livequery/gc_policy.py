"""Keeps CPython's full garbage collections short while thousands of sockets stay open.

Each open websocket holds ~75 objects the cyclic collector tracks (aiohttp's protocol, parser,
request, tasks, coroutines, timers; our client). A full (generation 2) collection walks all of
them: ≈250 ms at 5,000 sockets on a 2-vCPU machine — a stall every Live Query subscriber feels.
Once enough clients are connected, ``tick`` collects once and moves everything alive into the
permanent generation (``gc.freeze()``), which full collections skip; objects created afterwards
are still collected as usual. It does so again each time the population grew by a tenth.
Frozen objects that later become cyclic garbage (closed connections) are only reclaimed after
``gc.unfreeze()``, done when as many clients have left as half the frozen population — the next
regular collection then frees them.

The ``gc`` module is process-wide; this object only decides when to call it. ``gcFreeze: false``
in the ``liveQuery`` option turns it off.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("parse_compat.livequery")


class GcPolicy:
    def __init__(self, min_clients: int = 500, enabled: bool = True) -> None:
        self.min_clients = min_clients
        self.enabled = enabled
        self.frozen_clients = 0
        self.closed_since_freeze = 0

    def tick(self, client_count: int) -> bool:
        """Freeze when the connected population has grown enough since the last freeze."""
        if not self.enabled or client_count < self.min_clients:
            return False
        if client_count - self.frozen_clients < max(self.min_clients // 2, self.frozen_clients // 10):
            return False
        gc.collect()  # garbage alive now would otherwise be frozen with the rest
        gc.freeze()
        self.frozen_clients = client_count
        self.closed_since_freeze = 0
        log.debug("live query: froze %d objects at %d clients", gc.get_freeze_count(), client_count)
        return True

    def client_closed(self) -> None:
        if not self.frozen_clients:
            return
        self.closed_since_freeze += 1
        if self.closed_since_freeze >= max(self.min_clients, self.frozen_clients // 2):
            gc.unfreeze()
            self.frozen_clients = 0
            self.closed_since_freeze = 0
