"""`make nbval`'s command (tools/notebook_env.py + nbval) passes a notebook that runs and fails one that breaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


def nbval(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """The Makefile's nbval line, on ``folder`` (its own build folder: nothing lands in the repository)."""
    command = [sys.executable, str(ROOT / "tools" / "notebook_env.py"), "--workdir", str(tmp_path / "env"), "--",
               sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", str(folder)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.notebooks
def test_nbval_passes_a_working_notebook_and_fails_a_broken_one(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    cells = [nbformat.v4.new_code_cell("import os\nassert os.environ['COURSE_FAST'] == '1'\nx = 1"),
             nbformat.v4.new_code_cell("print(x + 1)")]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), folder / "01_works.ipynb")
    passed = nbval(folder, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), folder / "02_breaks.ipynb")
    failed = nbval(folder, tmp_path)
    assert failed.returncode != 0 and "broken on purpose" in failed.stdout, failed.stdout
