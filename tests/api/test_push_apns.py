"""The APNs push adapter (HTTP/2, token authentication) against a local fake of Apple's server
(TLS with ALPN h2, a throwaway CA) (issue 14): Parse's `push.ios.token` option, an ES256 provider
token the fake verifies with the key's public half, the aps payload and headers, Apple's refusal
reasons counted as failures, and Android handled by FCM in the same push."""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import h2.config
import h2.connection
import h2.events
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from .conftest import Client

pytestmark = pytest.mark.asyncio
SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tls_files(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class FakeApple:
    """An HTTP/2 server answering `POST /3/device/<token>` as APNs does."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.port = 0

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        header, claims, signature = headers["authorization"].removeprefix("bearer ").split(".")
        raw = _unb64(signature)
        SIGNING_KEY.public_key().verify(
            encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
            f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        assert json.loads(_unb64(header)) == {"alg": "ES256", "kid": "KEY123"}
        assert json.loads(_unb64(claims))["iss"] == "TEAM456"
        token = headers[":path"].removeprefix("/3/device/")
        self.requests.append({"token": token, "headers": headers, "payload": json.loads(body)})
        if token == "bad":
            return 400, b'{"reason":"BadDeviceToken"}'
        return 200, b""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False,
                                                                           header_encoding="utf-8"))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        pending: dict[int, tuple[dict[str, str], bytearray]] = {}
        while data := await reader.read(65536):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    pending[event.stream_id] = (dict(event.headers or []), bytearray())
                elif isinstance(event, h2.events.DataReceived):
                    pending[event.stream_id][1].extend(event.data or b"")
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    headers, body = pending.pop(event.stream_id)
                    status, answer = self._answer(headers, bytes(body))
                    conn.send_headers(event.stream_id, [(":status", str(status))], end_stream=not answer)
                    if answer:
                        conn.send_data(event.stream_id, answer, end_stream=True)
            writer.write(conn.data_to_send())
        writer.close()


@pytest.fixture
async def apple(tmp_path: Path) -> AsyncIterator[tuple[FakeApple, Path]]:
    cert_file, key_file = _tls_files(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["h2"])
    fake = FakeApple()
    server = await asyncio.start_server(fake.serve, "127.0.0.1", 0, ssl=context)
    fake.port = server.sockets[0].getsockname()[1]
    yield fake, cert_file
    server.close()
    await server.wait_closed()


@pytest.fixture
def settings_overrides(apple: tuple[FakeApple, Path], tmp_path: Path) -> dict[str, Any]:
    fake, ca = apple
    p8 = tmp_path / "AuthKey_KEY123.p8"
    p8.write_bytes(SIGNING_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    return {"schema": None, "push": {"ios": {
        "token": {"key": str(p8), "keyId": "KEY123", "teamId": "TEAM456"}, "topic": "com.example.app",
        "apnsEndpoint": f"https://127.0.0.1:{fake.port}", "apnsCaFile": str(ca)}}}


async def test_ios_pushes_go_to_apns_over_http2(api: Client, apple: tuple[FakeApple, Path]) -> None:
    fake, _ = apple
    for number, (kind, token) in enumerate((("ios", "a1b2"), ("ios", "bad"), ("android", "droid"))):
        reply = await api.post("/installations", {"installationId": f"00000000-0000-0000-0000-00000000000{number}",
                                                  "deviceType": kind, "deviceToken": token}, master=True)
        assert reply.status == 201, reply.body
    reply = await api.post("/push", {"where": {}, "expiration_time": 1900000000,
                                     "data": {"alert": "Hello", "title": "Greeting", "badge": 2, "ref": "x7"}},
                           master=True)
    status_id = reply.headers["X-Parse-Push-Status-Id"]
    assert api.state is not None
    await api.state.services.push.wait_idle()
    status = (await api.get(f"/classes/_PushStatus/{status_id}", master=True)).body
    assert status["status"] == "succeeded" and status["numSent"] == 1 and status["numFailed"] == 2
    assert status["sentPerType"] == {"ios": 1} and status["failedPerType"] == {"ios": 1, "android": 1}
    good = next(r for r in fake.requests if r["token"] == "a1b2")
    assert good["payload"] == {"aps": {"alert": {"body": "Hello", "title": "Greeting"}, "badge": 2}, "ref": "x7"}
    assert good["headers"]["apns-topic"] == "com.example.app" and good["headers"]["apns-push-type"] == "alert"
    assert good["headers"]["apns-priority"] == "10" and good["headers"]["apns-expiration"] == "1900000000"
    assert {r["token"] for r in fake.requests} == {"a1b2", "bad"}  # no APNs call for the Android device
