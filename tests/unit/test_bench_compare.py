"""The pure parts of bench/compare.py: percentile, ratio, median run, table and frame reading (no timings)."""

from __future__ import annotations

import math

from bench.compare import Row, created_object_id, format_table, median_run, percentile, ratio


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(list(reversed(values)), 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_ratio_is_times_better_for_rates_and_for_delays() -> None:
    assert ratio(300.0, 100.0) == 3.0
    assert ratio(10.0, 30.0, higher_is_better=False) == 3.0  # a delay three times shorter
    assert math.isnan(ratio(0.0, 100.0))
    assert math.isnan(ratio(100.0, float("nan")))


def test_median_run_keeps_one_real_run() -> None:
    runs = [{"rate": 300.0, "p99": 9.0}, {"rate": 100.0, "p99": 30.0}, {"rate": 200.0, "p99": 12.0}]
    assert median_run(runs, "rate") == {"rate": 200.0, "p99": 12.0}
    # with two runs, the worse one: the lower rate, or the longer delay
    assert median_run(runs[:2], "rate") == {"rate": 100.0, "p99": 30.0}
    assert median_run([runs[0], runs[2]], "p99", higher_is_better=False) == {"rate": 200.0, "p99": 12.0}


def test_format_table_rows() -> None:
    table = format_table([
        Row("get", "req/s", 6000.0, 2000.0, ours_latency=(2.04, 5.5), theirs_latency=(7.0, 20.25)),
        Row("server peak RSS", "MB", 100.0, 300.0, higher_is_better=False),
        Row("login", "req/s", 27.0, 0.0),
    ]).splitlines()
    assert table[0].startswith("| scenario | unit | parse-compat | Parse 9.10 | ratio |")
    assert table[2] == "| get | req/s | 6,000 | 2,000 | 3.00× | 2.0 / 5.5 | 7.0 / 20.2 |"
    assert table[3] == "| server peak RSS | MB | 100 | 300 | 3.00× | — | — |"
    assert table[4] == "| login | req/s | 27.0 | 0.0 | n/a | — | — |"


def test_created_object_id_reads_create_frames_only() -> None:
    frame = '{"op":"create","clientId":3,"requestId":1,"object":{"objectId":"Ab12Cd34Ef","status":"lq"}}'
    assert created_object_id(frame) == "Ab12Cd34Ef"
    spaced = '{"op": "create", "object": {"className": "TreatmentPlan", "objectId": "Zz99"}}'
    assert created_object_id(spaced) == "Zz99"
    assert created_object_id('{"op":"update","object":{"objectId":"Ab12Cd34Ef"}}') is None
    assert created_object_id('{"op":"subscribed","requestId":1}') is None
