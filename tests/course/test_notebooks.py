"""The notebooks: their anatomy, committed clean, and each one executed on its own with papermill.

Every notebook runs in fast mode, in reverse order, with its own empty artifacts folder (and
its own build folder), so each must rebuild what an earlier notebook would have made, as a learner who
opens it alone in Colab would. The executed copies go to ``build/test-notebooks/``; they
must show no error, nothing on standard error (TensorFlow's C++ log lines, Python
warnings) and no failed checked exercise ("❌").
`make nbval` (a step of `.ci/run`) also runs them forward, top to bottom as saved, with nbval;
tests/tools/test_notebook_env.py proves that command fails when a notebook breaks.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers.config import GITHUB_REPO, colab_badge_markdown, colab_url
from tools.course_length import CHECKS, DEEPER, layer, stated_times
from tools.notebook_env import notebook_env

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The course's notebooks, in order; a notebook may be added at the end (numbered on).
REQUIRED = [
    "01_download.ipynb", "02_explore.ipynb", "03_preprocess.ipynb", "04_build_and_train.ipynb",
    "05_evaluate.ipynb", "06_improve.ipynb", "07_interpret.ipynb", "08_deploy.ipynb",
]
SECTIONS = ["## What you will learn", "## Exercises", "## Questionnaire", "## Summary", "## Under the hood"]


def check_numbering(names: list[str]) -> None:
    """Raise AssertionError unless ``names`` start with REQUIRED and are numbered 01, 02, ... without gaps."""
    assert names[: len(REQUIRED)] == REQUIRED, f"the course's notebooks are {REQUIRED}, found {names}"
    numbers = [int(name[:2]) for name in names]
    assert numbers == list(range(1, len(names) + 1)), f"notebooks must be numbered 01, 02, ... without gaps or repeats: {names}"
    for name in names:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name), f"{name}: use NN_lower_case_words.ipynb"


def test_notebooks_exist():
    check_numbering([p.name for p in NOTEBOOKS])
    stray = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p not in NOTEBOOKS]
    assert not stray, f"notebooks outside the numbered sequence: {stray}"


@pytest.mark.parametrize("names, message", [
    (REQUIRED[:5], "the course's notebooks"),
    (REQUIRED[:4] + REQUIRED[5:], "the course's notebooks"),
    (REQUIRED + ["10_extra.ipynb"], "without gaps"),
    (REQUIRED + ["08_again.ipynb"], "without gaps"),
    (REQUIRED + ["09_Hands.ipynb"], "NN_lower_case"),
])
def test_numbering_check_rejects_missing_gapped_and_misnamed_notebooks(names, message):
    with pytest.raises(AssertionError, match=message):
        check_numbering(names)
    check_numbering(REQUIRED + ["09_hands.ipynb"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, f"{path.name} has outputs"


def anatomy_problems(notebook, name: str) -> list[str]:
    """What in ``notebook`` departs from the course's notebook anatomy (empty: nothing)."""
    cells = notebook.cells
    problems = []

    def need(condition, message):
        if not condition:
            problems.append(message)

    number = name[:2]
    need(cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {number} · "),
         f"cell 0 is the title, '# {number} · Title'")
    need(cells[1].cell_type == "markdown" and cells[1].source.strip() == colab_badge_markdown(name),
         "cell 1 is the Colab badge only, pointing at this notebook (python -m tools.badges)")
    every_url = set(re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"]+",
                               "\n".join(c.source for c in cells)))
    need(every_url <= {colab_url(name)}, f"Colab links to other notebooks: {every_url - {colab_url(name)}}")

    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
    # The setup cell clones the course in Colab; notebooks that use TensorFlow also start it quietly there
    # (notebooks 01-02 never import it; the no-stderr check on executed notebooks catches any log noise).
    setup = [i for i, c in code if "git clone" in c.source]
    need(len(setup) == 1, f"exactly one setup cell (the one that clones the course in Colab), found {len(setup)}")
    if setup:
        source = cells[setup[0]].source
        need(f"https://github.com/{GITHUB_REPO}.git" in source, "the setup cell clones this repository")
        if "quiet_tensorflow()" in source:
            need("from helpers.quiet import quiet_tensorflow" in source, "the setup cell imports helpers.quiet")
        need(code[0][0] == setup[0], "the setup cell is the first code cell")
    quiet = [i for i, c in code if "quiet_tensorflow()" in c.source]
    need(quiet in ([], setup[:1]), "only the setup cell starts TensorFlow quietly")

    tagged = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    need(len(tagged) == 1, f"exactly one cell tagged 'parameters', found {len(tagged)}")
    if tagged:
        i = tagged[0]
        need(len(code) > 1 and code[1][0] == i, "the parameters cell follows the setup cell")
        try:
            tree = ast.parse(cells[i].source)
            assigned = {}
            for node in tree.body:
                need(isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                     and isinstance(node.value, ast.Constant), f"parameters: plain `NAME = literal` lines only, not {ast.unparse(node)!r}")
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    assigned[node.targets[0].id] = getattr(node.value, "value", None)
            need({"FAST", "DATA_DIR", "SEED"} <= set(assigned), f"parameters define FAST, DATA_DIR, SEED: {sorted(assigned)}")
            need(assigned.get("FAST") is False, "FAST = False in the committed notebook")
        except SyntaxError as error:
            problems.append(f"parameters cell: {error}")
        later = [c.source for j, c in code if j > i]
        need(bool(later) and "FAST = config.fast_mode(FAST)" in later[0],
             "the first code cell after the parameters says `FAST = config.fast_mode(FAST)`")

    headings = [line.strip() for c in cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    positions = []
    for section in SECTIONS:
        found = [k for k, h in enumerate(headings) if h == section]
        need(len(found) == 1, f"one {section!r} heading, found {len(found)}")
        positions.append(found[0] if found else -1)
    need(positions == sorted(positions), f"sections in the order {SECTIONS}")
    need(bool(headings) and headings[-1] == "## Under the hood", "'## Under the hood' is the last section")
    need(bool(headings) and headings[0] == "## What you will learn", "'## What you will learn' is the first section")

    questions = _section_text(cells, "## Questionnaire")
    n_questions = len(re.findall(r"^\s*\d+\.\s+\S", questions, flags=re.M))
    need(8 <= n_questions <= 15, f"the questionnaire has 8-15 numbered questions, found {n_questions}")

    code_text = "\n".join(c.source for _, c in code)
    need(len(re.findall(r"\bq\d+\.check\(", code_text)) >= 3, "at least three checked exercises (`qN.check(...)`)")
    need("assert " in code_text, "sanity-check cells with assert")
    need("inspect.getsource" not in code_text, "write taught code in the cell instead of printing it with inspect.getsource")
    text = "\n".join(c.source for c in cells).lower()
    for word in ("papermill", "nbval"):
        need(word not in text, f"the notebook mentions {word!r} (test machinery is not part of the lesson)")
    return problems + layer_problems(notebook)


GOING_DEEPER = re.compile(r"^## (Going deeper: \S.*|Under the hood)$")
MACHINERY = re.compile(r"record_result|FLOORS|accuracy_floor|validation_floor|is_fixture|fixture")
CHECKS_FIRST_LINE = "# For the course's automated runs (learners: skip this cell)"


def layer_problems(notebook) -> list[str]:
    """Departures from docs/notebook-conventions.md: Going-deeper blocks, checks cells, the stated time."""
    cells = notebook.cells
    problems = []
    if stated_times(notebook)[0] is None:
        problems.append("no '**Time:** about N minutes (core path); Going deeper: about M minutes more.' line")
    for index, cell in enumerate(cells):
        kind = layer(cell)
        first = cell.source.splitlines()[0] if cell.source.strip() else ""
        if kind == DEEPER and (index == 0 or layer(cells[index - 1]) != DEEPER):  # a Going-deeper block starts
            if cell.cell_type != "markdown" or not GOING_DEEPER.match(first):
                problems.append(f"cell {index}: a block of 'deeper' cells starts with '## Going deeper: <topic>' "
                                f"(or '## Under the hood'), not {first[:60]!r}")
            elif "optional" not in cell.source[:400].lower():
                problems.append(f"cell {index}: {first!r} says in its first sentences that it is optional")
        if kind != DEEPER and cell.cell_type == "markdown" and any(
                GOING_DEEPER.match(line) for line in cell.source.splitlines()):
            problems.append(f"cell {index}: a Going-deeper heading in a cell not tagged 'deeper'")
        if kind == CHECKS:
            if cell.cell_type == "code" and not first.startswith(CHECKS_FIRST_LINE):
                problems.append(f"cell {index}: a 'checks' cell's first line is {CHECKS_FIRST_LINE!r}…")
        elif MACHINERY.search(cell.source):
            problems.append(f"cell {index}: {MACHINERY.search(cell.source).group(0)!r} outside a cell tagged "
                            "'checks' (the course's machinery is not part of the lesson)")
    hood = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Under the hood")]
    if hood and any(layer(c) == "core" for c in cells[hood[0]:]):
        problems.append("'## Under the hood' and everything after it are tagged 'deeper' (or 'checks')")
    return problems


def _section_text(cells, heading: str) -> str:
    """Markdown from ``heading`` up to the next '## ' heading."""
    lines, inside = [], False
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("## "):
                inside = line.strip() == heading
            elif inside:
                lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_anatomy_and_badge_points_at_itself(path):
    problems = anatomy_problems(nbformat.read(path, as_version=4), path.name)
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


# Notebooks whose headline figures the README reports (`make course` -> results.json -> README).
RECORDS_RESULTS = {"01", "03", "04", "05", "06", "07", "08"}


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in RECORDS_RESULTS], ids=lambda p: p.name)
def test_notebook_records_its_headline_figures(path):
    """Its headline figures reach build/course/results.json and from there the README, never typed by hand."""
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert re.search(r"\brecord_result\(", code), (
        f"{path.name} records no headline figure: call evaluate.record_result(\"{path.name[:2]} ...\", value)")


def test_layer_check_catches_each_departure():
    def notebook(*cells):
        return nbformat.v4.new_notebook(cells=list(cells))

    def md(text, *tags):
        return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)})

    def code(text, *tags):
        return nbformat.v4.new_code_cell(text, metadata={"tags": list(tags)})

    timed = md("## What you will learn\n**Time:** about 20 minutes (core path); Going deeper: about 5 minutes more.")
    good = notebook(timed, code("x = 1"),
                    md("## Going deeper: why\nOptional: skip it.", DEEPER), code("y = x", DEEPER),
                    code(CHECKS_FIRST_LINE + ": x\nrecord_result('x', x)", CHECKS),
                    md("## Under the hood\nOptional reading.", DEEPER))
    assert layer_problems(good) == []
    for cells, fragment in [
        ([md("## What you will learn"), code("x = 1")], "Time:"),
        ([timed, code("y = 2", DEEPER)], "starts with '## Going deeper"),
        ([timed, md("## Going deeper: why\nRead this.", DEEPER)], "optional"),
        ([timed, md("## Going deeper: why\nOptional.")], "not tagged 'deeper'"),
        ([timed, code("record_result('x', 1)")], "outside a cell tagged 'checks'"),
        ([timed, code("if not is_fixture:\n    pass")], "'is_fixture'"),
        ([timed, code("record_result('x', 1)", CHECKS)], "first line"),
        ([timed, md("## Under the hood\nOptional.", DEEPER), md("More.")], "everything after it"),
    ]:
        assert fragment in " ".join(layer_problems(notebook(*cells))), fragment


def test_anatomy_check_catches_each_departure():
    """A well-formed notebook passes; each single departure is named."""
    good = _model_notebook()
    assert anatomy_problems(good, "04_x.ipynb") == []
    breaks = {
        "title": lambda nb: setattr(nb.cells[0], "source", "# Build and train"),
        "badge": lambda nb: setattr(nb.cells[1], "source", colab_badge_markdown("05_y.ipynb")),
        "setup cell": lambda nb: setattr(nb.cells[3], "source", nb.cells[3].source.replace("git clone", "git fetch")),
        "plain `NAME = literal`": lambda nb: setattr(nb.cells[4], "source", nb.cells[4].source + "\nEPOCHS = 3 if FAST else 10"),
        "config.fast_mode": lambda nb: setattr(nb.cells[5], "source", "FAST = FAST or os.environ.get('COURSE_FAST') == '1'"),
        "'## Questionnaire'": lambda nb: setattr(nb.cells[8], "source", "## Quiz\n" + nb.cells[8].source.split("\n", 1)[1]),
        "last section": lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell("## Appendix", metadata={"tags": [DEEPER]})),
        "8-15 numbered": lambda nb: setattr(nb.cells[8], "source", "## Questionnaire\n1. Why?"),
        "three checked": lambda nb: setattr(nb.cells[7], "source", "q1.check(x)\nq2.check(y)"),
        "'papermill'": lambda nb: nb.cells.insert(6, nbformat.v4.new_markdown_cell("papermill runs this in the tests")),
        "inspect.getsource": lambda nb: nb.cells.insert(6, nbformat.v4.new_code_cell("print(inspect.getsource(f))")),
    }
    for fragment, damage in breaks.items():
        notebook = _model_notebook()
        damage(notebook)
        problems = anatomy_problems(notebook, "04_x.ipynb")
        assert any(fragment in p for p in problems), f"breaking the {fragment} went unnoticed: {problems}"


def _model_notebook():
    """A minimal notebook with the course's anatomy."""
    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    parameters = new_code("FAST = False  # fast\nDATA_DIR = None\nSEED = 42")
    parameters.metadata["tags"] = ["parameters"]
    return nbformat.v4.new_notebook(cells=[
        new_md("# 04 · Build"),
        new_md(colab_badge_markdown("04_x.ipynb")),
        new_md("## What you will learn\n- things\n\n**Time:** about 20 minutes (core path)."),
        new_code(f"import os\n!git clone --quiet https://github.com/{GITHUB_REPO}.git /content/course\n"
                 "from helpers.quiet import quiet_tensorflow\nquiet_tensorflow()"),
        parameters,
        new_code("from helpers import config\nFAST = config.fast_mode(FAST)"),
        new_md("## Exercises\nThree."),
        new_code("assert 1 + 1 == 2  # arithmetic still works\nq1.check(a)\nq2.check(b)\nq3.check(c)"),
        new_md("## Questionnaire\n" + "\n".join(f"{k}. Question {k}?" for k in range(1, 9))),
        new_md("## Summary\nDone."),
        nbformat.v4.new_markdown_cell("## Under the hood\nOptional: caching.", metadata={"tags": [DEEPER]}),
    ])


def output_problems(notebook) -> list[str]:
    """Error outputs, anything written to standard error, and failed checked exercises."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            kind = output.get("output_type")
            if kind == "error":
                problems.append(f"cell {index}: error {output.get('ename')}: {output.get('evalue')}")
            elif kind == "stream" and output.get("name") == "stderr":
                problems.append(f"cell {index}: standard error: {str(output.get('text', ''))[:300]!r}")
            text = output.get("text", "") if kind == "stream" else "".join(
                str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
            if "❌" in text:
                line = next(line for line in text.splitlines() if "❌" in line)
                problems.append(f"cell {index}: a checked exercise failed: {line[:300]}")
    return problems


def test_output_check_catches_stderr_errors_and_failed_exercises():
    new_output = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("x")
    notebook = nbformat.v4.new_notebook(cells=[cell])
    cell.outputs = [new_output("stream", name="stdout", text="✅ Correct: 320\n"),
                    new_output("display_data", data={"text/plain": "<Figure>", "image/png": "iVBOR"})]
    assert output_problems(notebook) == []
    for bad, fragment in [
        (new_output("stream", name="stderr", text="E0000 cuInit failed\n"), "standard error"),
        (new_output("stream", name="stdout", text="❌ layer 3 is Dense but should be MaxPooling2D\n"), "exercise failed"),
        (new_output("display_data", data={"text/markdown": "❌ off by 32"}), "exercise failed"),
        (new_output("error", ename="ValueError", evalue="bad", traceback=[]), "error ValueError"),
    ]:
        cell.outputs = [bad]
        assert fragment in " ".join(output_problems(notebook)), fragment


@pytest.mark.notebooks
@pytest.mark.parametrize("path", list(reversed(NOTEBOOKS)), ids=lambda p: p.name)  # last first: nothing to lean on
def test_notebook_runs_alone_with_papermill(path, real_data_dir, monkeypatch, tmp_path):
    env = notebook_env(tmp_path / "env", real_data_dir)  # an empty artifacts and build folder for this notebook
    artifacts = Path(env["COURSE_ARTIFACTS"])
    assert not artifacts.exists() or not any(artifacts.iterdir())
    for key in set(os.environ) - set(env):  # e.g. MPLBACKEND=Agg would hide every plot
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if path.name.startswith("09_"):  # needs mediapipe, the landmarker bundle and the two photo sets
        from helpers.hand_photo_sets import unavailable_reason

        problem = unavailable_reason(need_photos=True)
        if problem and os.environ.get("CI"):
            pytest.fail(f"CI must run notebook 09, but {problem}", pytrace=False)
        if problem:
            pytest.skip(f"notebook 09 cannot run here: {problem} (CI runs it with ../shared beside the clone)")
    out_dir = ROOT / "build" / "test-notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = papermill.execute_notebook(
        str(path),
        str(out_dir / path.name),
        parameters={"FAST": True, "SEED": 42},
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    problems = output_problems(executed)
    assert not problems, f"{path.name} (executed copy in build/test-notebooks/):\n  " + "\n  ".join(problems)


def without_deeper_cells(notebook):
    """The core path alone: the notebook with every cell tagged 'deeper' removed."""
    core = nbformat.from_dict(notebook)
    core.cells = [cell for cell in notebook.cells if DEEPER not in cell.get("metadata", {}).get("tags", [])]
    return core


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_core_path_runs_without_the_deeper_cells(path, real_data_dir, monkeypatch, tmp_path):
    """A newcomer may skip every Going-deeper part: the core path alone runs top to bottom (fast mode)."""
    notebook = nbformat.read(path, as_version=4)
    if len(without_deeper_cells(notebook).cells) == len(notebook.cells):
        pytest.fail(f"{path.name} has no cell tagged 'deeper' (docs/notebook-conventions.md)", pytrace=False)
    env = notebook_env(tmp_path / "env", real_data_dir)
    for key in set(os.environ) - set(env):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if path.name.startswith("09_"):
        from helpers.hand_photo_sets import unavailable_reason

        problem = unavailable_reason(need_photos=False)
        if problem and os.environ.get("CI"):
            pytest.fail(f"CI must run notebook 09's core path, but {problem}", pytrace=False)
        if problem:
            pytest.skip(f"notebook 09 cannot run here: {problem}")
    out_dir = ROOT / "build" / "test-notebooks" / "core-path"
    out_dir.mkdir(parents=True, exist_ok=True)
    core_path = tmp_path / path.name
    nbformat.write(without_deeper_cells(notebook), core_path)
    executed = papermill.execute_notebook(str(core_path), str(out_dir / path.name), parameters={"FAST": True, "SEED": 42},
                                          cwd=str(path.parent), kernel_name="python3", progress_bar=False)
    problems = output_problems(executed)
    assert not problems, f"{path.name}, core path only (executed copy in {out_dir}):\n  " + "\n  ".join(problems)


@pytest.mark.notebooks
def test_notebook_09_runs_without_the_photos_from_the_shipped_landmarks(real_data_dir, monkeypatch, tmp_path):
    """A learner's clone: no ../shared (no photo sets), no network; only the hand landmarker bundle, given by path."""
    from helpers.hand_landmarks import SHARED

    bundle = os.environ.get("HAND_LANDMARKER_TASK") or str(SHARED / "models" / "hand_landmarker.task")
    try:
        import mediapipe  # noqa: F401
    except ImportError:
        pytest.skip("mediapipe is not installed")
    if not Path(bundle).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run notebook 09 without photos, but the bundle {bundle} is missing", pytrace=False)
        pytest.skip(f"no hand landmarker bundle at {bundle}")
    env = notebook_env(tmp_path / "env", real_data_dir)
    for variable in ("ASL_PHOTOS_SIGNERS", "ASL_PHOTOS_DEV", "ASL_PHOTOS_WEBCAM"):
        env.pop(variable, None)
    env.update(COURSE_SHARED_DIR=str(tmp_path / "no-shared"), HAND_LANDMARKER_TASK=bundle)
    for key in set(os.environ) - set(env):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = ROOT / "build" / "test-notebooks" / "09_your_hand_without_photos.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    path = ROOT / "notebooks" / "09_your_hand.ipynb"
    executed = papermill.execute_notebook(str(path), str(out), parameters={"FAST": True, "SEED": 42},
                                          cwd=str(path.parent), kernel_name="python3", progress_bar=False)
    problems = output_problems(executed)
    assert not problems, f"{path.name} without photos (executed copy {out}):\n  " + "\n  ".join(problems)
    said = json.dumps([cell.get("outputs", []) for cell in executed.cells])
    assert "The photos are not on this machine" in said
