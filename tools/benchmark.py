"""`make benchmark`: the baseline CNN vs the improved CNN, per seed; ``--ablation``: notebook 06's rows over seeds.

For each seed and model, in a fresh subprocess (so peak memory is that run's own):

1. **selection run**: train from scratch on the grouped training part (notebook 03) and
   measure its grouped-validation accuracy, training time and time-to-accuracy (seconds until
   the grouped-validation accuracy first comes within 0.1 point of its final value);
2. **refit**: train the same recipe again from the same seed, same epochs, its schedule sized
   for the larger set, on *all* training images (grouped train + grouped validation, no
   validation data, no early stopping) and read the test set once with it: the headline
   ``test_accuracy``. ``gap`` is the selection run's validation accuracy minus the refit's test
   accuracy. The selection run's own test accuracy is kept too, for the record
   (``test_accuracy_selection_model``).

The test set is made of near-copies too, so its accuracy has a sampling error that counts groups, not
images: ``test_accuracy_se`` is the group-bootstrap standard error (``helpers.evaluate.group_bootstrap_se``,
notebook 05) of the seeds' mean test accuracy, over the test file's groups of near-copies
(``helpers.groups.near_duplicate_groups``). More seeds do not shrink it: every seed reads the same test images.

Then parameters, peak resident memory, batch inference throughput (images/s at batch 256) and
single-image latency (``model.predict`` vs calling the model directly) of the refit model.
Results go to ``build/benchmark.json`` and ``build/benchmark.md``.

``--ablation`` trains notebook 06's table instead (the baseline CNN, the final recipe and its
leave-one-out rows, :data:`helpers.model.ABLATION`), selection runs only (no refit; its test
column is the selection run's, for the record), and writes each row's mean and spread over
the seeds to ``build/ablation.json`` and ``build/ablation.md``; notebook 06 shows that table.

    python -m tools.benchmark --data ../shared/data/sign_mnist --seeds 3
    python -m tools.benchmark --data ../shared/data/sign_mnist --seeds 3 --ablation
    python -m tools.benchmark --fast   # the fixture, one short epoch: checks the code path
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tools.course import machine as course_machine
from helpers.config import build_dir
from helpers.records import ablation_markdown, pct, run_header
from tools.cli import CommandFailed, run_command

#: the models compared (recipes and epochs: helpers.model.EPOCHS, as in notebooks 04 and 06)
RECIPES = ("baseline_cnn", "improved_cnn")
BATCH_SIZE = 128


def latency_ms(call, repeats: int = 50) -> float:
    """Median wall time of ``call()`` in milliseconds, after two warm-up calls."""
    call(), call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def time_to_accuracy(val_curve: list[float], train_seconds: float, within: float = 0.001) -> float:
    """Seconds until validation accuracy first comes within ``within`` of its final value.

    Epochs are taken to last equally long (``train_seconds / epochs``), so the answer is
    (the first such epoch, counted from 1) × seconds per epoch.
    """
    final = val_curve[-1]
    first = next(i for i, v in enumerate(val_curve) if v >= final - within)
    return round((first + 1) * train_seconds / len(val_curve), 1)


def run_one(name: str, seed: int, data_dir: str | None, fast: bool, out: Path, refit: bool = True) -> None:
    """Train and measure one (model, seed): selection run, then (``refit``) the refit; write JSON to ``out``."""
    from helpers.quiet import quiet_tensorflow

    quiet_tensorflow()  # no C++ log lines from the child process, even when run without `make`
    from helpers import data, evaluate, robustness, train
    from helpers import model as model_lib

    train.set_seed(seed)
    prepared = data.prepared_data(data_dir, seed=42, verbose=False, split="grouped")  # one split for every seed
    inputs = data.model_inputs(prepared, fast=fast, seed=42)
    epochs = 1 if fast else model_lib.EPOCHS[name]
    model = model_lib.build(name, total_steps=model_lib.steps_for(len(inputs["x_train"]), epochs, BATCH_SIZE))
    folder = train.run_dir(f"benchmark_{name}", prepared["key"], fast, seed)
    info = train.fit(model, inputs["x_train"], inputs["y_train"], inputs["x_val"], inputs["y_val"],
                     folder, epochs, BATCH_SIZE, verbose=0)
    val_curve = train.load_history(folder)["val_accuracy"].tolist()
    val_acc = evaluate.accuracy(inputs["y_val"].argmax(1), evaluate.predict_labels(model, inputs["x_val"]))
    x_test, y_test = inputs["x_test"], inputs["labels_test"]
    test_pred = evaluate.predict_labels(model, x_test)
    selection_test_acc = evaluate.accuracy(y_test, test_pred)  # for the record
    refit_info = None
    if refit:  # the chosen recipe on all training images: same seed and epochs, no validation data
        everything = train.training_and_validation(inputs)
        train.set_seed(seed)
        model = model_lib.build(name, total_steps=model_lib.steps_for(len(everything["x_train"]), epochs, BATCH_SIZE))
        refit_folder = train.run_dir(f"benchmark_{name}", prepared["key"] + train.REFIT_SUFFIX, fast, seed)
        refit_info = train.fit(model, everything["x_train"], everything["y_train"], None, None,
                               refit_folder, epochs, BATCH_SIZE, verbose=0)
        test_pred = evaluate.predict_labels(model, x_test)  # the test set, read once
    test_acc = evaluate.accuracy(y_test, test_pred)  # the headline: the refit's (the selection run's with no refit)
    # the headline model under every perturbation of notebook 06's table (fixed noise draw, seed 0)
    perturbed = robustness.robustness_table({name: model}, x_test, y_test, seed=0)[name]
    test_wrong = np.flatnonzero(test_pred != y_test)  # the headline model's mistakes
    model.predict(x_test[:512], batch_size=256, verbose=0)  # warm-up
    start = time.perf_counter()
    model.predict(x_test, batch_size=256, verbose=0)
    throughput = len(x_test) / (time.perf_counter() - start)
    one = x_test[:1]
    repeats = 5 if fast else 50  # fast mode checks the code path; its timings are not results
    result = {
        "model": name, "seed": seed, "epochs": epochs, "data": prepared["key"],
        "val_split": prepared.get("split", "random"), "val_images": int(len(inputs["x_val"])),
        "train_images": info["train_images"], "refit": refit,
        "refit_train_images": refit_info["train_images"] if refit else None,
        "refit_data": prepared["key"] + train.REFIT_SUFFIX if refit else None,
        "val_accuracy": round(val_acc, 5), "test_images": int(len(y_test)), "test_accuracy": round(test_acc, 5),
        "test_accuracy_selection_model": round(selection_test_acc, 5),
        "test_perturbed": {row: round(float(v), 5) for row, v in perturbed.items()},
        "test_wrong": test_wrong.tolist(),  # indices of the test images the headline model got wrong
        "gap": round(val_acc - test_acc, 5),
        "train_seconds": info["train_seconds_this_session"], "params": info["params"],
        "refit_train_seconds": refit_info["train_seconds_this_session"] if refit else None,
        "val_accuracy_per_epoch": [round(v, 5) for v in val_curve],
        "time_to_accuracy_seconds": time_to_accuracy(val_curve, info["train_seconds_this_session"]),
        "throughput_images_per_s_batch256": round(throughput, 1),
        "latency_ms_predict": round(latency_ms(lambda: model.predict(one, verbose=0), repeats=repeats), 2),
        "latency_ms_direct_call": round(latency_ms(lambda: model(one, training=False), repeats=repeats), 2),
        "resumed": info["resumed"],
    }
    out.write_text(json.dumps(result))


def measure_in_subprocess(name: str, seed: int, data_dir: str | None, fast: bool, refit: bool = True) -> dict:
    """Run :func:`run_one` in a child process and add its peak resident memory (MiB)."""
    out = build_dir() / f"benchmark_{name}_seed{seed}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "tools.benchmark", "--one", name, str(seed), "--out", str(out)]
    command += ["--fast"] if fast else []
    command += [] if refit else ["--no-refit"]
    command += ["--data", data_dir] if data_dir else []
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise CommandFailed(f"the run of {name}, seed {seed}, stopped (exit {os.waitstatus_to_exitcode(status)}); "
                            "its error is printed above.")
    result = json.loads(out.read_text())
    out.unlink()
    result["peak_memory_mib"] = round(usage.ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux
    return result


def _spread(values: list[float]) -> dict:
    """Mean, sample standard deviation (0 for one value), min and max, rounded."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": round(statistics.mean(values), 5), "sd": round(sd, 5),
            "min": round(min(values), 5), "max": round(max(values), 5)}


def groups_in_test_set(data_dir: str | None, fast: bool) -> list[int]:
    """Group ids of the test images the runs read (notebook 03's near-copy groups, built within each letter)."""
    from helpers import data
    from helpers.groups import near_duplicate_groups

    prepared = data.prepared_data(data_dir, seed=42, verbose=False, split="grouped")
    inputs = data.model_inputs(prepared, fast=fast, seed=42)
    return near_duplicate_groups(inputs["x_test"], inputs["labels_test"]).tolist()


def mean_test_accuracy_se(rows: list[dict], groups: list[int]) -> float:
    """Group-bootstrap standard error of the seeds' mean test accuracy (each image: its share of right seeds)."""
    from helpers.evaluate import group_bootstrap_se

    right = np.ones(len(groups))
    for r in rows:
        right[r["test_wrong"]] -= 1 / len(rows)
    return group_bootstrap_se(right, np.asarray(groups))[0]


def summarize(runs: list[dict], groups: list[int] | None = None) -> dict:
    """Per model (in the order first run): seeds, accuracies' mean and spread, times, sizes, speed.

    With ``groups`` (:func:`groups_in_test_set`) and runs that list their ``test_wrong`` images, also the test
    set's own standard error of the mean test accuracy (``test_accuracy_se``) and its number of groups.
    """
    summary = {}
    for name in dict.fromkeys(r["model"] for r in runs):
        rows = [r for r in runs if r["model"] == name]
        val, test = _spread([r["val_accuracy"] for r in rows]), _spread([r["test_accuracy"] for r in rows])
        summary[name] = {
            "seeds": [r["seed"] for r in rows],
            "val_accuracy": val, "test_accuracy": test,
            "gap_mean": round(statistics.mean(r["gap"] for r in rows), 5),
            "test_accuracy_mean": test["mean"], "test_accuracy_min": test["min"], "test_accuracy_max": test["max"],
            "refit": all(r.get("refit", False) for r in rows),
            "test_accuracy_selection_model_mean": round(statistics.mean(
                r.get("test_accuracy_selection_model", r["test_accuracy"]) for r in rows), 5),
            "val_accuracy_mean": val["mean"],
            "train_seconds_max": max(r["train_seconds"] for r in rows),
            "train_seconds_mean": round(statistics.mean(r["train_seconds"] for r in rows), 1),
            "refit_train_seconds_max": max((r.get("refit_train_seconds") or 0) for r in rows),
            "time_to_accuracy_seconds_mean": round(statistics.mean(r["time_to_accuracy_seconds"] for r in rows), 1),
            "params": rows[0]["params"],
            "peak_memory_mib_max": max(r["peak_memory_mib"] for r in rows),
            "throughput_images_per_s_batch256": round(statistics.median(r["throughput_images_per_s_batch256"] for r in rows), 1),
            "latency_ms_predict": round(statistics.median(r["latency_ms_predict"] for r in rows), 2),
            "latency_ms_direct_call": round(statistics.median(r["latency_ms_direct_call"] for r in rows), 2),
        }
        if all("test_perturbed" in r for r in rows):  # each perturbation's mean over seeds, and the worst of them
            means = {row: round(statistics.mean(r["test_perturbed"][row] for r in rows), 5)
                     for row in rows[0]["test_perturbed"]}
            worst = min((row for row in means if row != "original"), key=means.get)
            summary[name]["test_perturbed_mean"] = means
            summary[name]["worst_perturbation"] = {"row": worst, "mean": means[worst],
                                                   "per_seed": [r["test_perturbed"][worst] for r in rows]}
        if groups is not None and all("test_wrong" in r for r in rows):
            summary[name]["test_accuracy_se"] = round(mean_test_accuracy_se(rows, groups), 5)
            summary[name]["test_groups"] = len(set(groups))
    if "improved_cnn" in summary:  # what each row changes, against the final recipe, on grouped validation
        final = summary["improved_cnn"]["val_accuracy"]["mean"]
        for s in summary.values():
            s["val_change_vs_final"] = round(s["val_accuracy"]["mean"] - final, 5)
    return summary


REFIT_NOTE = (
    "Protocol: each recipe is trained on the grouped training part and scored on grouped validation (the "
    "selection run); then the same recipe (same seed and epochs, no validation data, no early stopping) is "
    "refit on all training images (grouped train + grouped validation) and reads the test set once: that is the "
    "test accuracy. Gap = selection run's validation − refit's test. \"selection run's test\" is for the record."
)
SE_NOTE = (
    "± SE: the test set's own sampling error of the mean, by group bootstrap over its {groups:,} groups of "
    "near-copies (notebook 05); it does not shrink with more seeds, since every seed reads the same test images."
)


def markdown(report: dict) -> str:
    """The benchmark table: per model, grouped validation (selection run) beside the refit's test, gap, time, size, speed."""
    refit = all(s.get("refit", False) for s in report["summary"].values())
    test = "test accuracy of the refit on train+val" if refit else "test accuracy"
    se_groups = [s["test_groups"] for s in report["summary"].values() if "test_groups" in s]
    lines = [
        run_header(report), "", *([REFIT_NOTE, ""] if refit else []),
        *([SE_NOTE.format(groups=se_groups[0]), ""] if se_groups else []),
        f"| model | seeds | validation accuracy mean (selection run) | {test}, mean{' ± SE' if se_groups else ''} "
        "(min–max) | worst perturbation of notebook 06's table, test, mean | gap (val − test) "
        "| selection run's test accuracy | train time per seed, max (mean) | time to accuracy | parameters | peak memory "
        "| throughput, batch 256 | latency 1 image: predict / direct call |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in report["summary"].items():
        t = s["test_accuracy"]
        selection = s.get("test_accuracy_selection_model_mean", t["mean"])
        refit_time = f" + refit {s['refit_train_seconds_max']:.0f} s" if s.get("refit_train_seconds_max") else ""
        se = f" ± {100 * s['test_accuracy_se']:.2f}" if "test_accuracy_se" in s else ""
        w = s.get("worst_perturbation")
        worst = f"{pct(w['mean'])} ({w['row']})" if w else "–"
        lines.append(
            f"| {name} | {len(s['seeds'])} | {pct(s['val_accuracy']['mean'])} | {pct(t['mean'])}{se} "
            f"({pct(t['min'])}–{pct(t['max'])}) | {worst} | {100 * s['gap_mean']:+.2f} pt | {pct(selection)} "
            f"| {s['train_seconds_max']:.0f} s ({s['train_seconds_mean']:.0f} s){refit_time} "
            f"| {s['time_to_accuracy_seconds_mean']:.0f} s "
            f"| {s['params']:,} | {s['peak_memory_mib_max']:.0f} MiB | {s['throughput_images_per_s_batch256']:,.0f} img/s "
            f"| {s['latency_ms_predict']:.1f} ms / {s['latency_ms_direct_call']:.1f} ms |"
        )
    perturbed = {name: s["test_perturbed_mean"] for name, s in report["summary"].items() if "test_perturbed_mean" in s}
    if perturbed:  # notebook 06's robustness table, test accuracy per perturbation, mean over seeds
        rows = list(next(iter(perturbed.values())))
        lines += ["", "Test accuracy under each perturbation of notebook 06's robustness table (mean over seeds; "
                  "the headline model of each seed, fixed noise draw):", "",
                  "| perturbation | " + " | ".join(perturbed) + " |", "|---|" + "---|" * len(perturbed)]
        lines += [f"| {row} | " + " | ".join(pct(means[row]) for means in perturbed.values()) + " |" for row in rows]
    lines += ["", "Per seed:", "",
              f"| model | seed | validation accuracy (selection run) | {test} | gap | selection run's test accuracy "
              "| train time (selection / refit) |",
              "|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        refit_seconds = f" / {r['refit_train_seconds']:.0f} s" if r.get("refit_train_seconds") is not None else ""
        lines.append(f"| {r['model']} | {r['seed']} | {pct(r['val_accuracy'])} | {pct(r['test_accuracy'])} "
                     f"| {100 * r['gap']:+.2f} pt | {pct(r.get('test_accuracy_selection_model', r['test_accuracy']))} "
                     f"| {r['train_seconds']:.0f} s{refit_seconds} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description="Baseline CNN vs improved CNN per seed, or notebook 06's ablation over seeds.")
    parser.add_argument("--data", help="folder with the two CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", help=f"comma-separated (default: {','.join(RECIPES)}; with --ablation: notebook 06's rows)")
    parser.add_argument("--ablation", action="store_true",
                        help="train notebook 06's rows over the seeds; write build/ablation.json and .md")
    parser.add_argument("--fast", action="store_true", help="one short epoch on a subset: a code-path check")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--no-refit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one[0], int(args.one[1]), args.data, args.fast, Path(args.out), refit=not args.no_refit)
        return None

    from helpers.model import ABLATION, EPOCHS

    models = args.models.split(",") if args.models else list(ABLATION if args.ablation else RECIPES)
    unknown = [m for m in models if m not in EPOCHS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {sorted(EPOCHS)}")
    runs = []
    for seed in range(args.seeds):
        for name in models:
            result = measure_in_subprocess(name, seed, args.data, args.fast, refit=not args.ablation)
            runs.append(result)
            if result["refit"]:
                said = (f"grouped validation accuracy {100 * result['val_accuracy']:.2f}% (selection run, trained in "
                        f"{result['train_seconds']:.0f} s); refit on train+val: test accuracy "
                        f"{100 * result['test_accuracy']:.2f}% (trained in {result['refit_train_seconds']:.0f} s), "
                        f"gap {100 * result['gap']:+.2f} pt; selection run's test accuracy "
                        f"{100 * result['test_accuracy_selection_model']:.2f}%")
            else:
                said = (f"grouped validation accuracy {100 * result['val_accuracy']:.2f}%, test accuracy "
                        f"{100 * result['test_accuracy']:.2f}% (no refit), trained in {result['train_seconds']:.0f} s")
            print(f"[{len(runs)}/{args.seeds * len(models)}] {name} seed {seed}: {said}, "
                  f"peak memory {result['peak_memory_mib']:.0f} MiB", flush=True)
    command = "python -m tools.benchmark " + " ".join(argv if argv is not None else sys.argv[1:])
    report = {
        "title": "Ablation" if args.ablation else "Benchmark",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": command.strip(), "fast": args.fast, "machine": course_machine(),
        "val_split": runs[0]["val_split"], "seeds": args.seeds, "refit": not args.ablation,
        "summary": summarize(runs, None if args.ablation else groups_in_test_set(args.data, args.fast)), "runs": runs,
    }
    out = build_dir()
    stem = "ablation" if args.ablation else "benchmark"
    text = ablation_markdown(report) if args.ablation else markdown(report)
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2))
    (out / f"{stem}.md").write_text(text)
    print(text)
    print(f"Wrote {out / (stem + '.json')} and {out / (stem + '.md')}")
    return report


if __name__ == "__main__":
    run_command(main, "make benchmark")
