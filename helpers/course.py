"""`make course`: execute every notebook at full settings, in order, with papermill.

Executed copies go to ``build/course/``, with ``summary.md`` (wall time per notebook
and the headline results the notebooks recorded). The run uses its own artifacts
folder (``build/course/artifacts``), so it retrains everything from scratch and never
touches the models a learner trained in ``artifacts/``.

    python -m helpers.course [--data DIR] [--fast] [--only 04,05]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import time
from pathlib import Path

from helpers.config import REPO_ROOT


def main(argv: list[str] | None = None) -> None:
    import papermill

    parser = argparse.ArgumentParser(description="Execute every notebook at full settings.")
    parser.add_argument("--data", help="folder with the two CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--fast", action="store_true", help="fast mode (what the tests run)")
    parser.add_argument("--only", help="comma-separated notebook numbers, e.g. 04,05")
    parser.add_argument("--keep-artifacts", action="store_true", help="reuse build/course/artifacts from a previous run")
    args = parser.parse_args(argv)

    out = REPO_ROOT / "build" / "course"
    artifacts = out / "artifacts"
    if not args.keep_artifacts:
        shutil.rmtree(artifacts, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["COURSE_ARTIFACTS"] = str(artifacts)
    os.environ["COURSE_BUILD"] = str(out)
    os.environ.pop("MPLBACKEND", None)
    (out / "results.json").unlink(missing_ok=True)
    parameters = {"FAST": args.fast}
    if args.data:
        parameters["DATA_DIR"] = str(Path(args.data).resolve())

    notebooks = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [n for n in notebooks if n.name[:2] in args.only.split(",")]
    timings = []
    start_all = time.perf_counter()
    for notebook in notebooks:
        start = time.perf_counter()
        print(f"=== {notebook.name} ...", flush=True)
        papermill.execute_notebook(
            str(notebook), str(out / notebook.name), parameters=parameters,
            cwd=str(notebook.parent), kernel_name="python3", progress_bar=False,
        )
        seconds = time.perf_counter() - start
        timings.append((notebook.name, seconds))
        print(f"=== {notebook.name} done in {seconds:.0f} s", flush=True)
    total = time.perf_counter() - start_all

    results = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    lines = [
        f"# Course run of {datetime.datetime.now().isoformat(timespec='seconds')}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}. "
        f"Mode: {'fast' if args.fast else 'full'}. Data: {args.data or 'SIGN_MNIST_DIR / kagglehub'}.",
        "",
        "| notebook | wall time |", "|---|---|",
        *[f"| {name} | {seconds:.0f} s |" for name, seconds in timings],
        f"| **total** | **{total:.0f} s** |",
        "",
        "| result | value |", "|---|---|",
        *[f"| {key} | {value} |" for key, value in results.items()],
    ]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
