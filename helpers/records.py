"""The course's recorded runs, as notebooks show them.

``make ablation`` (``tools.benchmark``) trains notebook 06's rows over several seeds and
writes ``build/ablation.json``; a copy of the course's own run is committed in
``results/ablation.json``. Notebook 06 shows that table with :func:`recorded_ablation`
and :func:`ablation_markdown`; the README shows the same table (``tools.readme_results``).
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.config import REPO_ROOT, build_dir


def pct(x: float) -> str:
    """An accuracy as a percentage with two decimals: 0.9876 → ``98.76%``."""
    return f"{100 * x:.2f}%"


def run_header(report: dict) -> str:
    """One line that says which run a table comes from: date, machine, mode, validation split, command."""
    m = report["machine"]
    return (
        f"{report.get('title', 'Benchmark')} of {report['date']} on {m['cores']} cores ({m['cpu']}), TensorFlow {m['tensorflow']}, "
        f"{'FAST MODE (fixture check, not a result)' if report['fast'] else 'real data, full settings'}; "
        f"validation: the {report.get('val_split', 'random')} split of the training set; command: `{report['command']}`"
    )


def ablation_markdown(report: dict) -> str:
    """Notebook 06's ablation over seeds: grouped validation (mean ± sd) first, test after."""
    from helpers.model import DESCRIPTIONS

    lines = [
        run_header(report), "",
        "| row | model | seeds | validation accuracy, mean ± sd (min–max) | change vs final recipe "
        "| test accuracy (trained on the training part only, for the record), mean ± sd | parameters "
        "| train time per seed, mean |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in report["summary"].items():
        v, t = s["val_accuracy"], s["test_accuracy"]
        change = f"{100 * s['val_change_vs_final']:+.2f} pt" if "val_change_vs_final" in s else "–"
        lines.append(
            f"| {DESCRIPTIONS.get(name, name)} | {name} | {len(s['seeds'])} | {pct(v['mean'])} ± {100 * v['sd']:.2f} "
            f"({pct(v['min'])}–{pct(v['max'])}) | {change} | {pct(t['mean'])} ± {100 * t['sd']:.2f} "
            f"| {s['params']:,} | {s['train_seconds_mean']:.0f} s |"
        )
    return "\n".join(lines) + "\n"


def recorded_ablation(fast: bool, data_key: str) -> tuple[dict, Path] | tuple[None, None]:
    """The 3-seed ablation for this data and mode: your own ``make ablation`` run first, then the course's.

    Looks in ``build/ablation.json`` (this run's build folder, then the repository's) and in the
    committed ``results/ablation.json``; returns ``(report, file)``, or ``(None, None)`` when no run
    matches ``fast``, the data (``data_key``, as ``data.model_inputs`` names it) and the rows of
    ``helpers.model.ABLATION`` (a run recorded for an earlier version of the recipe does not).
    """
    from helpers.model import ABLATION

    for path in (build_dir() / "ablation.json", REPO_ROOT / "build" / "ablation.json",
                 REPO_ROOT / "results" / "ablation.json"):
        report = json.loads(path.read_text()) if path.is_file() else None
        if report and report["fast"] == fast and all(same_data(r["data"], data_key) for r in report["runs"]):
            if set(report["summary"]) == set(ABLATION):  # a run of an earlier recipe has other rows: not this one
                return report, path
    return None, None


def same_data(recorded_key: str, data_key: str) -> bool:
    """Whether a recorded run's data key names the same data set and split as ``data_key``.

    A key is ``[fixture-]<fingerprint>-<split>``. The fingerprint (the files' sizes and modification times)
    differs between two copies of the pinned Kaggle files, so any copy of the real data matches another,
    the synthetic fixture only itself, and the split must be the same.
    """
    def parts(key: str) -> tuple[bool, str]:
        fixture = key.startswith("fixture-")
        return fixture, key.removeprefix("fixture-").partition("-")[2]

    return parts(recorded_key) == parts(data_key)


def recorded_split_study() -> tuple[dict, Path] | tuple[None, None]:
    """The study of validation splits against the test set (``python -m tools.split_study``): your own run
    (``build/splits.json``) first, then the course's (``results/splits.json``); ``(None, None)`` when neither exists.

    Its ``summary`` holds one row per model and split (random, grouped, signers) with the mean validation and
    test accuracy over the folds, the gap between them, and for the signers split the held-out signer's own
    test images (``test_accuracy_held_out_signer``).
    """
    for path in (build_dir() / "splits.json", REPO_ROOT / "build" / "splits.json", REPO_ROOT / "results" / "splits.json"):
        if path.is_file():
            report = json.loads(path.read_text())
            if not report.get("fast"):
                return report, path
    return None, None


def split_row(report: dict, model: str, split: str) -> dict | None:
    """One row of the split study's summary, or None when the study has no such row."""
    return next((row for row in report["summary"] if row["model"] == model and row["split"] == split), None)


def recorded_robustness_study() -> tuple[dict, Path] | tuple[None, None]:
    """The robustness study of notebook 06 (``make robustness``, ``tools/robustness_study.py``): your own run
    (``build/robustness_study.json``) first, then the course's (``results/robustness_study.json``); ``(None, None)``
    when neither exists."""
    for path in (build_dir() / "robustness_study.json", REPO_ROOT / "build" / "robustness_study.json",
                 REPO_ROOT / "results" / "robustness_study.json"):
        if path.is_file():
            report = json.loads(path.read_text())
            if not report.get("fast"):
                return report, path
    return None, None


def robustness_markdown(report: dict) -> str:
    """The robustness study's models side by side: grouped validation (clean, mean over the table's rows, worst
    row; means over the shortlist's seeds), then the refits' test accuracy (clean, worst row, noise), after the choice."""
    val_means = report["shortlist"].get("val_means", {})
    seeds = report["shortlist"].get("seeds", 1)
    lines = [
        "| model | validation: clean | validation: mean over the table | validation: worst row "
        "| test: clean | test: worst row | test: noise σ = 0.1 | train time per refit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in report["final"].items():
        val = val_means.get(name)
        test = {k: v["mean"] for k, v in row["test"].items()}
        worst_row = min((k for k in test if k != "original"), key=test.get)
        described = report["descriptions"].get(name, name) + (" **(chosen)**" if name == report["chosen"] else "")
        if val:
            worst_val = min(v for k, v in val.items() if k != "original")
            val_cells = f"{pct(val['original'])} | {pct(sum(val.values()) / len(val))} | {pct(worst_val)}"
        else:
            val_cells = "– | – | –"
        lines.append(f"| {described} | {val_cells} | {pct(test['original'])} | {pct(test[worst_row])} ({worst_row}) "
                     f"| {pct(test['Gaussian noise σ=0.1'])} | {row['train_seconds_mean']:.0f} s |")
    seeds_text = f"means over {len(next(iter(report['final'].values()))['seeds'])} seeds"
    return (f"Validation: grouped, {seeds} seeds per model (means); test: each model refit on all training images, "
            f"{seeds_text}. Chosen on validation only: **{report['chosen']}**, because {report['choice_reason']}.\n\n"
            + "\n".join(lines) + "\n")
