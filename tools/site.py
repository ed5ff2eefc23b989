"""`make site`: a static website of the course, read without running anything.

The pages are the notebooks that `make course` executed (``build/course/*.ipynb``), with
every output and plot, built by Sphinx with MyST-NB (pure Python, works offline, and
renders executed notebooks as they are). The landing page lists what each notebook
teaches and how long it took in that run, and says how to run the course locally or
in Colab. Output: ``build/site/index.html``.

    python -m tools.site [--course build/course] [--out build/site]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from helpers.config import REPO_ROOT, colab_url
from tools.cli import run_command
from tools.course_length import CHECKS, DEEPER, layer, notebook_length

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def _lesson(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """The notebook's title and its first three "What you will learn" bullets, each in full."""
    title = notebook.cells[0].source.lstrip("# ").strip()
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## What you will learn"):
            bullets: list[str] = []
            for line in cell.source.splitlines()[1:]:
                if line.startswith("- "):
                    bullets.append(line[2:].strip())
                elif bullets and line.startswith("  ") and line.strip():  # a bullet continued on the next line
                    bullets[-1] += " " + line.strip()
                elif bullets and not line.strip():
                    break
            return title, "; ".join(bullets[:3])
    return title, ""


def _details(text: str, summary: str) -> str:
    """Markdown inside a closed ``<details>``; headings stay outside it (a heading inside would break the page's
    sections), and so does the paragraph right after a heading (it says what the part is and that it is optional);
    each stretch of text between headings gets its own ``<details>``."""
    out, chunk = [], []
    lead = False  # the next paragraph is the one right after a heading

    def close():
        if any(line.strip() for line in chunk):
            out.extend([f'<details class="deeper"><summary>{summary}</summary>', "", *chunk, "", "</details>", ""])
        chunk.clear()

    for line in text.splitlines():
        if line.startswith("#"):
            close()
            out.extend([line, ""])
            lead = line.startswith("## ")  # a Going-deeper heading: its first paragraph stays in view
        elif lead:
            if line.strip():
                out.append(line)
            elif out and out[-1].strip():  # the lead paragraph ends
                out.append("")
                lead = False
        else:
            chunk.append(line)
    close()
    return "\n".join(out).strip() + "\n"


def site_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a page shows of an executed notebook: the lessons, not our runs.

    The Colab setup cell, papermill's injected parameters (paths of the machine that ran it) and the
    course's ``checks`` cells are left out; ``deeper`` parts are collapsed (prose in closed ``<details>``,
    code behind MyST-NB's toggle).
    """
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        setup = cell.cell_type == "code" and "git clone" in cell.source and "google.colab" in cell.source
        if setup or "injected-parameters" in tags or layer(cell) == CHECKS:
            tags.append("remove-cell")
        elif layer(cell) == DEEPER and cell.cell_type == "code":
            tags.append("hide-cell")
        elif layer(cell) == DEEPER:
            cell.source = _details(cell.source, "Going deeper (optional): show")
    return notebook


def landing_page(executed: list[Path], report: dict) -> str:
    """``index.md``: what you will learn, the notebooks with their times, how to run the course."""
    run = report.get("run", {})
    mode = "fast mode (a code-path check)" if run.get("fast") else "full settings"
    machine = run.get("machine", {})
    rows = []
    for path in executed:
        title, learn = _lesson(nbformat.read(path, as_version=4))
        seconds = report.get("notebooks", {}).get(path.name, {}).get("seconds")
        run_time = f"{seconds:.0f} s" if seconds is not None else "–"
        length = notebook_length(REPO_ROOT / "notebooks" / path.name)
        study = f"{length['core minutes'] or '?'} min" + (
            f" + {length['deeper minutes']} min" if length["deeper minutes"] else "")
        badge = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path.name)})"
        rows.append(f"| [{title}](notebooks/{path.stem}) | {learn} | {study} | {run_time} | {badge} |")
    lengths = [notebook_length(REPO_ROOT / "notebooks" / path.name) for path in executed]
    core_hours = sum(row["core minutes"] or 0 for row in lengths) / 60
    deeper_hours = sum(row["deeper minutes"] for row in lengths) / 60
    toctree = "\n".join(f"notebooks/{path.stem}" for path in executed)
    return f"""# Image classification with CNNs: Sign Language MNIST

A hands-on course in numbered Jupyter notebooks: download a real data set, look at it, prepare it, build
and train a convolutional neural network with TensorFlow/Keras, evaluate it honestly, improve it, look
inside it, deploy it, and recognise letters on photos of your own hand.

These pages show every notebook **with its outputs**, as executed by `make course` on
{run.get('date', 'an unknown date')} ({mode}, {machine.get('cores', '?')} CPU cores, TensorFlow
{machine.get('tensorflow', '?')}). Read them here; to run and change the code, open a notebook in Colab or
locally.

**Two layers.** The *core path* takes about {core_hours:.1f} hours of study: read it top to bottom, do the
exercises. The optional *Going deeper* parts (collapsed on these pages; marked in each notebook) add about
{deeper_hours:.1f} hours: statistics, timing, and how the course's choices were made. Skip them freely.

| notebook | what you will learn | study time: core + going deeper | running time in that run | run it |
|---|---|---|---|---|
{chr(10).join(rows)}

**Try it live:** <a href="live/index.html">the letter of your hand, from your camera, in this browser</a>. The
hand landmarker and notebook 09's classifier run on your device; the page may not connect to any other server.

## Run it yourself
- **In Google Colab:** click a notebook's *Open in Colab* badge. Its first cell fetches the course code.
- **On your machine:** `git clone` the repository, then `make lab` (creates the environment and opens
  JupyterLab) — or `make course` to execute every notebook end to end.
- **Practise without the answers:** `make student` writes the student edition (blanks instead of answers;
  `q1.check()` tells you when you got one right).

```{{toctree}}
:maxdepth: 1
:hidden:

{toctree}
```
"""


def build_live(course: Path, out: Path) -> Path:
    """The site's "Try it live" page, with the hand classifier notebook 09 trained in the course run."""
    from helpers import hands, live
    from helpers.quiet import quiet_tensorflow

    quiet_tensorflow()
    classifier = course / "artifacts" / "hands" / "hand_classifier.keras"
    if not classifier.is_file():
        raise SystemExit(f"make site: {classifier} is missing: notebook 09 saves it in the course run (make course).")
    if live.missing_files():
        raise SystemExit("make site: the live page's JavaScript is not installed: run `npm ci --prefix live`.")
    return live.build_live_page(out, hands.load_classifier(classifier))


def build_site(course: Path, out: Path) -> Path:
    """Build the website from the executed notebooks in ``course``; return ``out/index.html``."""
    notebooks = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    executed = [course / n.name for n in notebooks]
    missing = [p.name for p in executed if not p.is_file()]
    if missing:
        raise SystemExit(
            f"make site: {course} lacks the executed notebooks {', '.join(missing)}. "
            "Run `make course` first (add FAST=1 for a quick code-path run)."
        )
    report_path = course / "results.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    source = out.parent / f"{out.name}-source"
    shutil.rmtree(source, ignore_errors=True)
    (source / "notebooks").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "docs" / "conf.py", source / "conf.py")
    shutil.copytree(REPO_ROOT / "docs" / "_static", source / "_static")
    for path in executed:  # the badge image is served by the site itself, not fetched from Google
        page = site_notebook(nbformat.read(path, as_version=4))
        text = nbformat.writes(page).replace(BADGE_IMAGE, "../_static/colab-badge.svg")
        (source / "notebooks" / path.name).write_text(text)
    (source / "index.md").write_text(landing_page(executed, report).replace(BADGE_IMAGE, "_static/colab-badge.svg"))
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(source), str(out)], check=True)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
    build_live(course, out / "live")
    print(f"site: {out / 'index.html'}")
    return out / "index.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the course website from executed notebooks.")
    parser.add_argument("--course", default=str(REPO_ROOT / "build" / "course"))
    parser.add_argument("--out", default=str(REPO_ROOT / "build" / "site"))
    args = parser.parse_args(argv)
    build_site(Path(args.course), Path(args.out))


if __name__ == "__main__":
    run_command(main, "make site")
