import json

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
