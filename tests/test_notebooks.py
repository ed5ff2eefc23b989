"""Execute every notebook headlessly with papermill in fast mode.

The notebooks run in *reverse* order with an empty artifacts folder, so each one must
rebuild what the earlier ones would have made (as in Colab, opened on its own).
`make check` also runs them forward with nbval (see the Makefile).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers.config import GITHUB_REPO, colab_url

from notebook_env import notebook_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    assert names[:5] == [
        "01_download.ipynb", "02_explore.ipynb", "03_preprocess.ipynb",
        "04_build_and_train.ipynb", "05_evaluate.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_anatomy_and_badge_points_at_itself(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    urls = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", cells[1].source)
    assert urls == [colab_url(path.name)], "the badge is its own cell and points at this notebook"
    every_url = re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"]+", path.read_text())
    assert set(every_url) == {colab_url(path.name)}
    assert f"https://github.com/{GITHUB_REPO}.git" in "".join(c.source for c in cells if c.cell_type == "code")
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and "FAST" in tagged[0].source and "SEED" in tagged[0].source
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for heading in ("## What you will learn", "## Summary", "## Exercises", "<details>"):
        assert heading in text, f"{path.name} lacks {heading!r}"
    assert any("assert " in c.source for c in cells if c.cell_type == "code"), "sanity-check cells"


@pytest.fixture(scope="module")
def papermill_env(tmp_path_factory, real_data_dir):
    return notebook_env(tmp_path_factory.mktemp("papermill"), real_data_dir)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", list(reversed(NOTEBOOKS)), ids=lambda p: p.name)
def test_notebook_runs_with_papermill(path, papermill_env, monkeypatch, tmp_path):
    for key in set(os.environ) - set(papermill_env):  # e.g. MPLBACKEND=Agg would hide every plot
        monkeypatch.delenv(key)
    for key, value in papermill_env.items():
        monkeypatch.setenv(key, value)
    out_dir = ROOT / "build" / "test-notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(path),
        str(out_dir / path.name),
        parameters={"FAST": True, "SEED": 42},
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
    )
