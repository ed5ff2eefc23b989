"""`make course`: execute every notebook at full settings, in order, with papermill.

Executed copies go to ``build/course/``, with

- ``results.json``: the run (date, machine, mode, data), each notebook's wall time and the
  headline figures it recorded with :func:`helpers.evaluate.record_result`;
- ``summary.md``: the same as tables.

``python -m tools.readme_results`` turns ``results.json`` into the README's results
tables, so the README shows what a run measured and nothing typed by hand.
The run uses its own artifacts folder (``build/course/artifacts``), so it retrains
everything from scratch and never touches the models a learner trained in ``artifacts/``.
A notebook that fails stops the run; the summary of what ran is still written, naming it, and
the command prints a few lines: the notebook, the cell, the notebook's own error message and
where the executed copy is (the kernel's own log lines go to ``kernel.log`` beside it).

    python -m tools.course [--data DIR] [--fast] [--only 04,05]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from helpers.config import REPO_ROOT
from tools.cli import CommandFailed, describe, run_command, stderr_to


def machine() -> dict:
    """CPU model, cores, Python and TensorFlow versions of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        tensorflow = version("tensorflow")
    except Exception:  # noqa: BLE001 - not installed: say so rather than fail the summary
        tensorflow = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "tensorflow": tensorflow,
            "os": platform.platform()}


def format_value(key: str, value) -> str:
    """A recorded figure as the README shows it: accuracies as percentages, counts with separators."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float) and "accuracy" in key.lower() and 0.0 <= value <= 1.0:
        return f"{100 * value:.2f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def summary_markdown(report: dict) -> str:
    """``summary.md``: the run, the wall time per notebook, and every recorded figure."""
    run, m = report["run"], report["run"]["machine"]
    lines = [
        f"# Course run of {run['date']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), Python {m['python']}, TensorFlow {m['tensorflow']}. "
        f"Mode: {'fast (a code-path check, not a result)' if run['fast'] else 'full'}. Data: {run['data']}.",
        "",
        "| notebook | wall time | status |",
        "|---|---|---|",
        *[f"| {name} | {n['seconds']:.0f} s | {n['status']} |" for name, n in report["notebooks"].items()],
        f"| **total** | **{run['seconds']:.0f} s** | |",
        "",
        "| notebook | result | value |",
        "|---|---|---|",
        *[f"| {name} | {key} | {format_value(key, value)} |"
          for name, n in report["notebooks"].items() for key, value in n["results"].items()],
    ]
    return "\n".join(lines) + "\n"


def run_course(notebooks: list[Path], out: Path, *, fast: bool = False, data: str | None = None,
               keep_artifacts: bool = False, command: str = "python -m tools.course") -> dict:
    """Execute ``notebooks`` in order into ``out``; write and return the report (see the module docstring)."""
    import papermill

    out = Path(out).resolve()  # the kernels run in notebooks/: a relative folder would land there
    artifacts = out / "artifacts"
    if not keep_artifacts:
        shutil.rmtree(artifacts, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results_path.unlink(missing_ok=True)
    parameters = {"FAST": fast}
    if data:
        parameters["DATA_DIR"] = str(Path(data).resolve())
    saved_env = {key: os.environ.get(key) for key in ("COURSE_ARTIFACTS", "COURSE_BUILD", "MPLBACKEND", "COURSE_FAST")}
    os.environ.update(COURSE_ARTIFACTS=str(artifacts), COURSE_BUILD=str(out))  # record_result writes results.json here
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows the plots
    os.environ.pop("COURSE_FAST", None)  # the mode is the --fast flag, nothing else

    report = {
        "run": {"date": datetime.datetime.now().isoformat(timespec="seconds"), "fast": fast,
                "data": str(Path(data).resolve()) if data else "SIGN_MNIST_DIR / kagglehub",
                "command": command, "machine": machine(),
                "seconds": 0.0, "status": "passed"},
        "notebooks": {},
    }
    failure = None
    start_all = time.perf_counter()
    try:
        for notebook in notebooks:
            before = json.loads(results_path.read_text()) if results_path.is_file() else {}
            start = time.perf_counter()
            print(f"=== {notebook.name} ...", flush=True)
            status = "passed"
            try:
                with stderr_to(out / "kernel.log"):
                    papermill.execute_notebook(
                        str(notebook), str(out / notebook.name), parameters=parameters,
                        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False,
                    )
            except Exception as error:  # noqa: BLE001 - reported in the summary, then re-raised
                status, failure = f"FAILED: {getattr(error, 'ename', None) or type(error).__name__}", error
            seconds = time.perf_counter() - start
            after = json.loads(results_path.read_text()) if results_path.is_file() else {}
            recorded = {k: v for k, v in after.items() if k not in before or before[k] != v}
            report["notebooks"][notebook.name] = {"seconds": round(seconds, 1), "status": status, "results": recorded}
            print(f"=== {notebook.name} {status} in {seconds:.0f} s", flush=True)
            if failure is not None:
                report["run"]["status"] = f"failed in {notebook.name}"
                break
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    report["run"]["seconds"] = round(time.perf_counter() - start_all, 1)
    results_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "summary.md").write_text(summary_markdown(report))
    if failure is not None:
        raise failure
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Execute every notebook at full settings.")
    parser.add_argument("--data", help="folder with the two CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--fast", action="store_true", help="fast mode (what the tests run)")
    parser.add_argument("--only", help="comma-separated notebook numbers, e.g. 04,05")
    parser.add_argument("--keep-artifacts", action="store_true", help="reuse build/course/artifacts from a previous run")
    parser.add_argument("--out", default=str(REPO_ROOT / "build" / "course"), help="output folder (default: build/course)")
    parser.add_argument("--notebooks", default=str(REPO_ROOT / "notebooks"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    notebooks = sorted(Path(args.notebooks).glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        wanted = {n.strip().zfill(2) for n in args.only.split(",")}
        unknown = wanted - {n.name[:2] for n in notebooks}
        if unknown:
            parser.error(f"--only {args.only}: no notebook numbered {', '.join(sorted(unknown))}")
        notebooks = [n for n in notebooks if n.name[:2] in wanted]
    out = Path(args.out)
    command = " ".join(["python -m tools.course", *(sys.argv[1:] if argv is None else argv)])
    try:
        run_course(notebooks, out, fast=args.fast, data=args.data, keep_artifacts=args.keep_artifacts, command=command)
    except Exception as error:  # noqa: BLE001 - a notebook failed: say which, where and why, in a few lines
        raise CommandFailed(failure_report(error, out)) from None
    print((out / "summary.md").read_text())
    print(f"Wrote {out / 'results.json'} and {out / 'summary.md'}; "
          f"`python -m tools.readme_results` puts them in the README.")


def failure_report(error: BaseException, out: Path) -> str:
    """Where the run stopped and where to look, then the notebook's own error message (its "What to do" last)."""
    report = json.loads((out / "results.json").read_text()) if (out / "results.json").is_file() else {}
    failed = [name for name, n in report.get("notebooks", {}).items() if n["status"] != "passed"]
    where = failed[-1] if failed else "a notebook"
    cell = getattr(error, "exec_count", None)
    at = f" at cell [{cell}]" if cell is not None else ""
    return (f"{where} stopped{at}. The executed copy shows the error under its cell: {out / where if failed else out}\n"
            f"(what ran: {out / 'summary.md'}; the kernel's own log: {out / 'kernel.log'})\n{describe(error)}")


if __name__ == "__main__":
    run_command(main, "make course")
