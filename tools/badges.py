"""Rewrite every notebook's Colab badge and clone URL from :data:`helpers.config.GITHUB_REPO`.

Run after forking or renaming the repository:

    python -m tools.badges
"""

from __future__ import annotations

import re

import nbformat

from helpers.config import GITHUB_REPO, REPO_ROOT, colab_badge_markdown
from tools.cli import run_command

CLONE_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+?\.git")


def main() -> None:
    for path in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells[1].source = colab_badge_markdown(path.name)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source = CLONE_URL.sub(f"https://github.com/{GITHUB_REPO}.git", cell.source)
        nbformat.write(notebook, path)
        print(f"{path.name}: badge and clone URL point at {GITHUB_REPO}")


if __name__ == "__main__":
    run_command(main, "python -m tools.badges")
