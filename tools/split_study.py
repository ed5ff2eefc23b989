"""Which validation split predicts the test accuracy: random, near-copy groups, or whole signers held out.

The test set of Sign Language MNIST was made from photos of *other people* than the training set. A
validation split should mimic that. This command trains the baseline CNN (notebook 04's recipe:
``helpers.model.build`` + ``helpers.train``, full data, full epochs, batch 128) once per fold of three splits
(``helpers.data.prepared_data``):

- ``random``: image by image, stratified (near-copies of one photo on both sides); fold k = seed k;
- ``grouped``: whole groups of near-copies held out (notebook 03); fold k = ``grouped_split(fold=k)``;
- ``signers``: whole signers held out (``helpers.groups.training_signers``; one of the 7 per fold).

Each run reads its validation part and the whole test set: ``gap = validation - test`` accuracy.

Standard errors. *Validation*: a group bootstrap over the near-copy groups of the validation part
(``helpers.evaluate.group_bootstrap_se``); for the signers split that is the groups *within* the held-out
signer: it ignores how much signers differ, which only the spread over folds shows (7 signers are too few
to bootstrap). *Test*: a group bootstrap over the test file's near-copy groups. A run's gap SE is the two
combined (independent images): ``sqrt(se_val² + se_test²)``. Over a split's folds: the mean gap, its SE
from the same parts (validation parts of different folds are disjoint; every fold reads the same test
images, so the test part is the bootstrap SE of the folds' mean test accuracy), and the folds' spread
(standard deviation, and sd/√n).

The test set holds other photos of the *same* 7 signers (``tools.signer_table`` reports it), so where the
signers' photos are here, a signers row also gives each fold's test accuracy on its held-out signer's test
images and on the others'.

Runs are written one by one to ``build/split_study_runs.jsonl`` (a rerun skips those done and loads finished
models); the summary goes to ``build/splits.json`` and ``build/splits.md``::

    python -m tools.split_study --data ../shared/data/sign_mnist --seeds 3 [--signer-folds 7] [--improved-folds 1]
    python -m tools.split_study --fast   # the fixture, one epoch: checks the code path
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import statistics
import time

import numpy as np

from helpers.config import build_dir
from tools.cli import CommandFailed, run_command

SPLITS = ("random", "grouped", "signers")
BATCH_SIZE = 128


def baseline_name() -> str:
    """The notebook 04 model's recipe name (``baseline_cnn``; ``seed_cnn`` in older versions of the course)."""
    from helpers import model as model_lib

    return "baseline_cnn" if "baseline_cnn" in model_lib.EPOCHS else "seed_cnn"


def prepared(data_dir: str | None, split: str, fold: int, raw: dict, groups: np.ndarray | None) -> dict:
    """The arrays of one fold: random varies its seed, grouped and signers their fold (seed 42)."""
    from helpers import data

    if split == "random":
        return data.prepared_data(data_dir, seed=fold, verbose=False, raw=raw, split="random", groups=groups)
    return data.prepared_data(data_dir, seed=42, verbose=False, raw=raw, split=split, groups=groups, fold=fold)


def run_one(name: str, split: str, fold: int, data_dir: str | None, fast: bool, raw: dict, groups: np.ndarray,
            test_groups: np.ndarray) -> dict:
    """Train (or load) one model on one fold; its validation and test accuracy, their SEs and the gap."""
    from helpers import data, evaluate, train
    from helpers import model as model_lib

    arrays = prepared(data_dir, split, fold, raw, groups)
    inputs = data.model_inputs(arrays, fast=fast, seed=42)
    val_groups = data.validation_groups(arrays, fast=fast, seed=42)
    epochs = 1 if fast else model_lib.EPOCHS[name]
    train.set_seed(fold)
    start = time.perf_counter()
    steps = model_lib.steps_for(len(inputs["x_train"]), epochs, BATCH_SIZE)
    folder = train.run_dir(f"split_study_{name}", arrays["key"], fast, fold)
    model, _, info = train.train_or_load(lambda: model_lib.build(name, total_steps=steps), inputs, folder, epochs,
                                         BATCH_SIZE, verbose=0)
    val_right = evaluate.predict_labels(model, inputs["x_val"]) == inputs["y_val"].argmax(1)
    test_pred = evaluate.predict_labels(model, inputs["x_test"])
    test_right = test_pred == inputs["labels_test"]
    se_val, val_group_count = evaluate.group_bootstrap_se(val_right.astype(float), val_groups)
    se_test, _ = evaluate.group_bootstrap_se(test_right.astype(float), test_groups)
    held_out = sorted(set(arrays["signers_val"].tolist())) if split == "signers" else None
    val_acc, test_acc = float(val_right.mean()), float(test_right.mean())
    return {
        "model": name, "split": split, "fold": fold, "seed": fold, "epochs": epochs, "data": arrays["key"],
        "held_out_signers": held_out, "train_images": int(len(inputs["x_train"])), "val_images": int(len(val_right)),
        "val_groups": int(val_group_count),
        "val_accuracy": round(val_acc, 5), "val_accuracy_se": round(se_val, 5),
        "test_accuracy": round(test_acc, 5), "test_accuracy_se": round(se_test, 5),
        "gap": round(val_acc - test_acc, 5), "gap_se": round(math.hypot(se_val, se_test), 5),
        "test_wrong": np.flatnonzero(~test_right).tolist(),
        "train_seconds": info.get("train_seconds_this_session"), "run_seconds": round(time.perf_counter() - start, 1),
    }


def held_out_signer_accuracy(run: dict, test_signers: np.ndarray) -> dict:
    """A signers run's test accuracy on the test images of its held-out signer(s), and on the others'."""
    right = np.ones(len(test_signers), dtype=bool)
    right[run["test_wrong"]] = False
    held_out = np.isin(test_signers, run["held_out_signers"])
    return {"test_accuracy_held_out_signer": round(float(right[held_out].mean()), 5),
            "test_images_held_out_signer": int(held_out.sum()),
            "test_accuracy_other_signers": round(float(right[~held_out].mean()), 5)}


def summarize(runs: list[dict], test_groups: np.ndarray, test_signers: np.ndarray | None = None) -> list[dict]:
    """One row per (model, split): mean val/test/gap over folds, the gap's SE (bootstrap parts) and spread.

    With ``test_signers`` (the signer of each test image's source photo), a signers row also tells the test
    accuracy on the held-out signers' test images and on the other signers' (mean over folds).
    """
    from helpers.evaluate import group_bootstrap_se

    rows = []
    for name, split in dict.fromkeys((r["model"], r["split"]) for r in runs):
        mine = [r for r in runs if r["model"] == name and r["split"] == split]
        n = len(mine)
        gaps = [r["gap"] for r in mine]
        right = np.ones(len(test_groups))  # each test image: its share of folds that got it right
        for r in mine:
            right[r["test_wrong"]] -= 1 / n
        se_test_mean = group_bootstrap_se(right, test_groups)[0]
        se_val_mean = math.sqrt(sum(r["val_accuracy_se"] ** 2 for r in mine)) / n  # disjoint validation parts
        sd_gap = statistics.stdev(gaps) if n > 1 else float("nan")
        rows.append({
            "model": name, "split": split, "folds": n, "seeds": [r["seed"] for r in mine],
            "held_out_signers": [r["held_out_signers"] for r in mine] if split == "signers" else None,
            "val_accuracy": round(statistics.mean(r["val_accuracy"] for r in mine), 5),
            "test_accuracy": round(statistics.mean(r["test_accuracy"] for r in mine), 5),
            "gap": round(statistics.mean(gaps), 5),
            "gap_se_bootstrap": round(math.hypot(se_val_mean, se_test_mean), 5),
            "gap_sd_over_folds": None if n < 2 else round(sd_gap, 5),
            "gap_se_over_folds": None if n < 2 else round(sd_gap / math.sqrt(n), 5),
            "abs_gap": round(abs(statistics.mean(gaps)), 5),
            "gaps": gaps, "val_accuracies": [r["val_accuracy"] for r in mine],
            "test_accuracies": [r["test_accuracy"] for r in mine],
            "run_seconds_total": round(sum(r["run_seconds"] for r in mine), 1),
        })
        if split == "signers" and test_signers is not None:
            by_signer = [held_out_signer_accuracy(r, test_signers) for r in mine]
            for key in ("test_accuracy_held_out_signer", "test_accuracy_other_signers"):
                rows[-1][key] = round(statistics.mean(b[key] for b in by_signer), 5)
                rows[-1][key + "_per_fold"] = [b[key] for b in by_signer]
            # does the signers split predict the accuracy on a new person (the held-out signer's test images)?
            person_gaps = [r["val_accuracy"] - b["test_accuracy_held_out_signer"] for r, b in zip(mine, by_signer)]
            rows[-1]["gap_to_held_out_signer_test"] = round(statistics.mean(person_gaps), 5)
            rows[-1]["gap_to_held_out_signer_test_sd_over_folds"] = (
                round(statistics.stdev(person_gaps), 5) if len(person_gaps) > 1 else None)
    return rows


def pct(value) -> str:
    return "–" if value is None else f"{100 * value:.2f}"


def markdown(summary: list[dict], header: str) -> str:
    """The table: per model and split, accuracies in percent."""
    lines = [header, "",
             "| model | split | folds | validation % | test % | gap (val − test), points | SE (bootstrap) | "
             "sd over folds | SE over folds | run time s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in summary:
        lines.append(f"| {r['model']} | {r['split']} | {r['folds']} | {pct(r['val_accuracy'])} | {pct(r['test_accuracy'])} "
                     f"| {100 * r['gap']:+.2f} | {pct(r['gap_se_bootstrap'])} | {pct(r['gap_sd_over_folds'])} "
                     f"| {pct(r['gap_se_over_folds'])} | {r['run_seconds_total']:.0f} |")
    return "\n".join(lines) + "\n"


def plan(seeds: int, signer_folds: int, improved_folds: int, baseline: str) -> list[tuple[str, str, int]]:
    """(model, split, fold) in the order they run: fold 0 of every split first, so a cut-short study still compares."""
    jobs = []
    for fold in range(max(seeds, signer_folds)):
        for split in ("signers", "grouped", "random"):
            if fold < (signer_folds if split == "signers" else seeds):
                jobs.append((baseline, split, fold))
    jobs += [("improved_cnn", split, fold) for fold in range(improved_folds) for split in ("signers", "grouped", "random")]
    return jobs


def main(argv: list[str] | None = None) -> None:
    from helpers import data
    from helpers.groups import near_duplicate_groups
    from helpers.quiet import quiet_tensorflow
    from helpers.hand_photo_sets import photo_folder
    from tools.course import machine
    from tools.signer_table import nearest_signers

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder of the Sign-MNIST CSVs (default: SIGN_MNIST_DIR or kagglehub)")
    parser.add_argument("--seeds", type=int, default=3, help="folds (random: seeds) of the random and grouped splits")
    parser.add_argument("--signer-folds", type=int, default=None, help="signers held out one by one (default: --seeds)")
    parser.add_argument("--improved-folds", type=int, default=0, help="also the improved CNN on this many folds per split")
    parser.add_argument("--fast", action="store_true", help="fast mode (few images, one epoch): checks the code path")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        raise CommandFailed("--seeds must be at least 1")
    quiet_tensorflow()

    signer_folds = args.seeds if args.signer_folds is None else args.signer_folds
    folder = data.locate_dataset(args.data)
    raw = data.load_dataset(folder)
    groups = data.training_groups(folder, raw["x_train"], raw["y_train"], verbose=False)
    inputs = data.model_inputs(prepared(args.data, "grouped", 0, raw, groups), fast=args.fast, seed=42)
    test_groups = near_duplicate_groups(inputs["x_test"], inputs["labels_test"])
    jobs = plan(args.seeds, signer_folds, args.improved_folds, baseline_name())

    log = build_dir() / ("split_study_runs_fast.jsonl" if args.fast else "split_study_runs.jsonl")
    runs = [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
    runs = [r for r in runs if (r["model"], r["split"], r["fold"]) in set(jobs)]
    done = {(r["model"], r["split"], r["fold"]) for r in runs}
    started = time.perf_counter()
    for name, split, fold in jobs:
        if (name, split, fold) in done:
            continue
        run = run_one(name, split, fold, args.data, args.fast, raw, groups, test_groups)
        runs.append(run)
        with open(log, "a") as handle:
            handle.write(json.dumps(run) + "\n")
        print(f"{name} {split} fold {fold}{' ' + str(run['held_out_signers']) if run['held_out_signers'] else ''}: "
              f"val {pct(run['val_accuracy'])}% ± {pct(run['val_accuracy_se'])}, test {pct(run['test_accuracy'])}% "
              f"± {pct(run['test_accuracy_se'])}, gap {100 * run['gap']:+.2f} ± {pct(run['gap_se'])} "
              f"({run['run_seconds']:.0f} s)", flush=True)

    test_signers = None  # the test images' signers, from their source photos where those are here
    photos = photo_folder("signers")
    if photos is not None and not args.fast and not data.is_fixture(folder):
        test_signers = nearest_signers(raw["x_test"], photos)["signer"]
    summary = summarize(runs, test_groups, test_signers)
    command = "python -m tools.split_study" + (f" --data {args.data}" if args.data else "") + f" --seeds {args.seeds}"
    command += f" --signer-folds {signer_folds}" if args.signer_folds is not None else ""
    command += f" --improved-folds {args.improved_folds}" if args.improved_folds else ""
    command += " --fast" if args.fast else ""
    record = {
        "title": "Validation splits vs the test set", "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": command, "machine": machine(), "fast": args.fast,
        "this_session_seconds": round(time.perf_counter() - started, 1),
        "runs_seconds_total": round(sum(r["run_seconds"] for r in runs), 1),  # every run, this session or earlier "test_images": int(len(test_groups)),
        "test_groups": int(len(np.unique(test_groups))),
        "se_method": ("validation: group bootstrap over the validation part's near-copy groups (for signers: groups "
                      "within the held-out signer); test: group bootstrap over the test file's near-copy groups; "
                      "gap SE = sqrt(se_val^2 + se_test^2); the folds' spread is reported besides"),
        "summary": summary, "runs": [{k: v for k, v in r.items() if k != "test_wrong"} for r in runs],
    }
    out = build_dir() / "splits.json"
    out.write_text(json.dumps(record, indent=2))
    table = markdown(summary, f"# Validation splits vs the test set\n\n`{command}` on {record['machine']['cpu']} "
                              f"({record['machine']['cores']} cores)")
    for row in summary:
        if "test_accuracy_held_out_signer" in row:
            sd = row["gap_to_held_out_signer_test_sd_over_folds"]
            table += (f"\n{row['model']}, signers split: test accuracy on the held-out signer's own test images "
                      f"{pct(row['test_accuracy_held_out_signer'])}%, on the other signers' {pct(row['test_accuracy_other_signers'])}%; "
                      f"validation − held-out signer's test: {100 * row['gap_to_held_out_signer_test']:+.2f} points"
                      f"{'' if sd is None else f' (sd over folds {pct(sd)})'} "
                      "(test images assigned to signers by their best-matching source photo: the test set holds "
                      "other photos of the same 7 signers)\n")
    (build_dir() / "splits.md").write_text(table)
    print(table)
    print(f"wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    run_command(main, "python -m tools.split_study")
