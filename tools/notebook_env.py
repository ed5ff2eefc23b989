"""The environment the notebooks run in under test: fast mode, offline data, scratch artifacts.

Used by tests/course/test_notebooks.py (papermill) and, as a command, by `make nbval` (a step of `.ci/run`):

    python tools/notebook_env.py [--data DIR] -- pytest --nbval-lax notebooks

Without ``--data`` the notebooks get the generated fixture through a seeded kagglehub
cache, so the real ``kagglehub.dataset_download`` code path runs, offline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.fixture import seed_kagglehub_cache, write_fixture  # noqa: E402


def notebook_env(workdir: Path, data_dir: str | None = None) -> dict[str, str]:
    """Environment variables for a fast, offline notebook run with its own (emptied) artifacts and build folders."""
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    env = dict(os.environ)
    env.update(
        COURSE_FAST="1",
        COURSE_ARTIFACTS=str(workdir / "artifacts"),
        COURSE_BUILD=str(workdir / "build"),  # record_result() and friends write here, not into the repository
        TF_CPP_MIN_LOG_LEVEL="2",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        # no Kaggle API host is reachable in tests: fail fast instead of retrying
        KAGGLE_API_ENDPOINT="http://127.0.0.1:9",
    )
    env.pop("SIGN_MNIST_DIR", None)
    env.pop("MPLBACKEND", None)  # the kernel must use its inline backend, or no plot is shown
    # notebook 09's photo sets and hand landmarker bundle, offline: passed only where the shared copies exist
    for variable, shared in (("HAND_LANDMARKER_TASK", "models/hand_landmarker.task"),
                             ("ASL_PHOTOS_SIGNERS", "data/asl_photos_signers"), ("ASL_PHOTOS_DEV", "data/asl_photos_dev")):
        if variable not in env and (ROOT.parent / "shared" / shared).exists():
            env[variable] = str(ROOT.parent / "shared" / shared)
    if data_dir:
        env["SIGN_MNIST_DIR"] = str(Path(data_dir).resolve())
    else:
        fixture = write_fixture(workdir / "fixture")
        seed_kagglehub_cache(workdir / "kagglehub", fixture)
        env["KAGGLEHUB_CACHE"] = str(workdir / "kagglehub")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder with the real CSVs (default: the generated fixture)")
    parser.add_argument("--workdir", default=str(ROOT / "build" / "nbval"),
                        help="the run's own artifacts, build and fixture folder (emptied first; default build/nbval)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    env = notebook_env(Path(args.workdir), args.data)
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
