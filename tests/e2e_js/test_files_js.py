"""End-to-end Files API through the official JS SDK (issue 6), on SQLite (local files) and on
mongomock (GridFS): base64 and streaming uploads, an x-ray attached to an XRayLog, fetched and
downloaded byte for byte through its signed URL, and the protected-file refusals."""

from __future__ import annotations

from .test_js_sdk import ServerHandle, run_scenario, server  # noqa: F401  (module-scoped server fixture)


def test_files_upload_attach_fetch_download(server: ServerHandle) -> None:  # noqa: F811
    result = run_scenario(server, "files", master_key=True)
    assert result["upload"] == {"name": True, "signed": True}
    assert result["fetched"] == {"status": 200, "identical": True, "type": "image/png", "nosniff": "nosniff"}
    assert result["range"] == {"status": 206, "contentRange": f"bytes 65530-65545/{70 * 1024 + 8}"}
    assert result["binary"] == {"identical": True, "name": True}
    assert result["sessionDownload"] == {"status": 200, "identical": True}
    assert result["html"] == 130
    assert result["otherUser"] == {"get": 101, "download": 403}
    assert result["anonymous"] == {"unsigned": 403, "signed": 200}
    assert result["destroy"] == 404
