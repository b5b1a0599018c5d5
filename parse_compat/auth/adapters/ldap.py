"""LDAP, Parse's `ldap` adapter: the user proves who they are by binding to the directory with
their own password; optionally they must also be in a group.

authData: `{"id": <uid>, "password": <their directory password>}`; the password is used for the
bind and never stored (only the rest of authData is). Options, Parse's names:

- `url`: `ldap://host:port` or `ldaps://host:port` (then `tlsOptions` is required, as in Parse);
- `suffix`: the base DN; the user binds as `uid=<id>,<suffix>` unless `dn` is given;
- `dn`: the bind DN with `{{id}}` where the id goes (e.g. `uid={{id}},ou=users,o=example`);
- `groupCn` + `groupFilter`: after the bind, a subtree search under `suffix` with `groupFilter`
  (`{{id}}` replaced) must find an entry whose `cn` holds `groupCn`;
- `tlsOptions`: for `ldaps://`, Node's names: `ca` (PEM text or a list of them) and
  `rejectUnauthorized` (default true; the certificate must also name the url's host); any other
  Node TLS option (`cert`, `key`, `servername`…) stops the boot rather than being ignored;
- `timeout`: seconds for connecting and for each answer (default 5, at most 60).

Answers as Parse 9: a refused bind is 101 `LDAP: Wrong username or password`, a certificate the
client does not trust 101 `LDAPS: Certificate mismatch`, a failed group search 1 `LDAP group search
failed`, no group 1 `LDAP: User not in group`. The id is escaped in the DN (RFC 4514) and in the
filter (RFC 4515), as Parse 9 does since its LDAP-injection fix.

The directory is spoken to with `ldap3` (pure Python, synchronous), in a worker thread per login;
it is imported only when the `ldap` provider is configured (it costs ~0.1 s at start).
"""

from __future__ import annotations

import asyncio
import math
import ssl
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL_SERVER_ERROR, OBJECT_NOT_FOUND, ParseError
from .base import AuthAdapter, AuthFailure

if TYPE_CHECKING:
    import ldap3

DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 60.0
MAX_GROUP_ENTRIES = 1000
INVALID_CREDENTIALS = 49
TLS_OPTIONS = frozenset({"ca", "rejectUnauthorized"})
WRONG = "LDAP: Wrong username or password"


def _failed(code: Any) -> ParseError:
    # parse-compat: Parse's message, spelling included
    return ParseError(OBJECT_NOT_FOUND, f"LDAP: Somthing went wrong ({code})")


def _tls(options: dict[str, Any]) -> ldap3.Tls:
    import ldap3

    tls_options = options.get("tlsOptions")
    if not isinstance(tls_options, dict):
        raise AuthFailure("auth.ldap: an ldaps:// url needs tlsOptions")
    unknown = sorted(set(tls_options) - TLS_OPTIONS)
    if unknown:
        raise AuthFailure(f"auth.ldap.tlsOptions: {', '.join(unknown)} not supported (ca and rejectUnauthorized "
                          "are)")
    ca = tls_options.get("ca")
    if isinstance(ca, list) and all(isinstance(item, str) for item in ca):
        ca = "\n".join(ca)
    if ca is not None and not isinstance(ca, str):
        raise AuthFailure("auth.ldap.tlsOptions.ca must be PEM text or a list of them")
    verify = tls_options.get("rejectUnauthorized") is not False
    return ldap3.Tls(validate=ssl.CERT_REQUIRED if verify else ssl.CERT_NONE, ca_certs_data=ca or None)


class LdapAdapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        import ldap3

        # parse-compat: Parse answers every login with 1 "LDAP auth configuration missing" when these are
        # wrong; here the server does not start
        url, suffix = options.get("url"), options.get("suffix")
        if not isinstance(suffix, str) or not isinstance(url, str) or not url.startswith(("ldap://", "ldaps://")):
            raise AuthFailure("auth.ldap needs url (ldap:// or ldaps://) and suffix")
        for key in ("dn", "groupCn", "groupFilter"):
            if options.get(key) is not None and not isinstance(options[key], str):
                raise AuthFailure(f"auth.ldap.{key} must be a string")
        if isinstance(options.get("dn"), str) and "{{id}}" not in options["dn"]:
            raise AuthFailure("auth.ldap.dn must hold {{id}}")
        self.tls = _tls(options) if url.startswith("ldaps://") else None
        timeout = options.get("timeout")
        self.timeout = float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) \
            and 0 < timeout <= MAX_TIMEOUT else DEFAULT_TIMEOUT
        self.server = ldap3.Server(url, use_ssl=self.tls is not None, tls=self.tls, get_info=ldap3.NONE,
                                   connect_timeout=self.timeout)

    def bind_dn(self, user_id: str) -> str:
        from ldap3.utils.dn import escape_rdn

        template = self.options.get("dn")
        if isinstance(template, str):
            # parse-compat: every {{id}} is replaced (Parse: the first)
            return template.replace("{{id}}", escape_rdn(user_id))
        return f"uid={escape_rdn(user_id)},{self.options['suffix']}"

    def _check(self, user_id: str, password: str) -> None:
        """Bind as the user, then look for the group (runs in a worker thread)."""
        import ldap3
        from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError

        connection = ldap3.Connection(self.server, user=self.bind_dn(user_id), password=password,
                                      receive_timeout=math.ceil(self.timeout), raise_exceptions=False)
        try:
            try:
                bound = connection.bind()
            except LDAPSocketOpenError as exc:
                if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "certificate" in str(exc).lower():
                    raise ParseError(OBJECT_NOT_FOUND, "LDAPS: Certificate mismatch") from exc
                raise _failed(type(exc).__name__) from exc
            except LDAPException as exc:
                raise _failed(type(exc).__name__) from exc
            if not bound:
                code = connection.result.get("result") if isinstance(connection.result, dict) else None
                if code == INVALID_CREDENTIALS:
                    raise ParseError(OBJECT_NOT_FOUND, WRONG)
                raise _failed(code)
            group_cn, group_filter = self.options.get("groupCn"), self.options.get("groupFilter")
            if isinstance(group_cn, str) and isinstance(group_filter, str):
                self._find_group(connection, user_id, group_cn, group_filter)
        finally:
            try:
                connection.unbind()
            except LDAPException:
                pass

    def _find_group(self, connection: ldap3.Connection, user_id: str, group_cn: str, group_filter: str) -> None:
        import ldap3
        from ldap3.core.exceptions import LDAPException
        from ldap3.utils.conv import escape_filter_chars

        search_filter = group_filter.replace("{{id}}", escape_filter_chars(user_id))
        try:
            connection.search(self.options["suffix"], search_filter, search_scope=ldap3.SUBTREE, attributes=["cn"],
                              size_limit=MAX_GROUP_ENTRIES, time_limit=math.ceil(self.timeout))
        except LDAPException as exc:
            raise ParseError(INTERNAL_SERVER_ERROR, "LDAP group search failed") from exc
        code = connection.result.get("result") if isinstance(connection.result, dict) else None
        if code not in (0, 4):  # success, or size limit reached with entries to look at
            raise ParseError(INTERNAL_SERVER_ERROR, "LDAP group search failed")
        for entry in connection.response or []:
            if entry.get("type") != "searchResEntry":
                continue
            names = entry.get("attributes", {}).get("cn", [])
            if group_cn in (names if isinstance(names, list) else [names]):
                return
        raise ParseError(INTERNAL_SERVER_ERROR, "LDAP: User not in group")

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any],
                                 request: Any) -> dict[str, Any]:
        password = auth_data.pop("password", None)
        user_id = auth_data.get("id")
        # parse-compat: Parse binds even without a password, which a directory takes as an
        # unauthenticated bind (RFC 4513) and accepts; here that is a wrong password
        if not isinstance(user_id, str) or not user_id or not isinstance(password, str) or not password:
            raise ParseError(OBJECT_NOT_FOUND, WRONG)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._check, user_id, password), self.timeout * 3)
        except TimeoutError as exc:
            raise _failed("ETIMEDOUT") from exc
        return {"save": dict(auth_data)}
