"""The learner's path in a real browser: JupyterLab on loopback, headless Chromium, Run All.

By default (`make check`): notebooks 01 and 02. With ``--browser-all`` (`make browser`): every
notebook, in order, in fast mode. For each: open it, Run All from JupyterLab's Run menu, wait
until every cell has run and the kernel is idle, save, wait until the save has landed on disk,
and check the saved file: no error output, nothing on standard error, no failed checked
exercise, and the plots it draws are both saved and shown on the page.
Screenshots go to build/browser/.

Without Debian's Chromium or Playwright these tests are skipped, with the reason; with
``REQUIRE_BROWSER=1`` in the environment (`.ci/run` sets it) they fail instead, so CI cannot
pass without having run them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools.notebook_env import notebook_env
from test_notebooks import NOTEBOOKS, output_problems

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# xdist_group: one JupyterLab server for this file; under pytest-xdist (`make check`) its tests share one process
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

try:
    from playwright import sync_api as playwright_sync
except ImportError:  # reported by the `browser` fixture: a skip, or a failure under REQUIRE_BROWSER=1
    playwright_sync = None


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if CHROMIUM is None:
        return "Debian's chromium is not installed (apt-get install chromium)"
    if playwright_sync is None:
        return "playwright is not installed (pip install -r requirements.txt)"
    return None


def skip_or_fail(reason: str) -> None:
    """Skip, or fail when the environment says the browser tests must run (REQUIRE_BROWSER=1, as in CI)."""
    if os.environ.get("REQUIRE_BROWSER", "").strip() not in ("", "0"):
        pytest.fail(f"REQUIRE_BROWSER is set but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory, real_data_dir):
    """A JupyterLab server on 127.0.0.1 serving a scratch copy of the notebooks."""
    reason = browser_missing()
    if reason:
        skip_or_fail(reason)
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns("*.py"))
    env = notebook_env(work / "env", real_data_dir)
    env["PYTHONPATH"] = str(ROOT)  # `import helpers` from the scratch copy
    # render every cell (JupyterLab 4 otherwise only renders the cells in view)
    settings = work / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(work / "user-settings")
    port, token = free_port(), "browser-smoke-test"
    log = open(work / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--LabApp.news_url=None", "--allow-root", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("JupyterLab did not start: " + (work / "jupyterlab.log").read_text()[-2000:])
            time.sleep(0.5)
    yield {"base": base, "token": token, "root": work}
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def page(jupyterlab):
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def wait_until_saved(page, path: Path, previous_mtime: float, n_code: int, timeout_s: float = 60) -> dict:
    """Wait until JupyterLab no longer marks the notebook unsaved and the file on disk holds the run."""
    deadline = time.time() + timeout_s
    state = "never written"
    while time.time() < deadline:
        dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count()
        mtime = path.stat().st_mtime
        if not dirty and mtime > previous_mtime:
            try:
                saved = json.loads(path.read_text())
            except ValueError:
                state = "partly written"
            else:
                counts = [c.get("execution_count") for c in saved["cells"] if c["cell_type"] == "code"]
                if len(counts) == n_code and all(counts):
                    return saved
                state = f"saved with {sum(map(bool, counts))} of {n_code} cells run"
        else:
            state = "still marked unsaved" if dirty else "file not rewritten"
        time.sleep(0.25)
    pytest.fail(f"{path.name}: the save did not land within {timeout_s:.0f} s ({state})")


def run_all_and_save(page, lab, name: str, timeout_s: int = 300) -> dict:
    path = lab["root"] / "notebooks" / name
    page.goto(f"{lab['base']}/lab/tree/notebooks/{name}?token={lab['token']}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    try:  # JupyterLab may ask which kernel to start: accept the suggested one, as a learner would
        page.click(".jp-Dialog .jp-mod-accept", timeout=5_000)
    except playwright_sync.TimeoutError:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has-text('Run All Cells')")
    n_code = page.locator(".jp-Notebook .jp-CodeCell").count()
    deadline = time.time() + timeout_s
    prompts: list[str] = []
    while time.time() < deadline:
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        done = [p for p in prompts if p.strip().startswith("[") and p.strip()[1:-2].isdigit()]
        if len(done) == n_code and page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
            break
        time.sleep(1)
    shots = ROOT / "build" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{Path(name).stem}.png"), full_page=False)
    if time.time() >= deadline:
        pytest.fail(f"{name}: not every cell finished within {timeout_s} s; prompts: {prompts}")
    before = path.stat().st_mtime
    page.keyboard.press("Control+s")
    return wait_until_saved(page, path, before, n_code)


def outputs(notebook: dict, mime: str) -> list:
    return [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
            if mime in o.get("data", {})]


def check_saved_and_shown(page, saved: dict, name: str) -> None:
    import nbformat

    problems = output_problems(nbformat.from_dict(saved))
    assert not problems, f"{name} in the browser:\n  " + "\n  ".join(problems)
    n_png = len(outputs(saved, "image/png"))
    shown = page.locator(".jp-OutputArea-output img").count()
    assert shown >= n_png, f"{name}: {n_png} plots saved but only {shown} shown on the page"


def test_learner_runs_download_notebook_in_the_browser(page, jupyterlab):
    saved = run_all_and_save(page, jupyterlab, "01_download.ipynb")
    check_saved_and_shown(page, saved, "01_download.ipynb")
    # the check's message must be in an output area: the cell's own source text says it too
    in_outputs = page.locator(".jp-OutputArea-output").filter(has_text="All checks passed.")
    assert in_outputs.count() == 1, "notebook 01 prints 'All checks passed.' below its checks"
    printed = [o for c in saved["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
               if o.get("output_type") == "stream" and "All checks passed." in "".join(o.get("text", ""))]
    assert len(printed) == 1, "the saved notebook holds the printed 'All checks passed.'"


def test_learner_runs_explore_notebook_and_sees_the_sample_grid(page, jupyterlab):
    saved = run_all_and_save(page, jupyterlab, "02_explore.ipynb")
    check_saved_and_shown(page, saved, "02_explore.ipynb")
    assert len(outputs(saved, "image/png")) >= 4, "the plots (sample grid among them) are saved"
    grid = [c for c in saved["cells"] if c["cell_type"] == "code" and "sample_grid(" in "".join(c["source"])]
    assert grid and any("image/png" in o.get("data", {}) for o in grid[0]["outputs"]), "the sample grid cell shows an image"
    grid_cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text="sample_grid(")).first
    grid_cell.scroll_into_view_if_needed()
    assert grid_cell.locator(".jp-OutputArea-output img").count() >= 1
    page.screenshot(path=str(ROOT / "build" / "browser" / "02_explore_sample_grid.png"))


@pytest.mark.browser_all
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_learner_runs_every_notebook_in_the_browser(page, jupyterlab, path):
    if path.name.startswith("09_"):  # the same rule as its papermill run in tests/course/test_notebooks.py
        from helpers.hand_photo_sets import unavailable_reason

        problem = unavailable_reason(need_photos=True)
        if problem and os.environ.get("CI"):
            pytest.fail(f"CI must run notebook 09, but {problem}", pytrace=False)
        if problem:
            pytest.skip(f"notebook 09 cannot run here: {problem}")
    saved = run_all_and_save(page, jupyterlab, path.name, timeout_s=600)
    check_saved_and_shown(page, saved, path.name)
    code = "\n".join("".join(c["source"]) for c in saved["cells"] if c["cell_type"] == "code")
    if re.search(r"\bplots\.\w+\(|\bplt\.|\.imshow\(|\bsns\.", code):  # a notebook that draws shows its plots
        assert outputs(saved, "image/png"), f"{path.name} draws plots but none was saved"
    if path.name.startswith("08_"):
        upload_a_photo(page, jupyterlab["root"])


def upload_a_photo(page, root: Path) -> None:
    """Notebook 08's upload widget, as a learner uses it: pick a portrait phone JPEG, see the letter and the input."""
    from PIL import Image

    from helpers.hand_photo_sets import load_photo_set, photo_folder

    dev = photo_folder("dev")  # a real photo of a hand where the offline photo set is here, else a plain picture
    picture = (Image.open(dev / load_photo_set(dev)["file"].iloc[0]).convert("RGB") if dev is not None
               else Image.new("RGB", (120, 160), (200, 170, 150)))
    photo = root / "my_hand.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation 6: pixels stored turned 90° counter-clockwise; viewers turn them upright
    picture.transpose(Image.Transpose.ROTATE_90).save(photo, exif=exif)
    button = page.locator(".widget-upload").filter(has_text="Your photo").first  # ipywidgets' FileUpload button
    button.scroll_into_view_if_needed()
    shown_before = page.locator(".jp-OutputArea-output img").count()
    with page.expect_file_chooser() as chooser:  # the browser's file dialog, answered as a learner would
        button.click()
    chooser.value.set_files(str(photo))
    answer = page.locator(".jp-OutputArea-output").filter(has_text=re.compile(r"my_hand\.jpg: [A-Y] \d+%"))
    try:
        answer.first.wait_for(timeout=60_000)
    except playwright_sync.TimeoutError:
        cell = page.locator(".jp-CodeCell").filter(has=button).first
        pytest.fail(f"no prediction within 60 s of uploading a photo; the upload cell shows: {cell.inner_text()[-800:]!r}")
    text = answer.first.inner_text()
    assert "Error" not in text and "Traceback" not in text, f"the upload ended in an error: {text[:500]}"
    assert page.locator(".jp-OutputArea-output img").count() > shown_before, "the 28×28 input the network saw is shown"


def test_browser_requirement_turns_a_skip_into_a_failure(monkeypatch):
    monkeypatch.setenv("REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_BROWSER is set"):
        skip_or_fail("no chromium")
    monkeypatch.setenv("REQUIRE_BROWSER", "0")
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("no chromium")
