"""helpers.config: where things live, and how messages show a path."""

from __future__ import annotations

from pathlib import Path

from helpers.config import REPO_ROOT, shown_path


def test_shown_path_says_nothing_about_the_machine():
    assert shown_path(REPO_ROOT / "artifacts" / "arrays.npz") == str(Path("artifacts") / "arrays.npz")
    assert shown_path(REPO_ROOT.parent / "shared" / "data") == str(Path("..") / "shared" / "data")
    home_file = Path.home() / ".cache" / "kagglehub" / "x.csv"
    if not home_file.is_relative_to(REPO_ROOT.parent):
        assert shown_path(home_file) == str(Path("~") / ".cache" / "kagglehub" / "x.csv")
    assert not shown_path(REPO_ROOT / "build").startswith(str(REPO_ROOT))
