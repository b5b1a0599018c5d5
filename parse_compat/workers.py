"""``parse-compat --workers N``: N server processes accepting on one port (``SO_REUSEPORT``).

The kernel spreads incoming connections over the workers. Each worker is a full app (own
storage connection, caches, Live Query hub); they share the database, and Live Query needs
``--liveQuery '{"redisURL": ...}'`` so that a write served by one worker reaches subscribers
connected to another (without it a warning is printed and events stay within each worker).

Workers boot one after the other (the next starts when the previous one has finished loading
its schema), so two processes never create the template's classes at the same time. When one
worker exits, the others are stopped and the command exits with its code. SIGTERM / SIGINT
reach each worker once (``serving`` stops it gracefully; a second signal used to make aiohttp
exit with status 1 half-way through its clean-up). Linux only (fork).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.synchronize import Event
from types import FrameType

from .settings import Settings

BOOT_TIMEOUT = 120.0
BOOT_FAILED = 2


def _serve(settings: Settings, ready: Event) -> None:
    # The fork inherited the parent's relay handlers; until ``serving`` installs its own, a
    # signal must simply end this worker, not relay to its siblings.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    from .serving import BootError, serve

    try:
        code = serve(settings, reuse_port=True, on_ready=ready.set)
    except BootError as exc:
        print(f"parse-compat: cannot start: {exc}", file=sys.stderr, flush=True)
        code = BOOT_FAILED
    sys.exit(code)


def run_workers(settings: Settings, count: int) -> None:
    from .app import banner

    if count < 1:
        sys.exit("parse-compat: --workers must be at least 1")
    if not (settings.liveQuery or {}).get("redisURL"):
        print("parse-compat: warning: several workers without liveQuery.redisURL — Live Query events only reach "
              "subscribers connected to the worker that served the write", file=sys.stderr, flush=True)
    context = multiprocessing.get_context("fork")
    workers: list[multiprocessing.process.BaseProcess] = []

    signalled: set[int] = set()

    def stop(signum: int, frame: FrameType | None) -> None:
        # Each worker is told once: it stops gracefully on the first SIGTERM and ignores more.
        for worker in workers:
            if worker.is_alive() and worker.pid is not None and worker.pid not in signalled:
                signalled.add(worker.pid)
                os.kill(worker.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(count):
        ready = context.Event()
        started = context.Process(target=_serve, args=(settings, ready), name=f"parse-compat-worker-{index}")
        started.start()
        workers.append(started)
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not ready.wait(0.2):
            if time.monotonic() > deadline or not all(w.is_alive() for w in workers):
                stop(signal.SIGTERM, None)
                if started.exitcode == BOOT_FAILED:  # it printed its one-line reason
                    sys.exit(BOOT_FAILED)
                sys.exit(f"parse-compat: worker {index} did not start")
    print(banner(settings) + f"  workers:   {count} (pids {', '.join(str(w.pid) for w in workers)})\n", flush=True)
    wait([worker.sentinel for worker in workers])
    stop(signal.SIGTERM, None)
    for worker in workers:
        worker.join()
    codes = [worker.exitcode or 0 for worker in workers]
    sys.exit(next((code for code in codes if code), 0))
