"""CPU time of the audit trail's writer alone, per entry, by batch size (a script, not a test).

An app on a fresh SQLite file in this process (the dental schema: TreatmentPlan is audited);
`--entries` entries are recorded as by the master key, `batch` at a time, each batch awaited with
one `barrier()` per entry as the HTTP edge does, so each batch is one group-commit flush. Prints
the thread CPU time per entry (recording, waiting, hashing, the multi-row insert and its commit)
for a get entry and for a find entry naming 20 ids. Thread CPU time is steadier than wall time on
a shared machine, but still rises with the neighbours' load.

Example: .venv/bin/python bench/audit_flush.py --entries 4000
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.auth.identity import Auth
from parse_compat.rest.context import RequestContext
from parse_compat.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 4, 16, 64)


async def main_async(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="parse-compat-audit-flush-"))
    settings = Settings(appId="bench", masterKey="bench-master", databaseURI=f"sqlite:///{data / 'p.db'}",
                        schema=str(ROOT / "schema.json"), cloud=None, dataDir=str(data))
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        state = server.app[STATE_KEY]
        log = state.services.audit
        ctx = RequestContext(state, Auth(is_master=True), "127.0.0.1")
        kinds = (("get", ["abcdefghij"], False), ("find20", [f"{n:010d}" for n in range(20)], True))
        print(f"{'entry':<8}{'batch':>6}{'CPU µs per entry':>20}   (median of {args.repeat})")
        for action, ids, query in kinds:
            for batch in BATCHES:
                samples = []
                for _ in range(args.repeat):
                    done, started = 0, time.thread_time()
                    while done < args.entries:
                        for _ in range(batch):
                            log.record(ctx, action, "TreatmentPlan", ids, query=query)
                        await asyncio.gather(*(log.barrier() for _ in range(batch)))
                        done += batch
                    samples.append((time.thread_time() - started) / done * 1e6)
                print(f"{action:<8}{batch:>6}{statistics.median(samples):>20.1f}", flush=True)
    finally:
        await server.close()
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per batch size")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
