"""Write-pipeline cost in process: CPU time per create and per update of a TreatmentPlan.

Runs an app (SQLite, the dental template's cloud code, so beforeSave runs) in this process and
calls `state.writer` directly — no HTTP, no load generator — so the figure is the server's own
work per write and stays comparable on a machine that other processes keep busy (wall-clock
throughput does not). Each phase runs `--count` writes one after another, as the master key
and as a logged-in staff user; it prints writes per CPU-second (higher is better).

    PYTHONPATH=. .venv/bin/python bench/writes.py --count 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.auth.identity import MASTER, Auth
from parse_compat.rest.context import RequestContext
from parse_compat.settings import Settings
from parse_compat.storage.base import FindOptions

ROOT = Path(__file__).resolve().parents[1]


def pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def measure(count: int, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(appId="bench", masterKey="bench-mk", databaseURI=f"sqlite:///{tmp}/bench.db",
                            schema=str(ROOT / "schema.json"), cloud="cloud_code", dataDir=tmp)
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        try:
            state = server.app[STATE_KEY]
            master = RequestContext(state, MASTER)
            signup = await state.writer.create(master, "_User", {  # the password policy wants 12+ characters
                "username": "bench", "password": "Tw0-long-enough-secret!", "email": "bench@x.example"})
            user = (await state.storage.find(state.schemas.get("_User"), {"objectId": signup.object_id},
                                             FindOptions(limit=1)))[0]
            staff = RequestContext(state, Auth(user=user))
            for label, ctx in (("master", master), ("session", staff)):
                patient = await state.writer.create(ctx, "Patient", {"name": "P", "email": "p@x.example",
                                                                     "phone": "+1 555 0100"})
                for _ in range(rounds):
                    ids: list[str] = []
                    start = time.process_time()
                    for n in range(count):
                        made = await state.writer.create(ctx, "TreatmentPlan", {
                            "patient": pointer("Patient", patient.object_id), "treatmentDetails": f"#{n}",
                            "status": "planned"})
                        ids.append(made.object_id)
                    results.setdefault(f"create ({label})", []).append(count / (time.process_time() - start))
                    start = time.process_time()
                    for n, object_id in enumerate(ids):
                        await state.writer.update(ctx, "TreatmentPlan", object_id, {"treatmentDetails": f"r{n}"})
                    results.setdefault(f"update ({label})", []).append(count / (time.process_time() - start))
        finally:
            await server.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="writes per phase and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per phase (best and median printed)")
    args = parser.parse_args()
    results = asyncio.run(measure(args.count, args.rounds))
    print(f"{'phase':<20}{'best w/cpu-s':>14}{'median':>10}")
    for name, values in results.items():
        ordered = sorted(values)
        print(f"{name:<20}{ordered[-1]:>14,.0f}{ordered[len(ordered) // 2]:>10,.0f}")


if __name__ == "__main__":
    main()
