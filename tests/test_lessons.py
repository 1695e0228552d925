import json
import math

import nbformat
import pytest

from gan_course import lessons


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_report_metric_writes_for_the_runner(tmp_path, monkeypatch, capsys):
    target = tmp_path / "metrics.jsonl"
    monkeypatch.setenv(lessons.METRICS_FILE_VARIABLE, str(target))
    lessons.report_metric("FD", 12.5, unit="", note="lower is better")
    lessons.report_metric("accuracy", 0.91)
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["name"] for r in records] == ["FD", "accuracy"]
    assert records[0]["value"] == 12.5
    assert "FD: 12.5 (lower is better)" in capsys.readouterr().out


def test_report_metric_without_runner_only_prints(monkeypatch, capsys):
    monkeypatch.delenv(lessons.METRICS_FILE_VARIABLE, raising=False)
    lessons.report_metric("FD", float("nan"))
    assert "FD: nan" in capsys.readouterr().out


def test_find_notebooks_orders_lessons(tmp_path):
    for name in ("10_late.ipynb", "01_first.ipynb", "scratch.ipynb", "02_second.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in lessons.find_notebooks(tmp_path)] == [
        "01_first.ipynb", "02_second.ipynb", "10_late.ipynb"]


@pytest.mark.slow
def test_execute_collects_metrics_and_writes_html(tmp_path):
    path = _notebook(tmp_path / "01_ok.ipynb",
                     "import os\nquick = os.environ['GAN_COURSE_QUICK']",
                     "from gan_course.lessons import report_metric\n"
                     "report_metric('answer', 42 if quick == '1' else 0)",
                     "from gan_course import settings\n"
                     "page = settings.cache_dir('lesson99') / 'results'\n"
                     "page.mkdir(parents=True)\n"
                     "(page / 'index.html').write_text('<p>rows</p>')")
    result = lessons.execute_notebook(path, tmp_path / "out")
    # the results page outlives the run's temporary cache
    assert (tmp_path / "out" / "01_ok_results" / "index.html").read_text() == "<p>rows</p>"
    assert result.ok, result.error
    assert result.metrics[-1]["value"] == 42  # ran in quick mode
    assert result.headline == "answer = 42"
    assert result.html_path.read_text().lstrip().lower().startswith("<!doctype html")
    assert nbformat.read(result.executed_path, 4).cells[1].outputs  # outputs were kept


@pytest.mark.slow
def test_failing_notebook_reports_the_cell_and_exits_nonzero(tmp_path, capsys):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _notebook(notebooks / "00_fine.ipynb", "x = 1")
    _notebook(notebooks / "01_broken.ipynb", "y = 2", "raise RuntimeError('the model diverged')")
    code = lessons.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    assert "raise RuntimeError('the model diverged')" in captured.err  # the failing cell
    assert "RuntimeError" in captured.err
    assert "00_fine" in captured.out and "FAILED" in captured.out
    assert (tmp_path / "out" / "01_broken.html").is_file()  # written even on failure


def test_format_table():
    table = lessons.format_table([
        lessons.LessonResult("00_setup", 4.2, True, [{"name": "images", "value": 8000.0}]),
        lessons.LessonResult("01_gan", 100.0, False)])
    lines = table.splitlines()
    assert lines[0].split() == ["lesson", "seconds", "status", "headline", "metric"]
    assert "images = 8000" in lines[2] and "FAILED" in lines[3]


def test_main_without_notebooks(tmp_path):
    assert lessons.main(["--notebooks", str(tmp_path)]) == 2


def test_the_verdict_says_inside_just_outside_far_outside_or_not_measured():
    ranges = {"FD": {"quick/cpu": {"values": [10.0, 12.0, 14.0], "min": 10.0, "max": 14.0,
                                   "hardware": "x86_64, 2 CPU cores"}}}
    inside = lessons.range_verdict("FD", 11.0, "quick/cpu", ranges)
    assert "Yes" in inside and "[10, 14]" in inside and "3 seeds in quick mode on a CPU" in inside
    assert "just outside" in lessons.range_verdict("FD", 17.5, "quick/cpu", ranges)
    assert "far outside" in lessons.range_verdict("FD", 30.0, "quick/cpu", ranges)
    assert "far outside" in lessons.range_verdict("FD", 5.0, "quick/cpu", ranges)
    for name, kind in (("FD", "full/gpu"), ("KID", "quick/cpu")):
        assert "No range measured yet for" in lessons.range_verdict(name, 11.0, kind, ranges)


def test_a_range_of_one_number_is_matched_to_one_percent():
    """A shipped model's number is the same for every seed: a tiny numerical difference on
    other hardware is still normal, a different model is not."""
    ranges = {"ratio": {"quick/cpu": {"values": [2.363] * 3, "min": 2.363, "max": 2.363,
                                      "hardware": "x86_64, 2 CPU cores"}}}
    same = lessons.range_verdict("ratio", 2.3631, "quick/cpu", ranges)
    assert "does not change with the seed" in same and "matches it to 1 %" in same
    other = lessons.range_verdict("ratio", 2.6, "quick/cpu", ranges)
    assert "differs by more than 1 %" in other


def test_record_ranges_merges_seeds_and_keeps_other_kinds(tmp_path):
    path = tmp_path / "ranges.json"
    lessons.record_ranges(path, "quick/cpu", {"FD": {0: 12.0, 1: 10.0, 2: 14.0},
                                              "one seed": {0: 1.0}, "nan": {0: 1.0, 1: math.nan}},
                          "x86_64, 2 CPU cores")
    ranges = lessons.record_ranges(path, "full/cpu", {"FD": {0: 3.0, 1: 4.0}}, "same")
    assert ranges["FD"]["quick/cpu"]["values"] == [12.0, 10.0, 14.0]
    assert (ranges["FD"]["quick/cpu"]["min"], ranges["FD"]["quick/cpu"]["max"]) == (10.0, 14.0)
    assert ranges["FD"]["full/cpu"]["max"] == 4.0
    assert "one seed" not in ranges and "nan" not in ranges
    assert lessons.metric_ranges(path) == ranges


def test_report_metric_says_whether_the_run_is_normal(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    monkeypatch.delenv(lessons.METRICS_FILE_VARIABLE, raising=False)
    lessons.report_metric("FD", 12.0)
    assert "No range measured yet for quick mode on a CPU" in capsys.readouterr().out
    lessons.record_ranges(tmp_path / lessons.RANGES_FILE, "quick/cpu",
                          {"FD": {0: 10.0, 1: 14.0}}, "x86_64, 2 CPU cores")
    lessons.report_metric("FD", 12.0)
    assert "Yes: 12 is inside the measured range [10, 14]" in capsys.readouterr().out


def test_the_seed_variable_replaces_a_notebooks_seed(monkeypatch):
    from gan_course import settings
    monkeypatch.setenv("GAN_COURSE_SEED", "3")
    assert settings.seed_everything(0) == 3
    monkeypatch.delenv("GAN_COURSE_SEED")
    assert settings.seed_everything(0) == 0


@pytest.mark.slow
def test_two_jobs_run_the_notebooks_at_once_and_report_them_in_order(tmp_path, capsys):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    for name, value in (("01_a", 1), ("02_b", 2)):  # each notes when it ran
        _notebook(notebooks / f"{name}.ipynb",
                  f"import time\nstart = time.time()\ntime.sleep(3)\n"
                  f"open({str(tmp_path / name)!r}, 'w').write(f'{{start}} {{time.time()}}')",
                  f"from gan_course.lessons import report_metric\nreport_metric('{name}', {value})")
    _notebook(notebooks / "03_broken.ipynb", "raise RuntimeError('the model diverged')")
    code = lessons.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "out"),
                         "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 1  # one failed, and the others still ran
    table = out.split("headline metric")[1].splitlines()
    assert [line.split()[0] for line in table if line.startswith("0")] == [
        "01_a", "02_b", "03_broken"]
    assert "01_a = 1" in out and "02_b = 2" in out and "FAILED" in out
    assert (tmp_path / "out" / "02_b.html").is_file()
    (a_start, a_end), (b_start, b_end) = (
        map(float, (tmp_path / name).read_text().split()) for name in ("01_a", "02_b"))
    assert a_start < b_end and b_start < a_end  # the two ran at the same time


def test_jobs_must_be_at_least_one(tmp_path, capsys):
    with pytest.raises(SystemExit):
        lessons.main(["--notebooks", str(tmp_path), "--jobs", "0"])
    assert "--jobs 0" in capsys.readouterr().err


@pytest.mark.parametrize("better, value", [("lower", 5.0), ("higher", 30.0)])
def test_a_run_better_than_the_range_is_called_better_not_a_fault(better, value):
    ranges = {"m": {"quick/cpu": {"values": [10.0, 12.0, 14.0], "min": 10.0, "max": 14.0,
                                  "hardware": "x86_64, 2 CPU cores"}}}
    verdict = lessons.range_verdict("m", value, "quick/cpu", ranges, better)
    assert "Better:" in verdict and f"{better} is better" in verdict
    assert "Check the settings" not in verdict
    worse = 30.0 if better == "lower" else 5.0
    assert "far outside" in lessons.range_verdict("m", worse, "quick/cpu", ranges, better)
    with pytest.raises(ValueError, match="better='smaller'"):
        lessons.range_verdict("m", 1.0, "quick/cpu", ranges, "smaller")
