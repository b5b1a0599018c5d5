"""A small HTTP/2 client over asyncio (the `h2` state machine), for APNs, which speaks only HTTP/2.

One connection per client, opened on first use (TLS with ALPN `h2`, or cleartext prior knowledge
for an `http://` endpoint), requests multiplexed as streams; a reader task feeds `h2` and settles
each stream's future. Each request is bounded in time and answer size; a broken connection fails
its streams and is replaced on the next request.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h2.config
import h2.connection
import h2.events
import h2.exceptions

MAX_ANSWER = 64 * 1024


@dataclass
class _Stream:
    done: asyncio.Future[tuple[int, bytes]]
    status: int = 0
    body: bytearray = field(default_factory=bytearray)


class Http2Client:
    def __init__(self, endpoint: str, ssl_context: ssl.SSLContext | None = None, timeout: float = 10.0) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {endpoint[:80]}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc
        self.scheme = parts.scheme
        self.timeout = timeout
        self._ssl = None
        if parts.scheme == "https":
            self._ssl = ssl_context or ssl.create_default_context()
            self._ssl.set_alpn_protocols(["h2"])
        self._conn: h2.connection.H2Connection | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._streams: dict[int, _Stream] = {}
        self._lock = asyncio.Lock()

    async def _connect(self) -> None:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            self.host, self.port, ssl=self._ssl, server_hostname=self.host if self._ssl else None), self.timeout)
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding=None))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        self._conn, self._writer = conn, writer
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader, conn, writer))

    def _fail_all(self, reason: str) -> None:
        for stream in self._streams.values():
            if not stream.done.done():
                stream.done.set_exception(ConnectionError(reason))
        self._streams.clear()

    async def _read(self, reader: asyncio.StreamReader, conn: h2.connection.H2Connection,
                    writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for event in conn.receive_data(data):
                    self._on_event(conn, event)
                writer.write(conn.data_to_send())
        except (OSError, h2.exceptions.ProtocolError) as exc:
            self._fail_all(type(exc).__name__)
        finally:
            if self._conn is conn:
                self._conn = None
            self._fail_all("connection closed")
            writer.close()

    def _on_event(self, conn: h2.connection.H2Connection, event: h2.events.Event) -> None:
        stream = self._streams.get(getattr(event, "stream_id", 0) or 0)
        if isinstance(event, h2.events.ResponseReceived) and stream is not None:
            for name, value in event.headers or []:
                if name == b":status":
                    stream.status = int(value)
        elif isinstance(event, h2.events.DataReceived) and stream is not None:
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if len(stream.body) + len(event.data or b"") <= MAX_ANSWER:
                stream.body.extend(event.data or b"")
        elif isinstance(event, h2.events.StreamEnded) and stream is not None:
            self._streams.pop(event.stream_id, None)
            if not stream.done.done():
                stream.done.set_result((stream.status, bytes(stream.body)))
        elif isinstance(event, h2.events.StreamReset) and stream is not None:
            self._streams.pop(event.stream_id, None)
            if not stream.done.done():
                stream.done.set_exception(ConnectionError("stream reset"))
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._fail_all("connection terminated")

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """(status, answer) of one POST."""
        async with self._lock:
            if self._conn is None:
                await self._connect()
            conn, writer = self._conn, self._writer
            assert conn is not None and writer is not None
            stream_id = conn.get_next_available_stream_id()
            done: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
            self._streams[stream_id] = _Stream(done)
            request = [(":method", "POST"), (":scheme", self.scheme), (":authority", self.authority),
                       (":path", path), *headers.items(), ("content-length", str(len(body)))]
            conn.send_headers(stream_id, request)
            conn.send_data(stream_id, body, end_stream=True)
            writer.write(conn.data_to_send())
        try:
            return await asyncio.wait_for(done, self.timeout)
        finally:
            self._streams.pop(stream_id, None)

    async def close(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
            await asyncio.gather(self._reader_task, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
        self._conn = None
