"""`fileDownload`: which kinds of caller may download files (public, anonymous user, signed-up
user); the master key always may. Parse's messages, 119, and nothing is served to a refused caller."""

from __future__ import annotations

import uuid

import pytest

from parse_compat.settings import Settings

from .conftest import APP_ID, Client

pytestmark = pytest.mark.asyncio


async def _callers(api: Client) -> tuple[str, str, str]:
    """A stored file's download path, a signed-up user's and an anonymous user's session tokens."""
    upload = await api.request("POST", "/files/note.txt", raw=b"chart notes", master=True,
                               headers={"Content-Type": "text/plain"})
    assert upload.status == 201, upload.body
    user = await api.post("/users", {"username": "ann", "password": "pw-ann-1"})
    anonymous = await api.post("/users", {"authData": {"anonymous": {"id": str(uuid.uuid4())}}})
    assert user.status == 201 and anonymous.status == 201, (user.body, anonymous.body)
    return f"/files/{APP_ID}/{upload.body['name']}", user.body["sessionToken"], anonymous.body["sessionToken"]


@pytest.mark.settings(schema=None, fileDownload={"enableForPublic": False, "enableForAnonymousUser": False})
async def test_public_and_anonymous_downloads_refused_users_and_master_served(api: Client) -> None:
    path, user, anonymous = await _callers(api)
    public = await api.get(path, app_id=None)
    assert public.status == 400 and public.body == {"code": 119, "error": "File download by public is disabled."}
    anon = await api.get(path, session_token=anonymous)
    assert anon.status == 400
    assert anon.body == {"code": 119, "error": "File download by anonymous user is disabled."}
    served = await api.get(path, session_token=user)
    assert served.status == 200 and served.body == "chart notes"
    assert (await api.get(path, master=True, app_id=None)).body == "chart notes"


@pytest.mark.settings(schema=None, fileDownload={"enableForAuthenticatedUser": False})
async def test_authenticated_downloads_refused_others_keep_parse_defaults(api: Client) -> None:
    path, user, anonymous = await _callers(api)
    refused = await api.get(path, session_token=user)
    assert refused.body == {"code": 119, "error": "File download by authenticated user is disabled."}
    assert (await api.get(path, session_token=anonymous)).body == "chart notes"
    assert (await api.get(path, app_id=None)).body == "chart notes"


@pytest.mark.parametrize(("value", "message"), [
    ([True], "option fileDownload must be an object"),
    ({"enableForPublic": "no"}, "option fileDownload.enableForPublic must be true or false"),
    ({"enableForEveryone": True}, "option fileDownload: unknown key"),
])
async def test_bad_values_are_one_line_boot_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", fileDownload=value)  # type: ignore[arg-type]
