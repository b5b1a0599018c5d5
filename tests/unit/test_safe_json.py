"""The JSON writer for responses and Live Query frames never fails on a badly stored value."""

from __future__ import annotations

import json
import logging

from parse_compat.codec import safe_json
from parse_compat.livequery import protocol


def test_plain_values_pass_through_unchanged() -> None:
    value = {"a": [1, 2.5, "é", "\U0001F600", None, True], "b": {"c": "x"}}
    assert safe_json.dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_bad_values_are_repaired_and_reported() -> None:
    seen: list[str] = []
    text = safe_json.dumps({"k\ud800": ["\udc00x", float("nan"), float("-inf"), 1.5]}, seen.append)
    assert json.loads(text) == {"k\ufffd": ["\ufffdx", None, None, 1.5]}
    assert text.encode("utf-8")
    assert seen == ["a non-finite number", "a lone UTF-16 surrogate"]


def test_live_query_frames_survive_bad_values() -> None:
    frame = protocol.dumps({"op": "create", "object": {"name": "a\ud800", "n": float("nan")}})
    assert json.loads(frame)["object"] == {"name": "a\ufffd", "n": None}


def test_bad_value_log_logs_each_kind_once(caplog) -> None:  # type: ignore[no-untyped-def]
    log = safe_json.BadValueLog(logging.getLogger("parse_compat.test"))
    caplog.set_level(logging.WARNING, logger="parse_compat.test")
    for _ in range(5):
        log("a lone UTF-16 surrogate")
        log("a non-finite number")
    assert len(caplog.records) == 2
    assert log.counts == {"a lone UTF-16 surrogate": 5, "a non-finite number": 5}


def test_values_built_by_cloud_code_are_checked_too() -> None:
    import pytest

    from parse_compat.codec.values import decode_nested
    from parse_compat.errors import ParseError

    for bad in ("a\ud800", {"k\udc00": 1}, [1, {"x": float("inf")}], float("nan")):
        with pytest.raises(ParseError) as caught:
            decode_nested(bad)
        assert caught.value.code in (107, 121)
    assert decode_nested({"k": ["\U0001F600", 1.5]}) == {"k": ["\U0001F600", 1.5]}


def test_compiled_encoder_writes_what_json_dumps_writes() -> None:
    value = {"z": 1, "a": [0.1, -0.0, 0.00025, 1.5e300, 9007199254740993, -(2**63), True, None],
             "text": "é \u2028 \x1f \x7f \"q\" \\ </script> \U0001F600", "nested": {"b": {}, "a": []}}
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert safe_json.encode(value) == expected
    assert safe_json.dumps(value) == expected.decode("utf-8")


def test_small_exponents_as_json_stringify_writes_them() -> None:
    # parse-compat: JSON.stringify(1e-7) is "1e-7" (json.dumps wrote "1e-07"); large ones keep "1e+21"
    assert safe_json.encode([1e-7, 1.5e-10, 1e21]) == b"[1e-7,1.5e-10,1e+21]"


def test_values_the_compiled_encoder_refuses_go_through_json_dumps() -> None:
    import datetime

    import pytest

    assert safe_json.encode({"big": 2**70, 3: "int key"}) == b'{"big":1180591620717411303424,"3":"int key"}'
    seen: list[str] = []
    assert safe_json.encode({"n": float("inf"), "m": None}, seen.append) == b'{"n":null,"m":null}'
    assert seen == ["a non-finite number"]
    with pytest.raises(TypeError):
        safe_json.encode({"when": datetime.datetime(2026, 1, 1)})
