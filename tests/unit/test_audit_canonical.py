"""The audit chain's canonical bytes are the same whichever encoder writes them: orjson (the
fast path) or the json module (what older entries were hashed with, and the fallback), so
chains stored before the change still verify; what orjson refuses behaves as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parse_compat.audit.chain import HASHED, canonical, seal, verify
from parse_compat.storage.sqlite.rows import _COMPACT_JSON, append_only_row


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "action": "find", "targetClass": "Patient", "targetId": None, "ids": ["a1", "b2"],
        "user": {"__type": "Pointer", "className": "_User", "objectId": "u1"}, "roles": ["admin", "staff"],
        "session": "s1", "ip": "127.0.0.1", "master": False, "readOnly": False, "fields": ["name", "ACL"],
        "anchor": None, "createdAt": "2026-12-03T14:52:11.123Z", "seq": 7, "prevHash": "ab" * 32}
    base.update(changes)
    return base


def json_module_bytes(value: dict[str, Any]) -> bytes:
    body = [value.get(name) for name in HASHED]
    user = body[HASHED.index("user")]
    body[HASHED.index("user")] = user.get("objectId") if isinstance(user, dict) else user
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("changes", [
    {},
    {"ip": None, "user": None, "roles": [], "session": None, "master": True},
    {"fields": ["naïve", "名前", "emoji😀", 'quo"te', "back\\slash", "tab\tnew\nline\r\x00\x1f\x7f\u2028"]},
    {"action": "purge", "anchor": {"seq": 41, "hash": "ff" * 32}},
    {"seq": 2**70},  # beyond orjson's 64 bits: the json module writes it
])
def test_canonical_bytes_match_the_json_module(changes: dict[str, Any]) -> None:
    value = entry(**changes)
    assert canonical(value) == json_module_bytes(value)
    missing = {key: item for key, item in value.items() if key != "session"}  # a field absent counts as null
    assert canonical(missing) == json_module_bytes(missing)


def test_a_chain_hashed_by_the_json_module_still_verifies() -> None:
    import hashlib
    old, prev = [], ""
    for seq in range(1, 4):
        value = entry(fields=[f"f{seq}é"], seq=seq, prevHash=prev)
        value["hash"] = hashlib.sha256(json_module_bytes(value)).hexdigest()
        prev = value["hash"]
        old.append(value)
    assert verify(old) == 3
    assert seal(dict(old[1]), 2, old[0]["hash"])["hash"] == old[1]["hash"]


def test_a_lone_surrogate_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical(entry(fields=["\ud800"]))


def test_an_append_only_row_holds_the_same_values_as_the_general_encoder() -> None:
    value = {"objectId": "0000000007", **entry(fields=["naïve", "tab\t"], anchor={"seq": 3, "hash": "x"})}
    row = append_only_row(value)
    data = {key: item for key, item in value.items() if key not in ("objectId", "createdAt")}
    assert row[:5] == ("0000000007", "2026-12-03T14:52:11.123Z", None, None, None)
    assert isinstance(row[5], str)  # TEXT, not a BLOB
    assert json.loads(row[5]) == json.loads(_COMPACT_JSON(data)) == data  # non-ASCII as UTF-8, not \u escapes
