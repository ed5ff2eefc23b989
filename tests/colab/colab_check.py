"""`make colab-check`: run every notebook the way Google Colab would, from its Colab badge.

What it does, per notebook, in a Python 3.13 virtual environment holding Colab's package
versions (tests/colab/freeze.txt, built once and cached):

1. a fresh ``/content`` (``/content/course`` removed), working directory ``/content``;
2. a kernel that imports ``google.colab`` at start-up (a stand-in, tests/colab/stand_in);
3. the notebook's own setup cell runs for real: ``git clone`` of the course's GitHub URL
   is redirected to this checkout's committed HEAD (a git ``insteadOf`` setting), and its
   ``%pip install`` lines install into the Colab environment;
4. papermill runs it in fast mode on the real data, served through a kagglehub cache
   with Colab's kagglehub;
5. afterwards the environment is put back to Colab's state (packages a notebook installed
   are removed) so the next notebook starts as a new Colab session would; a notebook whose
   setup cell *changed* a package Colab had already imported (numpy, pandas, PIL …) fails,
   since in Colab that needs a runtime restart.

Any error fails the run and names the notebook. Python 3.13 comes from ``COLAB_PYTHON``,
``python3.13`` on the PATH, or pyenv; without one it says so and exits 2
(``--skip-missing`` exits 0 instead).

    python3 tests/colab/colab_check.py --data DIR [--only 04,05] [--keep-going]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FREEZE = HERE / "freeze.txt"
CONTENT = Path("/content")
IMPORTED_AT_START = {"numpy", "pandas", "pillow", "ipykernel", "ipython", "traitlets", "tornado",
                     "jupyter-client", "ipywidgets", "matplotlib", "protobuf"}


def find_python313() -> str | None:
    candidates = [os.environ.get("COLAB_PYTHON"), shutil.which("python3.13"),
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13))"],
                                   capture_output=True, text=True)
            if probe.stdout.strip() == "True":
                return candidate
    return None


def github_url() -> str:
    config = (ROOT / "helpers" / "config.py").read_text()
    repo = config.split('GITHUB_REPO = "', 1)[1].split('"', 1)[0]
    return f"https://github.com/{repo}.git"


def freeze(venv: Path) -> dict[str, str]:
    out = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                         capture_output=True, text=True, check=True).stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out)}


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a set-up command quietly; on failure show its last lines and stop."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print((result.stdout + result.stderr)[-4000:])
        raise SystemExit(f"colab-check: {' '.join(command[:6])} ... failed (exit {result.returncode})")
    return result


def build_env(python: str, cache: Path) -> Path:
    key = hashlib.sha256(FREEZE.read_bytes() + python.encode()).hexdigest()[:12]
    venv = cache / f"colab-venv-{key}"
    if (venv / ".ready").is_file():
        print(f"Colab environment: {venv} (cached)")
        return venv
    print(f"Building the Colab environment in {venv} (once; a few minutes) ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    _run([python, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, "-r", str(FREEZE)])
    # the runner, not part of Colab: papermill, kept from upgrading Colab's pins
    _run([*pip, "papermill==2.7.0", "-c", str(FREEZE)])
    site = next((venv / "lib").glob("python3.13/site-packages"))
    (site / "colab_stand_in.pth").write_text(str(HERE / "stand_in") + "\n")
    _run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix",
          "--name", "python3", "--display-name", "Python 3 (Colab stand-in)"])
    (venv / ".colab-freeze.json").write_text(json.dumps(freeze(venv)))
    (venv / ".ready").write_text("")
    return venv


def restore(venv: Path, baseline: dict[str, str]) -> list[str]:
    """Put the environment back to Colab's state; return packages Colab would have needed a restart for."""
    now = freeze(venv)
    changed = sorted(name for name in baseline if name in now and now[name] != baseline[name])
    added = sorted(set(now) - set(baseline))
    python = str(venv / "bin" / "python")
    if added:
        _run([python, "-m", "pip", "uninstall", "--quiet", "-y", *added])
    if changed:
        _run([python, "-m", "pip", "install", "--quiet", "--no-deps",
              *[f"{name}=={baseline[name]}" for name in changed]])
    return [f"{name} {baseline[name]} -> {now[name]}" for name in changed if name in IMPORTED_AT_START]


def seed_kagglehub_cache(cache: Path, data: Path) -> None:
    version_dir = cache / "datasets" / "datamunge" / "sign-language-mnist" / "versions" / "1"
    version_dir.mkdir(parents=True, exist_ok=True)
    for name in ("sign_mnist_train.csv", "sign_mnist_test.csv", "SYNTHETIC_FIXTURE.txt"):
        if not (data / name).exists():
            continue
        target = version_dir / name
        if not target.exists():
            target.symlink_to((data / name).resolve())
    (version_dir.parent.parent / "1.complete").write_text("")  # kagglehub: datasets/<owner>/<name>/<v>.complete


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every notebook as Google Colab would.")
    parser.add_argument("--data", required=True, help="folder with the two Sign Language MNIST CSVs")
    parser.add_argument("--only", help="comma-separated notebook numbers, e.g. 04,08")
    parser.add_argument("--skip-missing", action="store_true", help="exit 0 when Python 3.13 is missing")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/sign-mnist-course"))
    parser.add_argument("--out", default=str(ROOT / "build" / "colab-check"))
    args = parser.parse_args(argv)

    python = find_python313()
    if python is None:
        print("colab-check: no Python 3.13 found (set COLAB_PYTHON, or install python3.13, e.g. with pyenv).")
        return 0 if args.skip_missing else 2
    data = Path(args.data).resolve()
    if not (data / "sign_mnist_train.csv").is_file():
        print(f"colab-check: {data} does not hold sign_mnist_train.csv and sign_mnist_test.csv")
        return 2
    if subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "notebooks", "helpers"],
                      capture_output=True, text=True).stdout.strip():
        print("colab-check: note: Colab clones the committed HEAD; uncommitted changes in notebooks/ or helpers/ "
              "are not part of this run.")

    cache = Path(args.cache)
    venv = build_env(python, cache)
    baseline = json.loads((venv / ".colab-freeze.json").read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    seed_kagglehub_cache(work / "kagglehub", data)
    ipython_dir = work / "ipython"
    (ipython_dir / "profile_default" / "startup").mkdir(parents=True)
    (ipython_dir / "profile_default" / "startup" / "00-colab.py").write_text("import google.colab\n")

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COURSE_", "SIGN_MNIST", "VIRTUAL_ENV", "PYTHON", "MPLBACKEND", "TF_CPP",
                                  "JUPYTER", "KAGGLEHUB"))}
    env.update(
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
        IPYTHONDIR=str(ipython_dir),
        KAGGLEHUB_CACHE=str(work / "kagglehub"),
        KAGGLE_API_ENDPOINT="http://127.0.0.1:9",  # no Kaggle here: the pinned version must come from the cache
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.file://{ROOT}.insteadOf",
        GIT_CONFIG_VALUE_0=github_url(),
    )
    # notebook 09's landmarker bundle and photo sets: no network here, so the offline copies stand in for the
    # downloads (given by their variables, or the shared copies beside this checkout, as tools/notebook_env.py does)
    for name, shared in (("HAND_LANDMARKER_TASK", "models/hand_landmarker.task"),
                         ("ASL_PHOTOS_SIGNERS", "data/asl_photos_signers"), ("ASL_PHOTOS_DEV", "data/asl_photos_dev")):
        if name in os.environ:
            env[name] = os.environ[name]
        elif (ROOT.parent / "shared" / shared).exists():
            env[name] = str(ROOT.parent / "shared" / shared)

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [n for n in notebooks if n.name[:2] in args.only.split(",")]
    failures, rows = [], []
    hands_missing = [name for name in ("HAND_LANDMARKER_TASK", "ASL_PHOTOS_SIGNERS", "ASL_PHOTOS_DEV") if name not in env]
    for notebook in notebooks:
        if notebook.name.startswith("09_") and hands_missing:  # Colab downloads them; this machine cannot
            reason = f"no offline copy of {', '.join(hands_missing)} (set them, or put ../shared beside the checkout)"
            if os.environ.get("CI"):
                failures.append(notebook.name)
                rows.append((notebook.name, 0.0, f"FAILED: {reason}"))
            else:
                rows.append((notebook.name, 0.0, f"skipped: {reason}"))
            print(f"=== {notebook.name}: {rows[-1][2]}", flush=True)
            continue
        shutil.rmtree(CONTENT / "course", ignore_errors=True)
        CONTENT.mkdir(exist_ok=True)
        start = time.perf_counter()
        print(f"=== {notebook.name} (as in Colab) ...", flush=True)
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "papermill", str(notebook), str(out / notebook.name),
             "-p", "FAST", "True", "--cwd", str(CONTENT), "-k", "python3", "--no-progress-bar"],
            env=env, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - start
        problems = []
        if result.returncode != 0:
            problems.append("the notebook failed:\n" + (result.stderr or result.stdout)[-3000:])
        elif "❌" in (out / notebook.name).read_text():
            problems.append("a checked exercise printed ❌")
        restarts = restore(venv, baseline)
        if restarts:
            problems.append("its setup cell changed packages Colab has already imported (a runtime restart "
                            "would be needed): " + ", ".join(restarts))
        rows.append((notebook.name, seconds, "ok" if not problems else "FAILED"))
        print(f"=== {notebook.name}: {'ok' if not problems else 'FAILED'} in {seconds:.0f} s", flush=True)
        for problem in problems:
            print(problem)
        failures += [notebook.name] if problems else []
    shutil.rmtree(CONTENT / "course", ignore_errors=True)
    print("\n| notebook | time | result |\n|---|---|---|")
    for name, seconds, verdict in rows:
        print(f"| {name} | {seconds:.0f} s | {verdict} |")
    if failures:
        print(f"colab-check FAILED: {', '.join(failures)}")
        return 1
    ran = sum(verdict == "ok" for _, _, verdict in rows)
    skipped = len(rows) - ran
    print(f"colab-check passed: {ran} notebooks ran as in Colab (Python 3.13, {FREEZE.name} pins)"
          + (f"; {skipped} skipped (see the table)." if skipped else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
