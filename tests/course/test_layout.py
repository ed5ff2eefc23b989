"""The folder tree shows the architecture: ``helpers`` (what learners import) and ``tools`` (the course's
commands), no import circle, no import from ``tools`` in ``helpers``, and package docstrings that list
every module in dependency order with the notebook that first uses it."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTED = re.compile(r"^- ``(\w+)``(?: \((\d\d)\))?: (.+)$", re.MULTILINE)


def modules(package: str) -> list[str]:
    """The modules (and subpackages) of a package folder, by name."""
    folder = ROOT / package
    return sorted([p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
                  + [p.name for p in folder.iterdir() if (p / "__init__.py").is_file()])


def listed(package: str) -> list[tuple[str, str | None, str]]:
    """``(module, notebook, description)`` of each line of the package docstring's list."""
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
    return LISTED.findall(doc)


def imported_modules(path: Path, package: str) -> set[str]:
    """The modules of ``package`` (e.g. helpers) that a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == package:
                found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith(package + ".")}
    return found


def files_of(package: str, module: str) -> list[Path]:
    folder = ROOT / package / module
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [ROOT / package / f"{module}.py"]


@pytest.mark.parametrize("package", ["helpers", "tools"])
def test_the_docstring_lists_every_module_once(package):
    names = [name for name, _, _ in listed(package)]
    assert sorted(names) == modules(package), (
        f"{package}/__init__.py lists {names}; the folder holds {modules(package)}: add or remove a line")
    assert len(set(names)) == len(names)


def test_helpers_import_only_helpers_listed_above_them_and_nothing_from_tools():
    """A module imports only modules above it in the list: the list is the dependency order, and no circle is possible."""
    order = [name for name, _, _ in listed("helpers")]
    for position, name in enumerate(order):
        for path in files_of("helpers", name):
            assert not imported_modules(path, "tools"), f"{path.relative_to(ROOT)} imports from tools"
            later = (imported_modules(path, "helpers") - {name}) - set(order[:position])
            assert not later, (f"{path.relative_to(ROOT)} imports {sorted(later)}, listed below {name} in "
                               "helpers/__init__.py: move the shared code down, or the line up")


def notebook_imports(notebook: Path) -> set[str]:
    """The helpers modules a notebook's code cells import (shell and magic lines left out)."""
    used = set()
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        code = "\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("!", "%"))
                         else line for line in lines)
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module == "helpers":
                used |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
                used.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                used |= {a.name.split(".")[1] for a in node.names if a.name.startswith("helpers.")}
    return used


def test_each_helpers_line_names_the_first_notebook_that_imports_it():
    first: dict[str, str] = {}
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for name in notebook_imports(notebook):
            first.setdefault(name, notebook.name[:2])
    stated = {name: number for name, number, _ in listed("helpers")}
    assert stated == {name: first.get(name, "") for name in stated}, "a notebook number in helpers/__init__.py is stale"


def test_every_tool_names_a_make_target_that_exists():
    makefile = (ROOT / "Makefile").read_text()
    for name, _, description in listed("tools"):
        if description.startswith("shared by the commands"):
            continue
        targets = re.findall(r"``make ([\w-]+)``", description)
        for target in targets:
            assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"tools.{name}: no `make {target}` in the Makefile"
        assert targets or f"python -m tools.{name}" in description, f"tools.{name}: say how it is run"
        runs = [f"-m tools.{name}", f"tools/{name}.py"]
        assert any(r in makefile for r in runs) or f"python -m tools.{name}" in description, (
            f"tools.{name}: no Makefile target runs it")


def test_every_python_dash_m_the_course_mentions_exists():
    """`python -m helpers.X` / `tools.X` in the README, the notebooks, the Makefile and the code names a runnable module."""
    places = [ROOT / "README.md", ROOT / "Makefile", *sorted((ROOT / "notebooks").glob("*.ipynb")),
              *sorted((ROOT / "helpers").rglob("*.py")), *sorted((ROOT / "tools").glob("*.py"))]
    for place in places:
        for package, name in re.findall(r"-m (helpers|tools)\.(\w+)", place.read_text()):
            module = ROOT / package / f"{name}.py"
            assert module.is_file() and '__name__ == "__main__"' in module.read_text(), (
                f"{place.relative_to(ROOT)} says `python -m {package}.{name}`, which is not a command")
