"""The `_Audit` hash chain: how an entry is hashed and how a run of stored entries is checked.

Pure, no I/O. Every entry carries `seq` (1, 2, 3 ... with no gap), `prevHash` (the previous
entry's `hash`; "" for the first entry ever) and `hash` = sha256 over the canonical JSON (an
array of the `HASHED` fields in order, sorted keys inside, no spaces, non-ASCII as UTF-8),
`prevHash` included. Editing any hashed field breaks that entry's hash; deleting an entry leaves
a gap in `seq` and a `prevHash` that no longer matches.

Retention (`auditRetentionDays`) deletes the oldest entries; before it does, it appends a `purge`
entry whose `anchor` is `{"seq", "hash"}` of the last deleted entry. The verifier starts from the
oldest kept entry and requires it to follow the newest purge anchor (or to be seq 1 after "").
Limit: entries removed from the *end* of the chain are not detectable from the chain alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

import orjson

HASHED = ("seq", "prevHash", "action", "targetClass", "targetId", "ids", "user", "roles", "session", "ip", "master",
          "readOnly", "fields", "anchor", "createdAt")
USER_AT = HASHED.index("user")
GENESIS = ""
# One encoder, made once (json.dumps with options builds a new one per call): immutable settings.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_HASHED_VALUES = itemgetter(*HASHED)  # one C call for an entry that has every field (the writer's)


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one entry: a JSON array of the `HASHED` fields in that order (objects
    inside with sorted keys); the user pointer counts by its objectId."""
    try:
        body = list(_HASHED_VALUES(entry))
    except KeyError:  # a stored entry read back may lack a field: it counts as null
        body = [entry.get(name) for name in HASHED]
    user = body[USER_AT]
    if isinstance(user, dict):
        body[USER_AT] = user.get("objectId")
    try:  # orjson writes these bytes too (no floats here), several times faster (codec/safe_json.py)
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # what it refuses (a lone surrogate, a huge int): as before
        return _ENCODE(body).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def seal(entry: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
    """Give `entry` its place in the chain (seq, prevHash, hash); returns it."""
    entry["seq"] = seq
    entry["prevHash"] = prev_hash
    entry["hash"] = entry_hash(entry)
    return entry


class ChainBroken(Exception):
    """The first entry that does not verify; the message names it."""


def _describe(entry: Mapping[str, Any]) -> str:
    return f"entry seq {entry.get('seq')} (objectId {entry.get('objectId')})"


def newest_anchor(entries: Iterable[Mapping[str, Any]]) -> tuple[int, str]:
    """(seq, hash) the oldest kept entry must follow: the newest purge anchor, else (0, "")."""
    best = (0, GENESIS)
    for entry in entries:
        anchor = entry.get("anchor")
        if entry.get("action") == "purge" and isinstance(anchor, dict):
            seq = int(anchor.get("seq") or 0)
            if seq > best[0]:
                best = (seq, str(anchor.get("hash") or ""))
    return best


def verify(entries: list[Mapping[str, Any]]) -> int:
    """Check entries (sorted by seq); how many verified. Raises ChainBroken at the first bad one."""
    seq, prev = newest_anchor(entries)
    checked = 0
    for entry in entries:
        got = entry.get("seq")
        if seq and isinstance(got, (int, float)) and int(got) <= seq:
            continue  # older than the purge anchor: a purge interrupted before its deletes (no transactions)
        if not isinstance(got, (int, float)) or int(got) != seq + 1:
            if isinstance(got, (int, float)) and int(got) > seq + 1:
                raise ChainBroken(f"{_describe(entry)}: entries {seq + 1}..{int(got) - 1} are missing")
            raise ChainBroken(f"{_describe(entry)}: out of sequence (expected seq {seq + 1})")
        if entry.get("prevHash") != prev:
            raise ChainBroken(f"{_describe(entry)}: does not follow the previous entry (prevHash differs)")
        if entry.get("hash") != entry_hash(entry):
            raise ChainBroken(f"{_describe(entry)}: was edited (its hash does not match its content)")
        seq, prev = int(got), str(entry["hash"])
        checked += 1
    return checked
