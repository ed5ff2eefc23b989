"""The instructor's commands: `make course` (tools.course), the README's results (tools.readme_results)
and `python -m tools.badges`, each on small stand-ins so that the checks are cheap."""

from __future__ import annotations

import json
import subprocess
import sys
import os
from pathlib import Path

import nbformat
import pytest

from helpers import config
from tools import badges, course, readme_results
from tools.cli import run_command

ROOT = Path(__file__).resolve().parents[2]


def write_notebook(path: Path, *code: str) -> Path:
    parameters = nbformat.v4.new_code_cell("FAST = False\nDATA_DIR = None\nSEED = 42")
    parameters.metadata["tags"] = ["parameters"]
    cells = [nbformat.v4.new_markdown_cell(f"# {path.name[:2]} · Stand-in"), parameters]
    cells += [nbformat.v4.new_code_cell(source) for source in code]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
              "language_info": {"name": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), path)
    return path


@pytest.fixture
def two_notebooks(tmp_path) -> list[Path]:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    record = "from helpers.evaluate import record_result\nimport os\n"
    return [
        write_notebook(folder / "01_a.ipynb", record + 'record_result("01 rows validated", 27455)\n'
                       'record_result("01 fast", FAST)\nrecord_result("01 data", DATA_DIR)\n'
                       'record_result("01 artifacts", os.environ["COURSE_ARTIFACTS"])'),
        write_notebook(folder / "02_b.ipynb", record + 'record_result("02 baseline CNN test accuracy", 0.9149)'),
    ]


@pytest.mark.notebooks
def test_course_runs_in_order_and_files_each_figure_under_its_notebook(tmp_path, two_notebooks, monkeypatch):
    out = tmp_path / "course"
    (out / "artifacts").mkdir(parents=True)
    (out / "artifacts" / "stale_model.keras").write_text("from an earlier run")
    monkeypatch.setenv("COURSE_FAST", "1")  # the course's mode is its --fast flag, not the environment
    before = dict(os.environ)
    report = course.run_course(two_notebooks, out, fast=False, data=str(tmp_path))

    assert list(report["notebooks"]) == ["01_a.ipynb", "02_b.ipynb"]
    assert report["notebooks"]["01_a.ipynb"]["results"] == {
        "01 rows validated": 27455, "01 fast": False, "01 data": str(tmp_path.resolve()),
        "01 artifacts": str(out / "artifacts"),
    }
    assert report["notebooks"]["02_b.ipynb"]["results"] == {"02 baseline CNN test accuracy": 0.9149}
    assert report["run"]["status"] == "passed" and not report["run"]["fast"]
    assert all(n["status"] == "passed" and n["seconds"] > 0 for n in report["notebooks"].values())
    assert json.loads((out / "results.json").read_text()) == report
    assert (out / "01_a.ipynb").is_file() and (out / "02_b.ipynb").is_file()
    assert not (out / "artifacts" / "stale_model.keras").exists(), "each course run starts from scratch"
    summary = (out / "summary.md").read_text()
    assert "| 02_b.ipynb | 02 baseline CNN test accuracy | 91.49% |" in summary
    assert "| 01_a.ipynb | 01 rows validated | 27,455 |" in summary
    assert "Mode: full" in summary
    assert dict(os.environ) == before, "the course run restores the environment it changed"


@pytest.mark.notebooks
def test_course_stops_at_a_failing_notebook_and_still_says_what_ran(tmp_path, two_notebooks, capsys):
    folder = two_notebooks[0].parent
    write_notebook(folder / "02_b.ipynb", 'raise RuntimeError("broken on purpose")')
    write_notebook(folder / "03_c.ipynb", "print('never reached')")
    out = tmp_path / "course"
    with pytest.raises(SystemExit) as stopped:
        run_command(lambda: course.main(["--notebooks", str(folder), "--out", str(out)]), "make course")
    assert stopped.value.code == 1
    assert "RuntimeError: broken on purpose" in capsys.readouterr().err
    report = json.loads((out / "results.json").read_text())
    assert report["run"]["status"] == "failed in 02_b.ipynb"
    assert list(report["notebooks"]) == ["01_a.ipynb", "02_b.ipynb"]
    assert report["notebooks"]["02_b.ipynb"]["status"] == "FAILED: RuntimeError"
    assert report["notebooks"]["01_a.ipynb"]["results"]["01 rows validated"] == 27455
    assert "FAILED" in (out / "summary.md").read_text()


@pytest.mark.notebooks
def test_a_failing_notebook_is_told_in_a_few_lines_ending_with_its_own_what_to_do(tmp_path):
    """As `make course` offline: no traceback, no kernel log lines; which notebook, which cell (its execution count
    in the executed copy: the parameters cell, papermill's injected cell, then the two cells), where the copy is,
    and the notebook's own message last."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "01_download.ipynb", "x = 1",
                   'raise FileNotFoundError("Could not download the data set.\\nWhat to do: pass DATA_DIR.")')
    out = tmp_path / "course"
    run = subprocess.run([sys.executable, "-m", "tools.course", "--notebooks", str(folder), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    said = (run.stdout + run.stderr).strip().splitlines()
    assert run.returncode == 1, run.stderr
    assert len(said) <= 10, "\n".join(said)
    text = "\n".join(said)
    assert "Traceback" not in text and "IPKernelApp" not in text and "KeyboardInterrupt" not in text, text
    assert "01_download.ipynb stopped at cell [4]" in text and str(out / "01_download.ipynb") in text
    assert said[-2:] == ["FileNotFoundError: Could not download the data set.", "What to do: pass DATA_DIR."]
    assert "IPKernelApp" in (out / "kernel.log").read_text(), "the kernel's log is kept, out of the way"


def test_course_only_rejects_a_number_without_a_notebook(tmp_path, two_notebooks, capsys):
    with pytest.raises(SystemExit):
        course.main(["--notebooks", str(two_notebooks[0].parent), "--out", str(tmp_path / "o"), "--only", "1,7"])
    assert "no notebook numbered 07" in capsys.readouterr().err


@pytest.mark.parametrize("key, value, shown", [
    ("05 baseline CNN test accuracy", 0.9149, "91.49%"),
    ("08 int8 test accuracy", 1.0, "100.00%"),
    ("01 rows validated", 27455, "27,455"),
    ("07 closest pairs", "G/H, M/N", "G/H, M/N"),
    ("04 final loss", 0.123456, "0.1235"),
    ("06 flag", True, "True"),
])
def test_format_value(key, value, shown):
    assert course.format_value(key, value) == shown


# ---------------------------------------------------------------- README results
def course_report(fast: bool = False) -> dict:
    return {
        "run": {"date": "2026-11-27T12:00:00", "fast": fast, "data": "../shared/data/sign_mnist",
                "command": "python -m tools.course --data ../shared/data/sign_mnist", "status": "passed",
                "seconds": 730.4, "machine": {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.2", "tensorflow": "2.21.0"}},
        "notebooks": {
            "01_download.ipynb": {"seconds": 5.2, "status": "passed", "results": {"01 rows validated": 34627}},
            "05_evaluate.ipynb": {"seconds": 8.0, "status": "passed", "results": {"05 baseline CNN test accuracy": 0.9149}},
        },
    }


def test_readme_course_table_shows_every_recorded_figure():
    text = readme_results.render_course(course_report())
    assert "| 01 download | 5 s | 01 rows validated: **34,627** |" in text
    assert "| 05 evaluate | 8 s | 05 baseline CNN test accuracy: **91.49%** |" in text
    assert "| **total** | **730 s** |" in text and "full settings" in text
    assert "FAST MODE" in readme_results.render_course(course_report(fast=True))


def test_readme_course_table_puts_fast_mode_times_beside_the_full_ones():
    fast = course_report(fast=True)
    fast["notebooks"]["01_download.ipynb"]["seconds"] = 3.4
    del fast["notebooks"]["05_evaluate.ipynb"]
    text = readme_results.render_course(course_report(), fast)
    assert "| notebook | wall time | wall time, fast mode | headline results |" in text
    assert "| 01 download | 5 s | 3 s | 01 rows validated: **34,627** |" in text
    assert "| 05 evaluate | 8 s | – | 05 baseline CNN test accuracy: **91.49%** |" in text  # not in the fast run
    assert "results/course_fast.json" in text


def test_readme_results_match_the_recorded_runs():
    """The README's generated blocks are exactly what results/*.json render to: no hand-typed figure."""
    readme = (ROOT / "README.md").read_text()
    assert readme == readme_results.render(readme), (
        "README.md's results differ from results/*.json: run `make readme-results` (never edit those tables by hand)")


def test_a_hand_edit_in_the_readme_results_is_caught(tmp_path, monkeypatch):
    snapshots = tmp_path / "results"
    snapshots.mkdir()
    (snapshots / "course.json").write_text(json.dumps(course_report()))
    readme = tmp_path / "README.md"
    readme.write_text("# Course\n\n## Results\n" + "".join(
        f"{readme_results._begin(name)}\nold\n{readme_results._end(name)}\n\n" for name in readme_results.BLOCKS))
    monkeypatch.setattr(readme_results, "README", readme)
    monkeypatch.setattr(readme_results, "SNAPSHOTS", snapshots)
    assert readme_results.main(["--check"]) == 1
    assert readme_results.main([]) == 0
    assert "**91.49%**" in readme.read_text() and readme_results.main(["--check"]) == 0
    readme.write_text(readme.read_text().replace("91.49%", "99.49%"))  # a figure "improved" by hand
    assert readme_results.main(["--check"]) == 1


def test_readme_results_refuses_a_fast_run_and_foreign_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readme_results, "SNAPSHOTS", tmp_path / "results")
    fast = tmp_path / "fast.json"
    fast.write_text(json.dumps(course_report(fast=True)))
    with pytest.raises(SystemExit):
        readme_results.main(["--course", str(fast)])
    assert "fast-mode run" in capsys.readouterr().err
    foreign = tmp_path / "other.json"
    foreign.write_text(json.dumps({"05 test accuracy": 0.9}))
    with pytest.raises(SystemExit):
        readme_results.main(["--course", str(foreign)])
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps(course_report()))  # notebooks 01 and 05 only
    with pytest.raises(SystemExit):
        readme_results.main(["--course", str(partial)])
    assert "not a complete, passing run" in capsys.readouterr().err
    assert not (tmp_path / "results" / "course.json").exists()


def test_readme_needs_each_generated_block_once():
    with pytest.raises(ValueError, match="exactly one 'course' block"):
        readme_results.render("# README without generated blocks\n")


# ---------------------------------------------------------------- badges
def test_badges_point_every_notebook_at_a_fork(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        notebook = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(f"# {name[:2]} · A"),
            nbformat.v4.new_markdown_cell(config.colab_badge_markdown(name)),
            nbformat.v4.new_code_cell("!git clone --quiet https://github.com/sign-language-course/sign-language-mnist-cnn.git /content/course"),
            nbformat.v4.new_code_cell("print('https://github.com/keras-team/keras')  # not a clone URL"),
        ])
        nbformat.write(notebook, folder / name)
    (folder / "scratch.ipynb").write_text("not a notebook of the course")
    ids_before = [c.id for c in nbformat.read(folder / "01_a.ipynb", as_version=4).cells]
    monkeypatch.setattr(config, "GITHUB_REPO", "learner/my-fork")
    monkeypatch.setattr(badges, "GITHUB_REPO", "learner/my-fork")
    monkeypatch.setattr(badges, "REPO_ROOT", tmp_path)
    badges.main()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        cells = nbformat.read(folder / name, as_version=4).cells
        assert cells[1].source == (
            "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/learner/my-fork/blob/main/notebooks/{name})")
        assert "https://github.com/learner/my-fork.git /content/course" in cells[2].source
        assert "sign-language-course" not in cells[2].source
        assert cells[3].source == "print('https://github.com/keras-team/keras')  # not a clone URL"
    assert [c.id for c in nbformat.read(folder / "01_a.ipynb", as_version=4).cells] == ids_before
    assert (folder / "scratch.ipynb").read_text() == "not a notebook of the course"


def test_readme_ablation_block_shows_each_row_of_a_recorded_ablation():
    stats = lambda mean: {"mean": mean, "sd": 0.002, "min": mean - 0.002, "max": mean + 0.002}  # noqa: E731
    report = {
        "title": "Ablation", "date": "2026-11-27T20:00:00", "command": "python -m tools.benchmark --ablation --seeds 3",
        "fast": False, "val_split": "grouped", "runs": [],
        "machine": {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.7", "tensorflow": "2.21.0"},
        "summary": {
            "improved_cnn": {"seeds": [0, 1, 2], "val_accuracy": stats(0.9837), "test_accuracy": stats(0.9848),
                             "val_change_vs_final": 0.0, "params": 71145, "train_seconds_mean": 67.0},
            "improved_cnn_no_augmentation": {"seeds": [0, 1, 2], "val_accuracy": stats(0.9682),
                                             "test_accuracy": stats(0.9597), "val_change_vs_final": -0.0155,
                                             "params": 71145, "train_seconds_mean": 60.0},
        },
    }
    text = readme_results.render_ablation(report)
    assert "| final recipe | improved_cnn | 3 | 98.37% ± 0.20" in text
    assert "| without augmentation | improved_cnn_no_augmentation | 3 | 96.82% ± 0.20" in text and "-1.55 pt" in text
    assert "results/ablation.json" in text
    assert "No ablation recorded yet" in readme_results.render_ablation(None)


def test_readme_hands_block_shows_each_evaluation_of_a_recorded_hands_run():
    figures = lambda top1: {"photos": 456, "detection_rate": 0.892, "top1": top1, "top3": 0.697,  # noqa: E731
                            "top1_of_detected": 0.6, "seconds": 3.9}
    report = {
        "date": "2026-12-02T16:00:00", "command": "python -m tools.hands_report", "seed": 0, "epochs": 60,
        "batch_size": 256, "machine": "x86_64, 2 CPUs", "bundle": "hand_landmarker.task sha256 ca72b7a72459", "detection_ms_per_photo": 18.8,
        "evaluations": {
            "train 7 signers -> test dev photos": {"classifiers": {"keras": figures(0.568), "logistic": figures(0.517)}},
        },
    }
    text = readme_results.render_hands(report)
    assert "| train 7 signers -> test dev photos | keras | 456 | 89.2% | 56.8% | 69.7% |" in text
    assert "| train 7 signers -> test dev photos | logistic | 456 | 89.2% | 51.7% | 69.7% |" in text
    assert "`python -m tools.hands_report`, seed 0, 60 epochs, batch 256" in text and "results/hands.json" in text
    assert "No hands run recorded yet" in readme_results.render_hands(None)


def test_readme_live_block_splits_the_landmarkers_cost_when_measured():
    report = {"date": "2026-12-06T09:00:00", "command": "python -m tools.live benchmark", "camera": "fake camera",
              "settings": "numHands 1", "machine": {"cores": 2, "cpu": "AMD EPYC"}, "chromium": "150", "seconds": 20,
              "fps": 16.0, "detect_ms_median": 62.9, "classify_ms_median": 0.24}
    text = readme_results.render_live(report)
    assert "**16.0 frames per second**" in text and "no hand" not in text
    report["no_hand"] = {"fps": 29.5, "detect_ms_median": 31.0}
    assert "With no hand in the picture" in readme_results.render_live(report)
    assert "29.5 frames per second, hand landmarks 31.0 ms" in readme_results.render_live(report)
