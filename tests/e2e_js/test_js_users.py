"""End-to-end security model through the official JS SDK (issue 3): signUp/logIn/current/become/
logOut, a private Patient invisible to another user and readable by a nested-role member, and a
revoked session failing with 209 — on SQLite and on the Mongo adapter."""

from __future__ import annotations

from .test_js_sdk import ServerHandle, run_scenario, server  # noqa: F401  (module-scoped server fixture)


def test_users_sessions_roles_and_acls(server: ServerHandle) -> None:  # noqa: F811
    result = run_scenario(server, "users_acl", master_key=True)
    assert result["login"] == {"token": "r:"}
    assert result["otherUser"] == {"get": 101, "update": 101}
    assert result["roleMember"] == {"read": True, "write": 101}
    assert result["become"] == {"stale": 209}
    assert result["revoked"] == {"code": 209}
