"""Push notifications, Parse's model: `POST /push` records a `_PushStatus` and sends in the
background through a push adapter.

- `adapter.py`: the adapter interface and the default logging adapter (sends nothing);
- `timing.py`: `push_time` / `expiration_time` / `expiration_interval`, checked as Parse does;
- `status.py`: the `_PushStatus` row and its transitions (pending → running → succeeded | failed);
- `service.py`: `PushService` (`state.services.push`): validates, records, then pages through the
  matching installations (the ordinary query path, as master) off the request path, a bounded
  number of pushes at a time.
"""

from __future__ import annotations

from .service import PushService, install_push

__all__ = ["PushService", "install_push"]
