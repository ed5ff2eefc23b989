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

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def _lesson(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """The notebook's title and its first "What you will learn" bullet list."""
    title = notebook.cells[0].source.lstrip("# ").strip()
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## What you will learn"):
            bullets = [line[2:].strip() for line in cell.source.splitlines() if line.startswith("- ")]
            return title, "; ".join(bullets[:3])
    return title, ""


def landing_page(executed: list[Path], report: dict) -> str:
    """``index.md``: what you will learn, the notebooks with their times, how to run the course."""
    run = report.get("run", {})
    mode = "fast mode (a code-path check)" if run.get("fast") else "full settings"
    machine = run.get("machine", {})
    rows = []
    for path in executed:
        title, learn = _lesson(nbformat.read(path, as_version=4))
        seconds = report.get("notebooks", {}).get(path.name, {}).get("seconds")
        time = f"{seconds:.0f} s" if seconds is not None else "–"
        badge = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path.name)})"
        rows.append(f"| [{title}](notebooks/{path.stem}) | {learn} | {time} | {badge} |")
    toctree = "\n".join(f"notebooks/{path.stem}" for path in executed)
    return f"""# Image classification with CNNs: Sign Language MNIST

A hands-on course in numbered Jupyter notebooks: download a real data set, look at it, prepare it, build
and train a convolutional neural network with TensorFlow/Keras, evaluate it honestly, improve it, look
inside it, deploy it, and recognise letters on photos of your own hand.

These pages show every notebook **with its outputs**, as executed by `make course` on
{run.get('date', 'an unknown date')} ({mode}, {machine.get('cores', '?')} CPU cores, TensorFlow
{machine.get('tensorflow', '?')}). Read them here; to run and change the code, open a notebook in Colab or
locally.

| notebook | what you will learn | time in that run | run it |
|---|---|---|---|
{chr(10).join(rows)}

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
        text = path.read_text().replace(BADGE_IMAGE, "../_static/colab-badge.svg")
        (source / "notebooks" / path.name).write_text(text)
    (source / "index.md").write_text(landing_page(executed, report).replace(BADGE_IMAGE, "_static/colab-badge.svg"))
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(source), str(out)], check=True)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
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
