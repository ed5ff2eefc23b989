"""The student edition (`make student`): answers blanked, nothing leaked, the rest unchanged."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from tools.student import ANSWER_LINE, BEGIN, BLANK_IMPORT, END, blank_code, main, student_notebook, write_edition

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_answer_lines_and_blocks_become_blanks():
    source = (
        "from helpers.exercises.nb04 import q1\n"
        "n = 3 * 3 * 32 + 32  # ANSWER\n"
        "kernel[0, 1] = -1.5  # ANSWER\n"
        "model = keras.Sequential([\n"
        "    keras.Input((28, 28, 1)),\n"
        "    # BEGIN ANSWER\n"
        "    layers.Conv2D(32, 3),\n"
        "    # END ANSWER\n"
        "])\n"
        "q1.check(n)\n"
    )
    blanked = blank_code(source)
    assert "n = ____  # your answer" in blanked
    assert "kernel[0, 1] = ____  # your answer" in blanked
    assert "    ____  # your code here" in blanked
    assert "3 * 3 * 32" not in blanked and "Conv2D" not in blanked and "-1.5" not in blanked
    assert "from helpers.exercises import ____" in blanked and blanked.endswith("q1.check(n)\n")
    compile(blanked, "<student>", "exec")  # still valid Python


def test_unbalanced_markers_are_an_error():
    with pytest.raises(ValueError, match="without '# END ANSWER'"):
        blank_code("# BEGIN ANSWER\nx = 1\n")


def _answers(source: str) -> list[str]:
    """The answer texts of one code cell (right-hand sides and block lines)."""
    found, inside = [], False
    for line in source.split("\n"):
        if BEGIN.match(line) or END.match(line):
            inside = bool(BEGIN.match(line))
            continue
        match = ANSWER_LINE.match(line)
        if inside:
            found.append(line.strip())
        elif match:
            found.append(match["body"].split("=", 1)[-1].strip())
    return [text for text in found if len(text) > 2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_leaks_no_answer_and_keeps_the_lesson(path):
    full = nbformat.read(path, as_version=4)
    student = student_notebook(full)
    cells = student.cells[:1] + student.cells[2:]  # without the inserted banner
    assert len(cells) == len(full.cells)
    blanks = 0
    for original, copy in zip(full.cells, cells):
        if copy.cell_type == "markdown":
            assert "<details>" not in copy.source, f"{path.name}: a model answer is left in the student edition"
            continue
        assert not re.search(r"#\s*(BEGIN |END )?ANSWER", copy.source), f"{path.name}: an answer marker is left"
        for answer in _answers(original.source):
            assert answer not in copy.source, f"{path.name}: the answer {answer!r} leaked into the student edition"
        blanks += copy.source.replace(BLANK_IMPORT, "").count("____")
        if blanks == 0:  # up to the first blank, the student runs exactly what the tested full edition runs
            assert copy.source.replace(f"\n{BLANK_IMPORT}", "") == original.source
    assert blanks >= 3, f"{path.name}: the student edition has {blanks} blanks; each checked exercise needs one"


def test_make_student_writes_every_notebook(tmp_path):
    out = main(["--out", str(tmp_path)])
    assert sorted(p.name for p in out.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


def test_committed_student_edition_is_what_make_student_writes(tmp_path):
    """student/ is committed for learners on GitHub and Colab; it must match notebooks/ (run `make student`)."""
    fresh = {p.name: p.read_text() for p in write_edition(tmp_path)}
    committed = {p.name: p.read_text() for p in sorted((ROOT / "student").glob("*.ipynb"))}
    assert committed.keys() == fresh.keys(), "student/ lacks notebooks or has extra ones: run `make student`"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"student/ is out of date for {stale}: run `make student` and commit student/"


def test_student_badge_opens_the_student_copy():
    from helpers.config import colab_url

    path = NOTEBOOKS[0]
    student = student_notebook(nbformat.read(path, as_version=4), path.name)
    text = "\n".join(c.source for c in student.cells)
    assert colab_url(path.name, folder="student") in text and colab_url(path.name) not in text


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_runs_up_to_its_first_blank(path, tmp_path, real_data_dir, monkeypatch):
    """Execute the student notebook up to and including its first blank: that cell asks for the answer."""
    if os.environ.get("COURSE_STUDENT_RUN") != "1":
        pytest.skip("executes the student edition; set COURSE_STUDENT_RUN=1 (make student-check, CI)")
    import papermill

    from tools.notebook_env import notebook_env

    student = student_notebook(nbformat.read(path, as_version=4), path.name)
    first = next(i for i, c in enumerate(student.cells)
                 if c.cell_type == "code" and "____" in c.source.replace(BLANK_IMPORT, ""))
    student.cells = student.cells[: first + 1]
    source = tmp_path / path.name
    nbformat.write(student, source)
    for key, value in notebook_env(tmp_path / "env", real_data_dir).items():
        monkeypatch.setenv(key, value)
    try:
        papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), parameters={"FAST": True},
                                   cwd=str(path.parent), kernel_name="python3", progress_bar=False)
    except papermill.PapermillExecutionError as error:  # a blank inside a library call stops the run there
        # papermill counts its injected-parameters cell, so compare the failing cell's code, not its index
        assert error.source == student.cells[first].source, \
            f"{path.name}: the student edition failed before its first blank: {error}"
        return
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    text = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert "Replace every ____" in text, f"{path.name}: the first blank did not ask for an answer: {text!r}"
