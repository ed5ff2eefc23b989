"""The course website (`make site`) in headless Chromium: every page loads cleanly and passes axe-core.

Runs on a built site: ``pytest tests/tools/test_site.py --site build/site`` (`make site-check`
builds one from a fast-mode course run first). Every page is opened over HTTP on the
loopback address; the test fails on a console error, a page error, a failed request to
the site itself, an image that did not load, or an internal link to a page that does
not exist. Requests to other hosts are blocked (this machine is offline) and count as failures,
so the site must carry what it shows (the Colab badge image is served from the site);
the only outside load allowed to fail is MathJax from its CDN, which Sphinx adds to
pages with formulas and a reader's browser fetches. Every page, the live page included, must have no serious or
critical accessibility violation by axe-core.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from helpers.config import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = REPO_ROOT / "live" / "node_modules" / "axe-core" / "axe.min.js"  # pinned in live/package-lock.json
ALLOWED_OUTSIDE = ("cdn.jsdelivr.net",)  # MathJax; blocked here, loaded by a reader's browser


@pytest.fixture(scope="module")
def site(request) -> Path:
    value = request.config.getoption("--site")
    if not value:
        pytest.skip("no site given: `make site-check` builds one and runs this test (--site DIR)")
    folder = Path(value).resolve()
    assert (folder / "index.html").is_file(), f"{folder} has no index.html: run `make site` first"
    return folder


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def page(server):
    if CHROMIUM is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER", "").strip() not in ("", "0"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser.new_page()
        browser.close()


def _pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if "_static" not in p.parts
                  and "_sources" not in p.parts)


def test_every_page_loads_without_errors_and_with_all_its_images(site, server, page):
    problems: list[str] = []
    current = {"url": ""}
    outside_failures: list[str] = []
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and problems.append(f"{current['url']}: console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{current['url']}: page error: {e}"))
    page.on("requestfailed", lambda r: (outside_failures if urlparse(r.url).hostname in ALLOWED_OUTSIDE
                                        else problems).append(f"{current['url']}: failed to load {r.url}"))
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())

    if not AXE.is_file():
        pytest.fail("axe-core is not installed: npm ci --prefix live (make site-check does it)")
    axe_source = AXE.read_text()
    pages = _pages(site)
    assert "live/index.html" in pages, "the site has no live page"
    notebooks = [p for p in pages if p.startswith("notebooks/")]
    assert len(notebooks) >= 8, f"the site has {len(notebooks)} notebook pages"
    images_seen = 0
    for name in pages:
        current["url"] = name
        response = page.goto(server + name, wait_until="load")
        assert response is not None and response.ok, f"{name}: HTTP {response and response.status}"
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => e.src.startsWith(location.origin) && !(e.complete && e.naturalWidth > 0))"
                   ".map(e => e.src)")
        problems += [f"{name}: image did not load: {src}" for src in broken]
        page.evaluate(axe_source)  # axe-core, through the debugger (the live page's CSP allows no injected script)
        violations = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
        problems += [f"{name}: accessibility ({v['impact']}): {v['id']}: {v['help']} at {v['nodes'][0]['target']}"
                     for v in violations if v["impact"] in ("serious", "critical")]
        if name.startswith("notebooks/"):
            images_seen += page.eval_on_selector_all(  # plots in the cells' outputs
                ".cell_output img", "els => els.filter(e => e.naturalWidth > 0).length")
            no_alt = page.eval_on_selector_all(  # each figure says what it shows (the cell's mystnb.image.alt)
                ".cell_output img", "els => els.filter(e => (e.getAttribute('alt') || '').trim().length < 20).length")
            if no_alt:
                problems.append(f"{name}: {no_alt} figure(s) without an alt text (set the cell's metadata "
                                "mystnb.image.alt to what the figure shows)")
            badge = page.eval_on_selector_all("a[href*='colab.research.google.com/github/']", "els => els.length")
            assert badge >= 1, f"{name}: no Colab link"
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlparse(urljoin(server + name, href))
            if target.hostname == "127.0.0.1" and target.path.endswith(".html"):
                if not (site / target.path.lstrip("/")).is_file():
                    problems.append(f"{name}: broken internal link {href}")
    assert not problems, "\n".join(problems[:30])
    assert images_seen >= 8, f"only {images_seen} plots on the notebook pages: are the notebooks executed?"


MACHINE_PATH = re.compile(r"(?<![\w:/.\-])/(?:home|work|tmp|root|Users|var|opt|mnt|srv|private|content)/[\w.\-]+"
                          r"|\b[A-Za-z]:\\\\(?:Users|Windows)\b")


def machine_paths(html: str) -> list[str]:
    """Absolute paths of a machine in a page's text (not in its links: ``https://host/home/…`` is fine)."""
    text = re.sub(r"<[^>]+>", " ", html)  # the text a reader sees, not the attributes
    found = MACHINE_PATH.findall(text)
    if str(REPO_ROOT) in text:
        found.append(str(REPO_ROOT))
    return found


def test_the_path_check_finds_machine_paths_and_only_those():
    assert machine_paths("<p>Loaded cached arrays from /work/main/build/course/artifacts/a.npz</p>")
    assert machine_paths("<code>DATA_DIR = &quot;/home/ana/shared/data&quot;</code>")
    assert machine_paths(r"<p>C:\\Users\\ana\\course</p>")
    assert not machine_paths('<a href="https://example.org/home/page">artifacts/data/x.npz, ../shared/data, ~/.cache</a>')
    assert not machine_paths("<p>28/28 pixels; 1/24 chance; and/or</p>")


def test_no_page_shows_a_path_of_the_build_machine(site):
    problems = [f"{name}: {', '.join(sorted(set(machine_paths((site / name).read_text(encoding='utf-8')))))}"
                for name in _pages(site) if machine_paths((site / name).read_text(encoding="utf-8"))]
    assert not problems, "pages show paths of the machine that built them:\n" + "\n".join(problems)


def test_pages_show_the_lessons_not_the_runs(site):
    """No Colab setup cell or papermill's injected parameters on a page; each page's Going-deeper parts collapsed."""
    for name in [p for p in _pages(site) if p.startswith("notebooks/")]:
        html = (site / name).read_text(encoding="utf-8")
        assert "git clone" not in html, f"{name} shows the Colab setup cell"
        assert "injected-parameters" not in html and "Parameters injected" not in html, f"{name}: papermill's cell"
        assert '<details class="deeper">' in html, f"{name}: no collapsed Going-deeper part"
        assert "For the course&#x27;s automated runs" not in html and "For the course's automated runs" not in html, (
            f"{name} shows a checks cell")


def test_a_page_keeps_the_lesson_and_hides_the_plumbing_without_building_a_site():
    """tools.site.site_notebook on a small notebook: no browser, no Sphinx."""
    import nbformat

    from tools.site import site_notebook

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook(cells=[
        code('if "google.colab" in sys.modules:\n    !git clone https://github.com/x/y.git'),
        code('DATA_DIR = "/home/ana/data"', metadata={"tags": ["injected-parameters"]}),
        md("## The lesson\nCore prose."),
        md("## Going deeper: why\nOptional: skip it.\n\nThe depth.\n\n### A detail\nMore depth.",
           metadata={"tags": ["deeper"]}),
        code("x = 1", metadata={"tags": ["deeper"]}),
        code("# For the course's automated runs (learners: skip this cell): x\nassert x", metadata={"tags": ["checks"]}),
    ])
    page = site_notebook(notebook)
    tags = [cell.metadata.get("tags", []) for cell in page.cells]
    assert "remove-cell" in tags[0] and "remove-cell" in tags[1] and "remove-cell" in tags[5]
    assert "hide-cell" in tags[4] and tags[2] == []
    assert page.cells[2].source == "## The lesson\nCore prose."
    deeper = page.cells[3].source
    assert deeper.index("Optional: skip it.") < deeper.index("<details") < deeper.index("The depth.")
    assert deeper.count('<details class="deeper">') == 2 and "### A detail" in deeper
    assert deeper.index("### A detail") < deeper.index("More depth.")
    assert notebook.cells[3].source.startswith("## Going deeper: why\nOptional"), "the executed notebook is not changed"
