"""`make student`: write the student edition of the course to ``student/``.

The student edition is the same notebooks with the answers taken out, for recall
practice (fastbook's ``clean/`` notebooks, nbgrader's solution markers):

- a code line ending in ``# ANSWER`` keeps its left-hand side: ``n = 3 * 3 + 1  # ANSWER``
  becomes ``n = ____  # your answer`` (a line without ``=`` becomes ``____``);
- the lines between ``# BEGIN ANSWER`` and ``# END ANSWER`` become one ``____`` line;
- ``<details>…</details>`` blocks (model answers to the prose questions) are removed;
- outputs are cleared.

``____`` is :data:`helpers.exercises.____`; ``qN.check()`` on it asks for an answer.

The edition is committed in ``student/`` (each notebook with its own Colab badge), so a
learner reaches it from GitHub or Colab without running anything; a test checks that it
is what this command writes from ``notebooks/``, so the two never drift.

    python -m tools.student [--out student]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from helpers.config import REPO_ROOT, colab_url
from tools.cli import run_command

ANSWER_LINE = re.compile(r"^(?P<indent>\s*)(?P<body>.*?)\s*#\s*ANSWER\s*$")
ASSIGNMENT = re.compile(r"^(?P<target>[A-Za-z_][\w.\[\]'\", ]*?\s*(?:[-+*/@]?=))(?!=)")
BEGIN, END = re.compile(r"^\s*#\s*BEGIN ANSWER\s*$"), re.compile(r"^\s*#\s*END ANSWER\s*$")
DETAILS = re.compile(r"<details>.*?</details>\s*", re.DOTALL)
BLANK_IMPORT = "from helpers.exercises import ____  # the blanks you fill in"
BANNER = (
    "> **Student edition.** The answers are taken out: replace each `____` with your own code, run the cell, "
    "and `qN.check(...)` tells you whether you got it (`qN.hint()` helps, `qN.solution()` shows one answer). "
    "The annotated edition with the answers is [{name}]({url})."
)


def blank_code(source: str) -> str:
    """The student version of one code cell (answers replaced by ``____``)."""
    out, inside = [], False
    for line in source.split("\n"):
        if BEGIN.match(line):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}____  # your code here")
            continue
        if END.match(line):
            if not inside:
                raise ValueError(f"'# END ANSWER' without '# BEGIN ANSWER' in:\n{source}")
            inside = False
            continue
        if inside:
            continue
        match = ANSWER_LINE.match(line)
        if match:
            body = match["body"]
            assignment = ASSIGNMENT.match(body)
            line = (f"{match['indent']}{assignment['target']} ____  # your answer" if assignment
                    else f"{match['indent']}____  # your answer")
        out.append(line)
    if inside:
        raise ValueError(f"'# BEGIN ANSWER' without '# END ANSWER' in:\n{source}")
    result = "\n".join(out)
    if "from helpers.exercises." in result and BLANK_IMPORT not in result:
        result = re.sub(r"^(from helpers\.exercises\.\w+ import .*)$", rf"\1\n{BLANK_IMPORT}", result,
                        count=1, flags=re.MULTILINE)
    return result


def student_notebook(notebook: nbformat.NotebookNode, name: str = "") -> nbformat.NotebookNode:
    """A copy of ``notebook`` with answers blanked, model answers removed and outputs cleared.

    With the notebook's file ``name``, its Colab badge opens the student copy instead.
    """
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.source = blank_code(cell.source)
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = DETAILS.sub("", cell.source)
            if name:
                cell.source = cell.source.replace(colab_url(name), colab_url(name, folder="student"))
    banner = BANNER.format(name=f"notebooks/{name}" if name else "in notebooks/",
                           url=f"../notebooks/{name}" if name else "../notebooks")
    copy.cells.insert(1, nbformat.v4.new_markdown_cell(banner))
    for number, cell in enumerate(copy.cells):  # sequential ids, as nbstripout leaves committed notebooks
        cell.id = str(number)
    return copy


def write_edition(out: Path) -> list[Path]:
    """Write the student edition of every notebook into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        target = out / path.name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4), path.name), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description="Write the student edition (answers blanked).")
    parser.add_argument("--out", default=str(REPO_ROOT / "student"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    for target in write_edition(out):
        print(f"wrote {target}")
    return out


if __name__ == "__main__":
    run_command(main, "make student")
