"""`make length`: the words and stated times of the core path and the Going-deeper parts."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools.course_length import (CHECKS, DEEPER, MAX_CORE_WORDS, course_length, notebook_length, problems,
                                 stated_times, words)

ROOT = Path(__file__).resolve().parents[2]


def _notebook(tmp_path: Path, *cells) -> Path:
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=list(cells)), path)
    return path


def test_words_count_what_a_reader_reads():
    assert words("Scale the pixels, then reshape.") == 5
    assert words("See [the docs](https://example.org/a/very/long/url) now") == 4
    assert words("<!-- a note to authors --> Two words") == 2


def test_each_layer_is_counted_apart_and_the_time_line_is_read(tmp_path):
    md = nbformat.v4.new_markdown_cell
    path = _notebook(
        tmp_path,
        md("## What you will learn\n**Time:** about 20 minutes (core path); Going deeper: about 5 minutes more."),
        md("## Going deeper: why\nOptional: one two three.", metadata={"tags": [DEEPER]}),
        md("For the automated runs.", metadata={"tags": [CHECKS]}),
        nbformat.v4.new_code_cell("x = 1  # code is not prose"),
    )
    row = notebook_length(path)
    assert (row["core words"], row["deeper words"]) == (17, 8)  # headings count: a reader reads them
    assert (row["core minutes"], row["deeper minutes"]) == (20, 5)


def test_a_missing_time_or_a_long_core_path_is_a_problem(tmp_path):
    path = _notebook(tmp_path, nbformat.v4.new_markdown_cell("## What you will learn\nAbout twenty minutes."))
    assert stated_times(nbformat.read(path, as_version=4)) == (None, 0)
    row = notebook_length(path)
    assert "states no time" in " ".join(problems([row]))
    long = dict(row, **{"core words": MAX_CORE_WORDS + 1, "core minutes": 30})
    assert "over 12,000" in " ".join(problems([long]))
    assert problems([dict(long, **{"core words": 100})]) == []


@pytest.mark.parametrize("unused", [None])
def test_the_course_core_path_fits_an_afternoon_or_two(unused):
    """The issue's bound: at most about 12,000 words of core prose and about four hours of stated core time."""
    rows = course_length(ROOT / "notebooks")
    assert problems(rows) == []
    hours = sum(row["core minutes"] for row in rows) / 60
    assert 3.5 <= hours <= 4.5, f"the core path states {hours:.1f} hours"


def test_the_readme_states_each_notebooks_times_as_the_notebook_does():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in course_length(ROOT / "notebooks"):
        number = row["notebook"][:2]
        line = next((line for line in readme.splitlines() if line.startswith(f"| {number} |")), "")
        expected = f"{row['core minutes']} + {row['deeper minutes']} min"
        assert expected in line, f"README's row {number} should state '{expected}' (python -m tools.course_length)"
    totals = re.search(r"core path of about (\d+(?:\.\d)?) hours", readme)
    assert totals, "the README states the core path's hours ('core path of about N hours')"
    hours = sum(row["core minutes"] for row in course_length(ROOT / "notebooks")) / 60
    assert abs(float(totals.group(1)) - hours) < 0.05 + 1e-9
