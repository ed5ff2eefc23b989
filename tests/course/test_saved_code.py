"""Code a notebook teaches and `helpers` keeps (d2l's ``#@save``) is the same code.

A notebook cell whose first line is ``#@save helpers/<module>.py`` is taught code that
later notebooks reuse through ``helpers``. Every function and class it defines must exist
in that module with the same code (compared as syntax trees; docstrings and comments may
differ), so the library never hides or drifts from what the learner read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SAVE = re.compile(r"^#@save (helpers/[\w/]+\.py)\s*$")


def _definitions(source: str) -> dict[str, str]:
    """Top-level functions and classes of ``source`` as normalised syntax-tree dumps."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for item in ast.walk(node):  # docstrings are free to differ
                body = getattr(item, "body", None)
                if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                        and isinstance(getattr(body[0], "value", None), ast.Constant)
                        and isinstance(body[0].value.value, str)):
                    item.body = body[1:] or [ast.Pass()]
            found[node.name] = ast.dump(node, annotate_fields=False, include_attributes=False)
    return found


def saved_cells():
    cells = []
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":
                match = SAVE.match(cell.source.splitlines()[0] if cell.source else "")
                if match:
                    cells.append(pytest.param(path, match.group(1), cell.source, id=f"{path.name}[{index}]"))
    return cells


@pytest.mark.parametrize("path,module,source", saved_cells())
def test_saved_cell_matches_helpers(path, module, source):
    taught = _definitions(source)
    assert taught, f"{path.name}: a #@save cell must define a function or class"
    target = ROOT / module
    assert target.is_file(), f"{path.name} saves to {module}, which does not exist"
    kept = _definitions(target.read_text())
    for name, tree in taught.items():
        assert name in kept, f"{path.name} teaches {name}() but {module} has no {name}"
        assert kept[name] == tree, f"{name}() in {path.name} and in {module} differ: copy the cell into {module}"


def test_the_comparison_sees_a_changed_line():
    a = "def f(x):\n    '''doc'''\n    return x + 1\n"
    assert _definitions(a) == _definitions("def f(x):\n    '''other doc'''\n    return x + 1  # a comment\n")
    assert _definitions(a) != _definitions("def f(x):\n    return x + 2\n")
