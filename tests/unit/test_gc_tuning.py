"""The server's garbage-collector settings (parse_compat/gc_tuning.py), checked in a fresh
interpreter: they are process-wide."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import gc, json
from parse_compat import gc_tuning
boot = [object() for _ in range(10)] + [[n] for n in range(1000)]  # state built at boot
gc_tuning.tune()
frozen = gc.get_freeze_count()
cycle = []
cycle.append(cycle)  # cyclic garbage made after boot is still collected
del cycle
print(json.dumps({"threshold": gc.get_threshold(), "frozen": frozen, "collected": gc.collect()}))
"""

def test_boot_state_is_frozen_and_young_collections_are_spaced_out() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)

    result = json.loads(out.stdout)
    assert result["threshold"] == [20_000, 20, 20]
    assert result["frozen"] >= 1000  # the boot lists went to the permanent generation
    assert result["collected"] >= 1  # the cycle made afterwards was found
