"""The request context every REST operation receives: app state, caller and request info.

HTTP-free, so `/batch` and cloud code can replay operations without a web request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..auth.identity import Auth
from ..state import AppState


@dataclass
class RequestContext:
    state: AppState
    auth: Auth
    ip: str = "127.0.0.1"
    headers: Mapping[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def with_auth(self, auth: Auth) -> RequestContext:
        return RequestContext(self.state, auth, self.ip, self.headers, self.context)
