"""Course-wide constants: where things live, the letters, the GitHub repository.

Everything that more than one notebook needs to agree on is defined here once.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The GitHub repository that Colab clones. Change it here, then run
#: ``python -m tools.badges`` to rewrite the badge and clone URL in every notebook.
GITHUB_REPO = "sign-language-course/sign-language-mnist-cnn"
GITHUB_BRANCH = "main"

#: Kaggle handle, pinned to version 1 so every learner gets the same bytes.
KAGGLE_HANDLE = "datamunge/sign-language-mnist/versions/1"
TRAIN_CSV = "sign_mnist_train.csv"
TEST_CSV = "sign_mnist_test.csv"
#: Row counts of the published version 1 files (used to spot truncated downloads).
EXPECTED_ROWS = {TRAIN_CSV: 27455, TEST_CSV: 7172}
#: A file that marks a folder as the synthetic test fixture (exempt from the row counts).
FIXTURE_MARKER = "SYNTHETIC_FIXTURE.txt"

IMAGE_SIZE = 28
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
#: Labels run 0..24 for A..Y. J (9) and Z (25) need motion, so they never occur;
#: we keep 25 output units so that label ``k`` is simply unit ``k``.
NUM_CLASSES = 25
MISSING_LABELS = (9,)
VALID_LABELS = tuple(k for k in range(NUM_CLASSES) if k not in MISSING_LABELS)
LETTERS = tuple(chr(ord("A") + k) for k in range(NUM_CLASSES))  # index 9 is "J", never used

REPO_ROOT = Path(__file__).resolve().parent.parent


def fast_mode(fast: bool = False) -> bool:
    """``fast``, or True when the environment variable ``COURSE_FAST`` says so.

    ``COURSE_FAST=1`` (or ``true``/``yes``) turns fast mode on for every notebook, which is
    how the tests run them; ``0``/``false``/``no`` or unset leaves ``fast`` as it is.
    Anything else is an error rather than a silent full-length run.
    """
    value = os.environ.get("COURSE_FAST", "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return bool(fast)
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(
        f"COURSE_FAST={os.environ['COURSE_FAST']!r} is not understood: use COURSE_FAST=1 for fast mode "
        "or unset it (COURSE_FAST=0) for full settings."
    )


def artifacts_dir() -> Path:
    """Folder for cached arrays, trained models and histories (``COURSE_ARTIFACTS`` moves it)."""
    path = Path(os.environ.get("COURSE_ARTIFACTS", REPO_ROOT / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_dir() -> Path:
    """Folder for executed notebooks, benchmark results and screenshots (``COURSE_BUILD`` moves it)."""
    path = Path(os.environ.get("COURSE_BUILD", REPO_ROOT / "build"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def shown_path(path: str | Path) -> str:
    """A path as messages show it: relative to the course folder (``artifacts/…``, ``../shared/…``) or to
    your home (``~/…``), so that what a notebook prints is short and says nothing about the machine."""
    path = Path(path).resolve()
    relative = Path(os.path.relpath(path, REPO_ROOT))
    if relative.parts.count("..") <= 1:  # inside the course folder, or beside it (../shared/…)
        return str(relative)
    if path.is_relative_to(Path.home()):
        return str(Path("~") / path.relative_to(Path.home()))
    return str(relative) if relative.parts.count("..") <= 2 else str(path)


def colab_url(notebook_name: str, folder: str = "notebooks") -> str:
    """The "Open in Colab" address of ``<folder>/<notebook_name>`` (``student`` for the student edition)."""
    return (
        f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/"
        f"{GITHUB_BRANCH}/{folder}/{notebook_name}"
    )


def colab_badge_markdown(notebook_name: str) -> str:
    """The Markdown of the badge cell at the top of each notebook."""
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(notebook_name)})"
    )
