"""`python -m tools.split_study --fast`: the three validation splits run on the fixture and are summarised."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tools import split_study


def test_plan_runs_fold_zero_of_every_split_first():
    jobs = split_study.plan(seeds=2, signer_folds=3, improved_folds=1, baseline="baseline_cnn")
    assert jobs[:3] == [("baseline_cnn", s, 0) for s in ("signers", "grouped", "random")]
    assert sum(1 for j in jobs if j[1] == "signers" and j[0] == "baseline_cnn") == 3
    assert jobs[-3:] == [("improved_cnn", s, 0) for s in ("signers", "grouped", "random")]


def test_summary_combines_the_folds():
    runs = [{"model": "m", "split": "signers", "seed": k, "held_out_signers": [f"s{k}"], "val_accuracy": v,
             "val_accuracy_se": 0.03, "test_accuracy": 0.5, "test_wrong": [0, 1], "gap": v - 0.5, "run_seconds": 1.0}
            for k, v in enumerate((0.6, 0.4))]
    row, = split_study.summarize(runs, np.arange(4))
    assert row["folds"] == 2 and row["gap"] == pytest.approx(0.0) and row["gap_sd_over_folds"] == pytest.approx(0.14142, abs=1e-4)
    assert row["gap_se_bootstrap"] > 0.03 / np.sqrt(2)  # validation part plus the test part


def test_fast_study_on_the_fixture(fixture_dir, tmp_path):
    split_study.main(["--data", str(fixture_dir), "--seeds", "1", "--fast"])
    record = json.loads((tmp_path / "build" / "splits.json").read_text())
    assert [r["split"] for r in record["summary"]] == ["signers", "grouped", "random"]
    for row in record["summary"]:
        assert 0 <= row["val_accuracy"] <= 1 and 0 <= row["test_accuracy"] <= 1 and row["gap_se_bootstrap"] > 0
    assert record["summary"][0]["held_out_signers"][0][0].startswith("fake_")
    assert "| signers |" in (tmp_path / "build" / "splits.md").read_text()


def test_held_out_signer_accuracy_splits_the_test_set_by_signer():
    run = {"held_out_signers": ["a"], "test_wrong": [0, 1, 3]}
    out = split_study.held_out_signer_accuracy(run, np.array(["a", "a", "b", "b"]))
    assert out == {"test_accuracy_held_out_signer": 0.0, "test_images_held_out_signer": 2,
                   "test_accuracy_other_signers": 0.5}


def test_the_readme_table_is_the_recorded_study():
    """The README's split table states what results/splits.json recorded, never figures typed from another run."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    summary = {row["split"]: row for row in json.loads((root / "results" / "splits.json").read_text())["summary"]
               if row["model"] == "baseline_cnn"}
    readme = (root / "README.md").read_text(encoding="utf-8")
    for split, label in (("random", "| random |"), ("grouped", "| grouped (near-copy groups) |"),
                         ("signers", "| signers (one of 7 held out) |")):
        line = next(line for line in readme.splitlines() if line.startswith(label))
        row = summary[split]
        expected = [f"{100 * row['val_accuracy']:.2f}%", f"{100 * row['test_accuracy']:.2f}%",
                    f"{100 * row['gap']:+.2f} ± {100 * row['gap_se_bootstrap']:.2f} pt".replace("-", "−")]
        for figure in expected:
            assert figure in line, f"README's {split} row should state {figure}: {line}"
        assert re.search(rf"\| {row['folds']} \|", line)
