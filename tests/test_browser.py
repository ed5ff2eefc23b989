"""The learner's path in a real browser: JupyterLab on loopback, headless Chromium, Run All.

Opens 01_download and 02_explore, runs every cell through JupyterLab's Run menu, saves,
and checks that no cell errored and that 02's sample grid image is on the page.
Screenshots go to build/browser/. Skipped (with the reason) when Debian's Chromium or
Playwright is missing; `.ci/run` installs Chromium so CI runs it.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from notebook_env import notebook_env

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory, real_data_dir):
    """A JupyterLab server on 127.0.0.1 serving a scratch copy of the notebooks."""
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
def page():
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def run_all_and_save(page, lab, name: str, timeout_s: int = 180) -> dict:
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
    page.keyboard.press("Control+s")
    time.sleep(2)
    return json.loads((lab["root"] / "notebooks" / name).read_text())


def errors_in(notebook: dict) -> list[str]:
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for cell in notebook["cells"] if cell["cell_type"] == "code"
        for o in cell.get("outputs", []) if o.get("output_type") == "error"
    ]


def test_learner_runs_download_notebook_in_the_browser(page, jupyterlab):
    saved = run_all_and_save(page, jupyterlab, "01_download.ipynb")
    assert not errors_in(saved)
    assert page.get_by_text("All checks passed.").count() >= 1


def test_learner_runs_explore_notebook_and_sees_the_sample_grid(page, jupyterlab):
    saved = run_all_and_save(page, jupyterlab, "02_explore.ipynb")
    assert not errors_in(saved)
    assert page.locator(".jp-OutputArea-output img").count() >= 4, "the plots (sample grid among them) are shown"
    pngs = [c for c in saved["cells"] if c["cell_type"] == "code" and "sample_grid" in "".join(c["source"])]
    assert any("image/png" in o.get("data", {}) for o in pngs[0]["outputs"]), "the sample grid cell shows an image"
    grid_cell = page.locator(".jp-CodeCell:has-text('plots.sample_grid')")
    grid_cell.scroll_into_view_if_needed()
    assert grid_cell.locator(".jp-OutputArea-output img").count() == 1
    page.screenshot(path=str(ROOT / "build" / "browser" / "02_explore_sample_grid.png"))
