"""What every command does with an error: a few lines that say what failed and what to do, then exit 1; and
where a study writes its record (:func:`write_record`).

A learner or instructor who runs ``make course`` offline should read the notebook's own
"What to do" message, not a Python traceback through papermill and the kernel's log lines.
``COURSE_TRACEBACK=1`` shows the full traceback for debugging.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path


class CommandFailed(RuntimeError):
    """An error already told in full by its message (no traceback would add to it)."""


def run_command(main: Callable[[], object], name: str) -> None:
    """Run a command's ``main()``; on an error print ``<name> failed: <error>`` and exit with status 1."""
    try:
        main()
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted.", file=sys.stderr)
        sys.exit(130)
    except CommandFailed as error:
        print(f"{name} failed: {error}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - every error ends in the same short report
        if os.environ.get("COURSE_TRACEBACK"):
            raise
        print(f"{name} failed (COURSE_TRACEBACK=1 shows where):\n{describe(error)}", file=sys.stderr)
        sys.exit(1)


def describe(error: BaseException) -> str:
    """``Type: message`` of an error; a notebook's error (papermill) is told as the notebook's own error."""
    ename, evalue = getattr(error, "ename", None), getattr(error, "evalue", None)
    if ename is not None:  # papermill.PapermillExecutionError: the kernel's exception, not papermill's
        return f"{ename}: {evalue}"
    return f"{type(error).__name__}: {error}"


@contextlib.contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """Send file descriptor 2 (this process's and its children's stderr) to ``log`` for the duration.

    A Jupyter kernel started by papermill inherits it, so its own log lines ("Kernel is running
    over TCP without encryption", "KeyboardInterrupt caught in kernel") go to the log, not the screen.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def write_record(name: str, record: dict, markdown: Callable[[dict], str], started: float) -> dict:
    """A study's record, with its date and its seconds since ``started`` (``time.perf_counter()``), as
    ``build/<name>.json``, and its Markdown as ``build/<name>.md``, which is also printed."""
    from helpers.config import build_dir

    record = {**record, "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "seconds": round(time.perf_counter() - started, 1)}
    out = build_dir() / f"{name}.json"
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    text = markdown(record)
    out.with_suffix(".md").write_text(text)
    print(text)
    return record
