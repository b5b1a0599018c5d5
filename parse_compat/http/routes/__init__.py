"""Every route group, registered on one router."""

from __future__ import annotations

from ..api import Router
from . import aggregate, auth_routes, batch, classes, config, functions, schemas, server_info, unconfigured, users


def register_all(router: Router) -> None:
    for module in (users, auth_routes, classes, schemas, batch, config, server_info, functions, aggregate,
                   unconfigured):
        module.register(router)
