"""Parse's `security` option: a report of weak settings, logged at boot and served at GET /security.

`{"enableCheck": false, "enableCheckLog": false, "checkGroups": [...]}` (Parse's defaults). With
`enableCheck` and `enableCheckLog` the report is logged once the app has booted (info when all pass,
warn otherwise); with `enableCheck` the master key may GET /security for it, in Parse's shape:
`{"report": {"version": "1.0.0", "state": "success"|"fail", "groups": [{"name", "state",
"checks": [{"title", "state", "warning"?, "solution"?}]}]}}`. Without `enableCheck` the route
answers 409 with Parse's message.

The checks are Parse's where they mean something here (its titles and pass rules), plus a few of
this server's own (master key IPs, serverURL over HTTPS, public signup with the health template, the
SQLite file's permissions). parse-compat: `checkGroups` names the groups to run ("Parse Server
Configuration", "Database"); Parse takes JavaScript classes there.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger("parse_compat")
CONFIG_GROUP = "Parse Server Configuration"
DATABASE_GROUP = "Database"
GROUP_NAMES = (CONFIG_GROUP, DATABASE_GROUP)
OPTION_KEYS = ("enableCheck", "enableCheckLog", "checkGroups")
DISABLED_MESSAGE = "Enable Parse Server option `security.enableCheck` to run security check."
EVERYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


@dataclass(frozen=True)
class Check:
    """One check: Parse's title, warning and solution, and whether the settings pass it."""

    title: str
    warning: str
    solution: str
    passes: Callable[[Any], bool]


def check_security_option(option: Any) -> None:
    """Boot check of `security`, Parse's messages: an object of two booleans and a list of groups."""
    if option is None:
        return
    if not isinstance(option, dict):
        raise ValueError("Parse Server option security must be an object.")
    for key, value in option.items():
        if key not in OPTION_KEYS:
            raise ValueError(f"Parse Server option security has no key {str(key)[:40]!r}")
        if key != "checkGroups" and not isinstance(value, bool):
            raise ValueError(f"Parse Server option security.{key} must be a boolean.")
    groups = option.get("checkGroups")
    if groups is not None and (not isinstance(groups, list) or any(name not in GROUP_NAMES for name in groups)):
        raise ValueError(f"Parse Server option security.checkGroups must be a list of {' or '.join(GROUP_NAMES)}")


def strong_secret(secret: str | None) -> bool:
    """Parse's rule for master keys and database passwords: 14+ characters, 3 of upper, lower, digit, other."""
    if not secret or len(secret) < 14:
        return False
    kinds = (r"[A-Z]", r"[a-z]", r"\d", r"\W")
    return sum(1 for pattern in kinds if re.search(pattern, secret)) >= 3


def _open_to_all(entries: list[str] | None) -> bool:
    for entry in entries or []:
        try:
            if ipaddress.ip_network(entry, strict=False) in EVERYWHERE:
                return True
        except ValueError:
            continue
    return False


def _https_or_loopback(url: str | None) -> bool:
    parts = urlsplit(url or "")
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _complexity_on(settings: Any) -> bool:
    from .rest.complexity import LIMIT_KEYS, resolve

    limits = resolve(settings)
    return all(limits[key] != -1 for key in LIMIT_KEYS)


def _database_password_strong(settings: Any) -> bool:
    uri = settings.databaseURI or ""
    if uri.startswith("sqlite:"):
        return True  # no password: the file's permissions are checked instead
    password = urlsplit(uri).password
    return strong_secret(unquote(password) if password else None)  # Parse: no password fails too


def _database_file_private(settings: Any) -> bool:
    uri = settings.databaseURI or ""
    if not uri.startswith("sqlite:///"):
        return True
    try:
        mode = os.stat(uri[len("sqlite:///"):]).st_mode
    except OSError:
        return True  # not created yet (nothing to read)
    return mode & 0o077 == 0


CONFIG_CHECKS = (
    Check("Secure master key", "The Parse Server master key is insecure and vulnerable to brute force attacks.",
          "Choose a longer and/or more complex master key with a combination of upper- and lowercase characters, "
          "numbers and special characters.", lambda s: strong_secret(s.masterKey)),
    Check("Security log disabled", "Security checks in logs may expose vulnerabilities to anyone with access to logs.",
          "Change Parse Server configuration to 'security.enableCheckLog: false'.",
          lambda s: not (s.security or {}).get("enableCheckLog", False)),
    Check("Client class creation disabled",
          "Attackers are allowed to create new classes without restriction and flood the database.",
          "Change Parse Server configuration to 'allowClientClassCreation: false'.",
          lambda s: not s.allowClientClassCreation),
    Check("Users are created without public access",
          "Users with public read access are exposed to anyone who knows their object IDs, or to anyone who can "
          "query the Parse.User class.", "Change Parse Server configuration to 'enforcePrivateUsers: true'.",
          lambda s: s.enforcePrivateUsers),
    Check("Insecure auth adapters disabled",
          "Attackers may explore insecure auth adapters' vulnerabilities and log in on behalf of another user.",
          "Change Parse Server configuration to 'enableInsecureAuthAdapters: false'.",
          lambda s: not s.enableInsecureAuthAdapters),
    Check("GraphQL public introspection disabled",
          "GraphQL public introspection is enabled, which allows anyone to access the GraphQL schema.",
          "Change Parse Server configuration to 'graphQLPublicIntrospection: false'. You will need to use master "
          "key or maintenance key to access the GraphQL schema.",
          lambda s: not (s.mountGraphQL and s.graphQLPublicIntrospection)),
    Check("Master key IP range restricted",
          "The master key can be used from any IP address, which increases the attack surface if the key is "
          "compromised.", "Change Parse Server configuration to 'masterKeyIps: [\"127.0.0.1\", \"::1\"]' or to "
          "the addresses of your administration hosts.", lambda s: not _open_to_all(s.masterKeyIps)),
    Check("Read-only master key IP range restricted",
          "The read-only master key can be used from any IP address, which increases the attack surface if the "
          "key is compromised.", "Change Parse Server configuration to 'readOnlyMasterKeyIps: [\"127.0.0.1\", "
          "\"::1\"]' to restrict access to localhost, or set it to a list of specific IP addresses.",
          lambda s: not (s.readOnlyMasterKey and _open_to_all(s.readOnlyMasterKeyIps))),
    Check("Request complexity limits enabled",
          "One or more request complexity limits are disabled, which may allow denial-of-service attacks through "
          "deeply nested or excessively broad queries.",
          "Ensure all properties in 'requestComplexity' are set to positive integers. Set to '-1' only if you "
          "have other mitigations in place.", _complexity_on),
    Check("Password reset endpoint user enumeration mitigated",
          "The password reset endpoint returns distinct error responses for invalid email addresses, which allows "
          "attackers to enumerate registered users.",
          "Change Parse Server configuration to 'resetPasswordSuccessOnInvalidEmail: true'.",
          lambda s: s.resetPasswordSuccessOnInvalidEmail),
    Check("Email verification endpoint user enumeration mitigated",
          "The email verification endpoint returns distinct error responses for invalid email addresses, which "
          "allows attackers to enumerate registered users.",
          "Change Parse Server configuration to 'emailVerifySuccessOnInvalidEmail: true'.",
          lambda s: s.emailVerifySuccessOnInvalidEmail),
    Check("Server URL uses HTTPS",
          "serverURL is plain http on a non-loopback host: session tokens and keys cross the network unencrypted.",
          "Serve the API over HTTPS (a TLS reverse proxy) and set 'serverURL' and 'publicServerURL' to the https "
          "URL.", lambda s: _https_or_loopback(s.serverURL) and _https_or_loopback(s.publicServerURL)),
    Check("Public signup disabled for the practice template",
          "Anyone can create an account in the health-records template, which is meant for staff invited by an "
          "administrator.", "Change the configuration to 'allowPublicSignup: false' (the template's default).",
          lambda s: not s.schema or s.allowPublicSignup is False),
)
DATABASE_CHECKS = (
    Check("Secure database password", "The database password is insecure and vulnerable to brute force attacks.",
          "Choose a longer and/or more complex password with a combination of upper- and lowercase characters, "
          "numbers and special characters.", _database_password_strong),
    Check("Database file readable only by its owner",
          "The SQLite database file can be read by other users of this machine.",
          "Run 'chmod 600' on the database file (and 700 on the data directory).", _database_file_private),
)
GROUPS = {CONFIG_GROUP: CONFIG_CHECKS, DATABASE_GROUP: DATABASE_CHECKS}


def security_report(settings: Any) -> dict[str, Any]:
    """Parse's report shape (CheckRunner, version 1.0.0)."""
    option = settings.security or {}
    report: dict[str, Any] = {"version": "1.0.0", "state": "success", "groups": []}
    for name in option.get("checkGroups") or GROUP_NAMES:
        group: dict[str, Any] = {"name": name, "state": "success", "checks": []}
        for check in GROUPS[name]:
            try:
                passed = bool(check.passes(settings))
            except Exception:  # noqa: BLE001 - a check that cannot run fails, as in Parse
                passed = False
            entry: dict[str, Any] = {"title": check.title, "state": "success" if passed else "fail"}
            if not passed:
                entry.update(warning=check.warning, solution=check.solution)
                group["state"] = report["state"] = "fail"
            group["checks"].append(entry)
        report["groups"].append(group)
    return {"report": report}


def report_text(report: dict[str, Any]) -> str:
    """The log form: a count, then each check with ✅ or ❌ and, when failed, its warning and solution."""
    groups = report["report"]["groups"]
    checks = [check for group in groups for check in group["checks"]]
    failed = sum(1 for check in checks if check["state"] == "fail")
    lines = ["Parse Server Security Check",
             f"{'Warning: ' if failed else ''}{failed} weak security setting(s) found{'!' if failed else ''}",
             f"{len(checks)} check(s) executed"]
    for group in groups:
        lines.append(f"- {group['name']}")
        for check in group["checks"]:
            lines.append(f"   {'✅' if check['state'] == 'success' else '❌'} {check['title']}")
            if check["state"] == "fail":
                lines.append(f"      Warning: {check['warning']} {check['solution']}")
    return "\n".join(lines)


def log_security_report(settings: Any) -> None:
    """At boot, with `enableCheck` and `enableCheckLog`: info when everything passes, warn otherwise."""
    option = settings.security or {}
    if not (option.get("enableCheck") and option.get("enableCheckLog")):
        return
    report = security_report(settings)
    level = logging.INFO if report["report"]["state"] == "success" else logging.WARNING
    log.log(level, "%s", report_text(report))
