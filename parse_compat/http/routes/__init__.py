"""Every route group, registered on one router."""

from __future__ import annotations

from ...openapi import routes as openapi_routes
from ..api import Router
from . import (
    aggregate,
    analytics,
    audiences,
    auth_routes,
    batch,
    classes,
    config,
    functions,
    hooks,
    logs,
    push,
    schemas,
    security,
    server_info,
    users,
)


def register_all(router: Router) -> None:
    for module in (users, auth_routes, classes, schemas, batch, config, server_info, security, functions, aggregate,
                   push, audiences, hooks, logs, analytics):
        module.register(router)
    openapi_routes.register(router)  # GET /openapi.json
