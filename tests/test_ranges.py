import json
import math

import numpy as np
import pytest

from gan_course import lessons, ranges

RUN = ranges.TrainedRun("abc123", {"loss": "ns", "batch": 128, "planned_steps": 1000},
                        planned_steps=1000, steps=1000)


def _quick(values, steps=1000, fingerprint="abc123"):
    low, high = ranges.prediction_band(values)
    return {"m": {"quick/cpu": {"values": values, "steps": steps, "fingerprint": fingerprint,
                                "settings": {"loss": "ns", "batch": 128,
                                             "planned_steps": steps},
                                "band": [low, high], "hardware": "x86_64, 2 CPU cores",
                                "seeds": list(range(len(values)))}}}


def test_the_prediction_band_holds_one_more_run_as_often_as_it_says():
    rng = np.random.default_rng(0)
    trials, inside = 4000, 0
    for _ in range(trials):
        runs = rng.normal(10.0, 2.0, size=4)  # three measured runs and one more
        low, high = ranges.prediction_band(runs[:3], confidence=0.9)
        inside += low <= runs[3] <= high
    assert abs(inside / trials - 0.9) < 0.02
    # [min, max] of three runs would hold the fourth only half the time: the band is wider
    low, high = ranges.prediction_band([10.0, 12.0, 14.0])
    assert low < 10.0 - 4 and high > 14.0 + 4
    with pytest.raises(ValueError, match="at least 2"):
        ranges.prediction_band([1.0])


def test_inside_the_band_is_normal_and_the_band_not_min_max_decides():
    table = _quick([10.0, 12.0, 14.0])
    verdict = ranges.range_verdict("m", 15.0, "quick/cpu", table, "lower", RUN)
    assert "Yes: 15 is inside" in verdict and "99 runs in 100" in verdict
    assert "3 seeds measured 10 to 14 at 1,000 steps" in verdict


@pytest.mark.parametrize("better, value", [("lower", -50.0), ("higher", 80.0)])
def test_a_run_better_than_the_band_is_called_better_not_a_fault(better, value):
    table = _quick([10.0, 12.0, 14.0])
    verdict = ranges.range_verdict("m", value, "quick/cpu", table, better, RUN)
    assert "Better:" in verdict and f"{better} is better" in verdict and "Check" not in verdict
    worse = 80.0 if better == "lower" else -50.0
    assert "No:" in ranges.range_verdict("m", worse, "quick/cpu", table, better, RUN)
    with pytest.raises(ValueError, match="better='smaller'"):
        ranges.range_verdict("m", 1.0, "quick/cpu", table, "smaller", RUN)


def test_other_settings_or_other_steps_get_no_verdict_and_say_why():
    table = _quick([10.0, 12.0, 14.0])
    changed = ranges.TrainedRun("zzz999", {"loss": "hinge", "batch": 128,
                                           "planned_steps": 1000}, 1000, 1000)
    verdict = ranges.range_verdict("m", 12.0, "quick/cpu", table, "lower", changed)
    assert "No range for these settings" in verdict and "loss: 'ns' -> 'hinge'" in verdict
    short = ranges.TrainedRun("abc123", RUN.settings, 1000, 400)
    verdict = ranges.range_verdict("m", 12.0, "quick/cpu", table, "lower", short)
    assert "No range at 400 steps" in verdict and "1,000 steps" in verdict
    for name, kind in (("m", "full/gpu"), ("other", "quick/cpu")):
        assert "No range measured yet" in ranges.range_verdict(name, 1.0, kind, table, None, RUN)


def test_a_full_mode_curve_is_read_at_the_steps_reached():
    curve = {"m": {"full/cpu": {"fingerprint": "abc123", "settings": {}, "hardware": "h",
                                "curve": {"steps": [1000, 3000],
                                          "values": {"0": [50.0, 20.0], "1": [54.0, 22.0],
                                                     "2": [52.0, 24.0]}}}}}
    at = ranges.TrainedRun("abc123", {}, 100_000, 2000)  # halfway: 35, 38 and 38
    verdict = ranges.range_verdict("m", 37.0, "full/cpu", curve, "lower", at)
    assert "Yes" in verdict and "measured 35 to 38 at 2,000 steps" in verdict
    assert "Better" in ranges.range_verdict("m", 10.0, "full/cpu", curve, "lower", at)
    beyond = ranges.TrainedRun("abc123", {}, 100_000, 5000)
    assert "1,000 to 3,000 steps" in ranges.range_verdict("m", 20.0, "full/cpu", curve,
                                                          "lower", beyond)


def test_a_fixed_number_is_only_matched_to_its_record():
    table = {"ratio": {"quick/cpu": {"fixed": 2.363, "hardware": "x86_64, 2 CPU cores"}}}
    same = ranges.range_verdict("ratio", 2.3631, "quick/cpu", table)
    assert "does not vary" in same and "matches it to 1 %" in same
    assert "differs by more than 1 %" in ranges.range_verdict("ratio", 2.6, "quick/cpu", table)
    # a GPU's quick mode reads the CPU's record: a shipped model's number is the same there
    assert "matches" in ranges.range_verdict("ratio", 2.363, "quick/gpu", table)
    assert "Nothing recorded yet" in ranges.range_verdict("other", 1.0, "quick/cpu", table)


def _record(value, steps=1000, fingerprint="abc123"):
    return {"value": value, "steps": steps, "fingerprint": fingerprint, "settings": {"a": 1}}


def test_record_ranges_stores_steps_fingerprint_band_and_fixed_numbers(tmp_path):
    path = tmp_path / "ranges.json"
    ranges.record_ranges(path, "quick/cpu", {
        "FD": {0: _record(12.0), 1: _record(10.0), 2: _record(14.0)},
        "shipped": {0: {"value": 3.3}, 1: {"value": 3.3}},
        "nan": {0: _record(1.0), 1: _record(math.nan)}}, "x86_64, 2 CPU cores")
    table = ranges.record_ranges(path, "full/cpu", {"FD": {
        0: [_record(30.0, 1000), _record(20.0, 2000)],
        1: [_record(32.0, 1000), _record(21.0, 2000)]}}, "same")
    quick = table["FD"]["quick/cpu"]
    assert quick["steps"] == 1000 and quick["fingerprint"] == "abc123"
    assert quick["values"] == [12.0, 10.0, 14.0] and quick["seeds"] == [0, 1, 2]
    assert quick["band"][0] < 10.0 and quick["band"][1] > 14.0
    assert table["shipped"]["quick/cpu"] == {"fixed": 3.3, "hardware": "x86_64, 2 CPU cores"}
    assert table["FD"]["full/cpu"]["curve"] == {"steps": [1000, 2000],
                                                "values": {"0": [30.0, 20.0],
                                                           "1": [32.0, 21.0]}}
    assert "nan" not in table
    assert json.loads(path.read_text())["ranges"] == table
    with pytest.raises(ValueError, match="different steps"):
        ranges.record_ranges(path, "quick/cpu", {"FD": {0: _record(1.0, 900),
                                                        1: _record(1.0, 1000)}}, "h")
    with pytest.raises(ValueError, match="one training fingerprint"):
        ranges.record_ranges(path, "quick/cpu", {"FD": {0: _record(1.0, fingerprint="a"),
                                                        1: _record(1.0, fingerprint="b")}}, "h")


def test_report_metric_reads_the_run_from_the_gan_and_records_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    target = tmp_path / "metrics.jsonl"
    monkeypatch.setenv(lessons.METRICS_FILE_VARIABLE, str(target))

    class Trained:  # what callbacks.train leaves on a GAN
        step = 1000
        trained_run = RUN

    lessons.report_metric("FD", 12.0, better="lower", trained=Trained())
    assert "No range measured yet for quick mode on a CPU" in capsys.readouterr().out
    record = json.loads(target.read_text().splitlines()[0])
    assert (record["steps"], record["fingerprint"]) == (1000, "abc123")
    runs = {"FD": {0: _record(10.0), 1: _record(14.0), 2: _record(12.0)}}
    ranges.record_ranges(tmp_path / ranges.RANGES_FILE, "quick/cpu", runs, "2 cores")
    lessons.report_metric("FD", 12.0, better="lower", trained=Trained())
    out = capsys.readouterr().out
    assert "after 1,000 steps" in out and "Yes: 12 is inside" in out
    with pytest.raises(ValueError, match="callbacks.train"):
        lessons.report_metric("FD", 12.0, trained=object())
