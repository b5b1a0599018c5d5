"""Credentials: X-Parse-* headers, the JS SDK's body envelope, Basic auth → an `Auth`.

Wrong or missing app id, a bad client key, or a master (or maintenance) key from a disallowed IP
→ 403 `{"error": "unauthorized"}`; a master key that matches no key is ignored, as in Parse, and so
is `X-Parse-Maintenance-Key` when no `maintenanceKey` is configured. A bad session token → 209 on
any route (except `/login`).
"""

from __future__ import annotations

import base64
import functools
import hmac
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..auth.identity import Auth
from ..errors import INVALID_JSON, ParseError, Unauthorized
from ..settings import Settings


@dataclass
class Credentials:
    app_id: str | None = None
    master_key: str | None = None
    maintenance_key: str | None = None
    session_token: str | None = None
    installation_id: str | None = None
    client_keys: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


HEADER_KEYS = {"restAPIKey": "X-Parse-REST-API-Key", "javascriptKey": "X-Parse-Javascript-Key",
               "clientKey": "X-Parse-Client-Key", "dotNetKey": "X-Parse-Windows-Key"}


def _context(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise ParseError(INVALID_JSON, "Invalid object for context.")
    return value


def read_credentials(headers: Mapping[str, str], body: Any, settings: Settings) -> Credentials:
    creds = Credentials(
        app_id=headers.get("X-Parse-Application-Id"),
        master_key=headers.get("X-Parse-Master-Key"),
        maintenance_key=headers.get("X-Parse-Maintenance-Key"),  # a header only, as in Parse
        session_token=headers.get("X-Parse-Session-Token"),
        installation_id=headers.get("X-Parse-Installation-Id"),
    )
    for kind, header in HEADER_KEYS.items():
        if header in headers:
            creds.client_keys[kind] = headers[header]
    if "X-Parse-Cloud-Context" in headers:
        creds.context = _context(headers["X-Parse-Cloud-Context"])
    _basic_auth(headers.get("Authorization", ""), creds, settings)
    if isinstance(body, dict):
        body.pop("_noBody", None)
        if creds.app_id != settings.appId:
            _envelope(body, creds, settings)
    return creds


def _basic_auth(header: str, creds: Credentials, settings: Settings) -> None:
    if not header.lower().startswith("basic "):
        return
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return
    app_id, _, secret = decoded.partition(":")
    if app_id != settings.appId:
        return
    creds.app_id = app_id
    if secret.startswith("javascript-key="):
        creds.client_keys["javascriptKey"] = secret[len("javascript-key="):]
    elif secret:
        creds.master_key = secret


def _envelope(body: dict[str, Any], creds: Credentials, settings: Settings) -> None:
    """The JS SDK's text/plain envelope; read only when the headers carry no valid app id."""
    body.pop("_RevocableSession", None)
    app_id = body.get("_ApplicationId")
    if app_id != settings.appId:
        raise Unauthorized()
    if creds.master_key is not None and creds.master_key != settings.masterKey:
        raise Unauthorized()
    creds.app_id = body.pop("_ApplicationId")
    js_key = body.pop("_JavaScriptKey", None)
    if js_key is not None:
        creds.client_keys["javascriptKey"] = js_key
    body.pop("_ClientVersion", None)
    for envelope_key, attr in (("_InstallationId", "installation_id"), ("_SessionToken", "session_token"),
                               ("_MasterKey", "master_key")):
        if envelope_key in body:
            value = body.pop(envelope_key)
            if not isinstance(value, str):
                raise Unauthorized()
            setattr(creds, attr, value)
    if "_context" in body:
        creds.context = _context(body.pop("_context"))
    body.pop("_ContentType", None)


# Parse's checkIp reads these as "every address of this family", not as the one address.
WHOLE_FAMILY = {"::": "::/0", "::0": "::/0", "0.0.0.0": "0.0.0.0/0"}


@functools.lru_cache(maxsize=64)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in allowed:
        entry = WHOLE_FAMILY.get(entry, entry)
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return tuple(networks)


@functools.lru_cache(maxsize=1024)
def _ip_allowed(ip: str, allowed: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(allowed))


def ip_allowed(ip: str, allowed: list[str]) -> bool:
    return _ip_allowed(ip, tuple(allowed))


async def authenticate(state: Any, creds: Credentials, ip: str, path: str) -> Auth:
    settings: Settings = state.settings
    if creds.app_id != settings.appId:
        raise Unauthorized()
    auth = Auth(installation_id=creds.installation_id)
    if settings.maintenanceKey and creds.maintenance_key and \
            hmac.compare_digest(creds.maintenance_key.encode(), settings.maintenanceKey.encode()):
        # Parse 9 checks the maintenance key first: master power over objects, from maintenanceKeyIps only
        if not ip_allowed(ip, settings.maintenanceKeyIps):
            raise Unauthorized()
        auth.is_master = auth.is_maintenance = True
        auth.installation_id = auth.installation_id or "cloud"
    elif creds.master_key is not None and creds.master_key != "":
        if creds.master_key == settings.masterKey:
            if not ip_allowed(ip, settings.masterKeyIps):
                raise Unauthorized()
            auth.is_master = True
        elif settings.readOnlyMasterKey and creds.master_key == settings.readOnlyMasterKey:
            if not ip_allowed(ip, settings.readOnlyMasterKeyIps):
                raise Unauthorized()
            auth.is_read_only = True
        # parse-compat: a master key that matches nothing is ignored (the caller is an ordinary
        # client), as Parse Server does; it never grants anything.
        if auth.has_master_power and auth.installation_id is None:
            auth.installation_id = "cloud"
    configured = settings.client_keys
    if not auth.has_master_power and configured:
        if not any(creds.client_keys.get(kind) == value for kind, value in configured.items()):
            raise Unauthorized()
    if creds.session_token and path.rstrip("/") != "/login":
        sessions = state.services.sessions
        if sessions is not None:
            user, token = await sessions.user_for_token(creds.session_token)
            auth.user = user
            auth.session_token = token
    return auth
