"""What a learner sees, checked in a real browser (Debian's Chromium, driven by Playwright).

1. A deliberately broken page of its own (a missing image, an error cell) must be reported:
   the checker can fail.
2. JupyterLab on a free loopback port with a token: open ``notebooks/00_setup.ipynb``, run all
   cells through the UI (Run > Run All Cells), and check that no cell shows an error and the
   last cell's output appears.
3. Every exported lesson page ``<lessons>/NN_name.html`` and every results page
   (``<lessons>/*/index.html``, lesson 3's): every ``<img>`` has loaded (naturalWidth > 0) and no
   output says "Traceback" or "...Error".

Each page gets a screenshot in ``--out``. JupyterLab is shut down even when a check fails.
Exit status 0 when everything passed; 1 with one line per problem otherwise.

    python tools/check_browser.py --lessons build/lessons --out build/browser
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Chromium on a closed network: without the networking flags it keeps trying (and failing)
#: to reach Google's services in the background.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
#: Any output that shows a Python traceback failed. Outputs show source code too (a lesson's
#: ``viz.show_source``), so an exception's name counts only on the error stream.
TRACEBACK = re.compile(r"Traceback")
ERROR_NAME = re.compile(r"\b[A-Z]\w*Error\b")
#: How nbconvert's pages and JupyterLab mark a cell's error and stderr outputs.
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'


def broken_page() -> str:
    """A lesson page exported as ``make lessons`` exports them, with what must be caught: an image
    that does not load, and a cell that raised. A cell that only shows code naming an error, and
    a good image, must not be reported."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from gan_course.lessons import _to_html

    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
           "RU5ErkJggg==")
    raised = new_code_cell("1 / 0", outputs=[new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=["ZeroDivisionError                         Traceback (most recent call last)",
                   "ZeroDivisionError: division by zero"])])
    shown = new_code_cell("source", outputs=[new_output(
        "stream", name="stdout", text='raise ValueError("shown as code, not raised")\n')])
    good = new_code_cell("picture", outputs=[new_output("display_data", data={"image/png": png})])
    notebook = new_notebook(cells=[new_markdown_cell("![a broken image](missing.png)"),
                                   good, shown, raised])
    nbformat.validate(notebook)
    return _to_html(notebook)


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("No Chromium found: install Debian's (apt-get install chromium); "
                     "make test-browser does.")


def page_problems(page, url: str, screenshot: Path) -> list[str]:
    """Open ``url``; what is wrong with it: images that did not load, outputs with errors."""
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(image => !image.complete || image.naturalWidth === 0)
        .map(image => (image.getAttribute('src') || '').slice(0, 60))""")
    outputs = page.locator(".jp-OutputArea-output, .output_area").all_inner_texts()
    errors = page.locator(STDERR).all_inner_texts()
    if not outputs:  # a page without notebook outputs (a results page): all its text
        outputs = errors = [page.inner_text("body")]
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    problems = [f"{url}: image not loaded: {src!r}" for src in broken]
    problems += [f"{url}: {found}" for found in error_outputs(outputs, errors)[:1]]
    return problems


def error_outputs(outputs: list[str], errors: list[str]) -> list[str]:
    """The outputs that show a failure: a traceback anywhere, an exception's name on the error
    stream."""
    found = [text for text in outputs if TRACEBACK.search(text)]
    found += [text for text in errors if ERROR_NAME.search(text)]
    return [f"an output shows an error: {text.strip()[-240:]!r}" for text in found]


def lesson_pages(lessons: Path) -> list[Path]:
    pages = sorted(lessons.glob("[0-9][0-9]_*.html")) + sorted(lessons.glob("*/index.html"))
    if not any(p.name != "index.html" for p in pages):
        raise SystemExit(f"No lesson pages in {lessons}: run `make lessons` first.")
    return pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_jupyterlab(port: int, token: str, scratch: Path) -> subprocess.Popen:
    env = {**os.environ, "GAN_COURSE_QUICK": "1", "GAN_COURSE_HEADLESS": "1",
           "JUPYTER_CONFIG_DIR": str(scratch / "config"), "JUPYTER_DATA_DIR": str(
               scratch / "data"), "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.setdefault("GAN_COURSE_CACHE_DIR", str(scratch / "cache"))
    # every cell in the page (JupyterLab 4 leaves cells out of view out of it), no news pop-up
    lab_settings = {"notebook-extension/tracker": {"windowingMode": "none"},
                    "apputils-extension/notification": {"fetchNews": "false"},
                    "docmanager-extension/plugin": {"autosave": False}}
    for name, values in lab_settings.items():
        folder, _, plugin = name.partition("/")
        target = scratch / "settings" / f"@jupyterlab/{folder}" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    log = open(scratch / "jupyterlab.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={scratch / 'root'}", "--ServerApp.port_retries=0",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=scratch / "root")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("JupyterLab stopped at start-up:\n"
                               + (scratch / "jupyterlab.log").read_text()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}",
                                        timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("JupyterLab did not answer within 120 s.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_notebook_in_lab(page, port: int, token: str, notebook: str, screenshot: Path,
                        timeout: float) -> list[str]:
    """Open ``notebook`` in JupyterLab, Run All Cells from the Run menu, wait for every cell,
    and return what is wrong: cells showing an error, a last cell without output."""
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{notebook}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).first.wait_for(
        timeout=90_000)  # the kernel has started
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    n = cells.count()
    cells.first.locator(".jp-InputPrompt").click()  # the notebook has the focus
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    deadline = time.monotonic() + timeout
    prompts: list[str] = []
    while time.monotonic() < deadline:
        prompts = [p.strip() for p in page.locator(
            ".jp-Notebook .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]
        done = len(prompts) == n and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        if done and page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
            break
        time.sleep(1.0)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    problems = []
    if not (len(prompts) == n and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)):
        problems.append(f"JupyterLab {notebook}: not every cell ran within {timeout:.0f} s "
                        f"(prompts {prompts})")
    for i in range(n):
        cell = cells.nth(i)
        for found in error_outputs(cell.locator(".jp-OutputArea-output").all_inner_texts(),
                                   cell.locator(STDERR).all_inner_texts()):
            problems.append(f"JupyterLab {notebook}: code cell {i + 1}: {found}")
    if n and not cells.nth(n - 1).locator(".jp-OutputArea-output").count():
        problems.append(f"JupyterLab {notebook}: the last cell shows no output")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=Path, default=ROOT / "build" / "lessons")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser")
    parser.add_argument("--notebook", default="notebooks/00_setup.ipynb")
    parser.add_argument("--lab-timeout", type=float, default=300.0,
                        help="seconds for the notebook's cells to finish in JupyterLab")
    parser.add_argument("--skip-lab", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    args.out.mkdir(parents=True, exist_ok=True)
    pages = lesson_pages(args.lessons)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        scratch = Path(scratch)
        browser = playwright.chromium.launch(executable_path=find_chromium(),
                                             args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            broken = scratch / "broken.html"
            broken.write_text(broken_page(), encoding="utf-8")
            found = page_problems(page, broken.as_uri(), args.out / "self_check_broken.png")
            if not (len(found) == 2 and "image not loaded: 'missing.png'" in found[0]
                    and "ZeroDivisionError" in found[1]):
                problems.append(f"self-check: the broken page was not caught as it should be "
                                f"({found})")
            print(f"self-check: the broken page gives {len(found)} problem(s), as it should",
                  flush=True)
            for path in pages:
                name = path.stem if path.name != "index.html" else f"{path.parent.name}_index"
                found = page_problems(page, path.resolve().as_uri(), args.out / f"{name}.png")
                print(f"{path.relative_to(args.lessons)}: "
                      f"{'ok' if not found else f'{len(found)} problem(s)'}", flush=True)
                problems += found
            if not args.skip_lab:
                # JupyterLab serves a copy: the repository's notebook is never saved with outputs
                copy = scratch / "root" / args.notebook
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / args.notebook, copy)
                port, token = free_port(), secrets.token_hex(16)
                lab = start_jupyterlab(port, token, scratch)
                try:
                    start = time.monotonic()
                    found = run_notebook_in_lab(page, port, token, args.notebook,
                                                args.out / "jupyterlab_00_setup.png",
                                                args.lab_timeout)
                    print(f"JupyterLab {args.notebook}: {'ok' if not found else 'failed'} in "
                          f"{time.monotonic() - start:.0f} s", flush=True)
                    problems += found
                finally:
                    stop(lab)
        finally:
            browser.close()
    for problem in problems:
        print(f"PROBLEM: {problem}", flush=True)
    print(f"browser check: {len(pages)} page(s) and JupyterLab: "
          f"{'passed' if not problems else f'{len(problems)} problem(s)'}; screenshots in "
          f"{args.out}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
