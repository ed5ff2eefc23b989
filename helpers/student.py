"""`make student`: write the student edition of the course to ``build/student/``.

The student edition is the same notebooks with the answers taken out, for recall
practice (fastbook's ``clean/`` notebooks, nbgrader's solution markers):

- a code line ending in ``# ANSWER`` keeps its left-hand side: ``n = 3 * 3 + 1  # ANSWER``
  becomes ``n = ____  # your answer`` (a line without ``=`` becomes ``____``);
- the lines between ``# BEGIN ANSWER`` and ``# END ANSWER`` become one ``____`` line;
- ``<details>…</details>`` blocks (model answers to the prose questions) are removed;
- outputs are cleared.

``____`` is :data:`helpers.exercises.____`; ``qN.check()`` on it asks for an answer.

    python -m helpers.student [--out build/student]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

from helpers.config import REPO_ROOT

ANSWER_LINE = re.compile(r"^(?P<indent>\s*)(?P<body>.*?)\s*#\s*ANSWER\s*$")
ASSIGNMENT = re.compile(r"^(?P<target>[A-Za-z_][\w.\[\]'\", ]*?\s*(?:[-+*/@]?=))(?!=)")
BEGIN, END = re.compile(r"^\s*#\s*BEGIN ANSWER\s*$"), re.compile(r"^\s*#\s*END ANSWER\s*$")
DETAILS = re.compile(r"<details>.*?</details>\s*", re.DOTALL)
BLANK_IMPORT = "from helpers.exercises import ____  # the blanks you fill in"
BANNER = (
    "> **Student edition.** The answers are taken out: replace each `____` with your own code, run the cell, "
    "and `qN.check(...)` tells you whether you got it (`qN.hint()` helps). The full edition is in `notebooks/`."
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


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with answers blanked, model answers removed and outputs cleared."""
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.source = blank_code(cell.source)
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = DETAILS.sub("", cell.source)
    copy.cells.insert(1, nbformat.v4.new_markdown_cell(BANNER))
    return copy


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description="Write the student edition (answers blanked).")
    parser.add_argument("--out", default=str(REPO_ROOT / "build" / "student"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), out / path.name)
        print(f"wrote {out / path.name}")
    return out


if __name__ == "__main__":
    main()
