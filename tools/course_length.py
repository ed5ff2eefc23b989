"""`make length`: how long the course is, core path and "Going deeper" apart.

Each notebook has two layers. The **core path** is what a newcomer reads, top to bottom; cells tagged
``deeper`` (a Jupyter cell tag) are the optional "Going deeper" parts, and cells tagged ``checks`` are
the course's own checks of a run, which a learner is told to skip. This command counts the words of
prose (markdown cells) in each layer and reads the times each notebook states in its "What you will
learn" cell, on a line of exactly this form::

    **Time:** about 25 minutes (core path); Going deeper: about 15 minutes more.

(the Going-deeper part may be left out where a notebook has none). It prints one row per notebook and
the totals, and fails when the core path is over ``--max-words`` (default 12,000) or a notebook states
no time.

    python -m tools.course_length [--max-words 12000] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import nbformat

from tools.cli import CommandFailed, run_command

ROOT = Path(__file__).resolve().parent.parent
DEEPER, CHECKS = "deeper", "checks"
MAX_CORE_WORDS = 12_000
TIME_LINE = re.compile(
    r"\*\*Time:\*\* about (\d+) minutes \(core path\)(?:; Going deeper: about (\d+) minutes more)?\.")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def layer(cell) -> str:
    """Which layer a cell belongs to: "checks", "deeper" or "core"."""
    cell_tags = tags(cell)
    return CHECKS if CHECKS in cell_tags else DEEPER if DEEPER in cell_tags else "core"


def words(text: str) -> int:
    """Words of prose, as a reader counts them: no HTML comments, no URLs of links."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [label](url) counts its label only
    return len(text.split())


def stated_times(notebook) -> tuple[int | None, int]:
    """(core minutes, deeper minutes) from the "**Time:**" line; (None, 0) if the notebook states none."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = TIME_LINE.search(cell.source)
            if found:
                return int(found.group(1)), int(found.group(2) or 0)
    return None, 0


def notebook_length(path: Path) -> dict:
    """Words of prose per layer and the stated times of one notebook."""
    notebook = nbformat.read(path, as_version=4)
    counts = {"core": 0, DEEPER: 0, CHECKS: 0}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            counts[layer(cell)] += words(cell.source)
    core_minutes, deeper_minutes = stated_times(notebook)
    return {"notebook": path.name, "core words": counts["core"], "deeper words": counts[DEEPER],
            "core minutes": core_minutes, "deeper minutes": deeper_minutes}


def course_length(folder: Path = ROOT / "notebooks") -> list[dict]:
    return [notebook_length(path) for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def table(rows: list[dict]) -> str:
    header = f"{'notebook':<28} {'core words':>10} {'deeper words':>12} {'core min':>9} {'deeper min':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        core_minutes = "?" if row["core minutes"] is None else row["core minutes"]
        lines.append(f"{row['notebook']:<28} {row['core words']:>10,} {row['deeper words']:>12,} "
                     f"{core_minutes:>9} {row['deeper minutes']:>10}")
    core_words = sum(r["core words"] for r in rows)
    deeper_words = sum(r["deeper words"] for r in rows)
    core_minutes = sum(r["core minutes"] or 0 for r in rows)
    deeper_minutes = sum(r["deeper minutes"] for r in rows)
    lines += ["-" * len(header),
              f"{'total':<28} {core_words:>10,} {deeper_words:>12,} {core_minutes:>9} {deeper_minutes:>10}",
              f"core path: {core_words:,} words, about {core_minutes / 60:.1f} hours; "
              f"Going deeper: {deeper_words:,} words, about {deeper_minutes / 60:.1f} hours more"]
    return "\n".join(lines)


def problems(rows: list[dict], max_words: int = MAX_CORE_WORDS) -> list[str]:
    found = [f"{r['notebook']} states no time: its 'What you will learn' cell needs a line "
             f"'**Time:** about N minutes (core path); Going deeper: about M minutes more.'"
             for r in rows if r["core minutes"] is None]
    core_words = sum(r["core words"] for r in rows)
    if core_words > max_words:
        found.append(f"the core path has {core_words:,} words of prose, over {max_words:,}: "
                     "shorten it or move depth into cells tagged 'deeper'")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Words and times of the course's core path and Going-deeper parts.")
    parser.add_argument("--max-words", type=int, default=MAX_CORE_WORDS)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = course_length()
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    found = problems(rows, args.max_words)
    if found:
        raise CommandFailed("\n".join(found))


if __name__ == "__main__":
    run_command(main, "make length")
