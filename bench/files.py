"""Memory benchmark for the Files API: a large upload and download while watching the server's RSS.

Starts `python -m parse_compat` on a fresh SQLite data directory (files in `<dataDir>/files`,
loopback, free port, `--maxUploadSize` raised to fit), warms it up with a small upload and
download, records its resident set (VmRSS from /proc), then for each mode uploads `--size-mb`
MB generated on the fly (never held by this script either) and downloads it back, checking the
SHA-256 of what comes back. The server's peak resident set (VmHWM) minus the warm baseline is
the growth reported; the issue asks for < 50 MB at 200 MB.

Modes (`--modes`, comma separated):
  raw        POST /files/<name> with the raw body (X-Parse-Application-Id + master key headers)
  stream     the same with `X-Parse-Upload-Mode: stream` (the JS SDK's saveBinary path)
  envelope   the JS SDK's text/plain JSON envelope {"base64": ..., "_ApplicationId": ...}
  encrypted  raw upload to a server started with --fileKey (AES-GCM at rest)

Example: .venv/bin/python bench/files.py --size-mb 200 --modes raw,stream,envelope,encrypted
Linux only (reads /proc/<pid>/status).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "bench-files"
MASTER_KEY = "bench-files-master"
PIECE = 1024 * 1024


def rss_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, size_mb: int, file_key: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/parse"
    cmd = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
           "--host", "127.0.0.1", "--serverURL", url, "--dataDir", str(workdir), "--cloud", "",
           "--maxUploadSize", f"{size_mb * 2 + 16}mb", "--logLevel", "warn"]
    if file_key:
        cmd += ["--fileKey", file_key]
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {(workdir / 'server.log').read_text()[-2000:]}")


def pattern(size: int, digest: hashlib._Hash) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        block = os.urandom(PIECE)
        sent = 0
        while sent < size:
            piece = block[: min(PIECE, size - sent)]
            digest.update(piece)
            sent += len(piece)
            yield piece
    return gen()


def envelope(size: int, digest: hashlib._Hash) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        yield b'{"base64":"'
        block = os.urandom(3 * PIECE // 4 // 3 * 3)
        encoded = base64.b64encode(block)
        sent = 0
        while sent < size:
            take = min(len(block), size - sent)  # only the last piece is short (and padded)
            digest.update(block[:take])
            yield encoded if take == len(block) else base64.b64encode(block[:take])
            sent += take
        yield json.dumps({"_ApplicationId": APP_ID, "_MasterKey": MASTER_KEY,
                          "_ContentType": "application/octet-stream"}).replace("{", '",', 1).encode()
    return gen()


async def one_mode(mode: str, size: int, workdir: Path) -> dict[str, object]:
    proc, url = start_server(workdir, size // (1024 * 1024), "bench-key" if mode == "encrypted" else None)
    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY,
               "Content-Type": "application/octet-stream"}
    timeout = aiohttp.ClientTimeout(total=None)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(f"{url}/files/warm.bin", data=b"x" * 100_000, headers=headers) as resp:
                warm = await resp.json()
            async with session.get(warm["url"]) as resp:
                await resp.read()
            await asyncio.sleep(0.5)
            baseline = rss_kib(proc.pid)
            sent = hashlib.sha256()
            started = time.monotonic()
            if mode == "envelope":
                upload_headers = {"Content-Type": "text/plain"}
                body = envelope(size, sent)
            else:
                upload_headers = dict(headers, **({"X-Parse-Upload-Mode": "stream"} if mode == "stream" else {}))
                body = pattern(size, sent)
            async with session.post(f"{url}/files/big.bin", data=body, headers=upload_headers) as resp:
                result = await resp.json()
                assert resp.status == 201, result
            upload_s = time.monotonic() - started
            after_upload = rss_kib(proc.pid)
            got = hashlib.sha256()
            received = 0
            started = time.monotonic()
            async with session.get(result["url"]) as resp:
                assert resp.status == 200, await resp.text()
                async for piece in resp.content.iter_chunked(PIECE):
                    got.update(piece)
                    received += len(piece)
            download_s = time.monotonic() - started
            final = rss_kib(proc.pid)
        assert received == size and got.hexdigest() == sent.hexdigest(), "downloaded bytes differ"
        growth = (final["VmHWM"] - baseline["VmRSS"]) / 1024
        return {"mode": mode, "size_mb": size / 2**20, "baseline_rss_mb": round(baseline["VmRSS"] / 1024, 1),
                "rss_after_upload_mb": round(after_upload["VmRSS"] / 1024, 1),
                "peak_rss_mb": round(final["VmHWM"] / 1024, 1), "peak_growth_mb": round(growth, 1),
                "upload_MBps": round(size / 2**20 / upload_s, 1), "download_MBps": round(size / 2**20 / download_s, 1),
                "identical": True}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--modes", default="raw,stream,envelope,encrypted")
    parser.add_argument("--limit-mb", type=float, default=50.0, help="fail when the peak growth reaches this")
    args = parser.parse_args()
    failed = False
    for mode in args.modes.split(","):
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-files-{mode}-"))
        try:
            row = await one_mode(mode, args.size_mb * 2**20, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        row["ok"] = row["peak_growth_mb"] < args.limit_mb
        failed |= not row["ok"]
        print(json.dumps(row), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
