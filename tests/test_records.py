"""Recorded runs (helpers.records): notebook 06 finds the ablation for its own data and mode, yours first."""

from __future__ import annotations

import json

from helpers import config, records


def ablation(fast: bool, data_key: str, date: str, rows=None) -> dict:
    from helpers.model import ABLATION

    row = {"val_accuracy": {"mean": 0.9, "sd": 0.01, "min": 0.89, "max": 0.91},
           "test_accuracy": {"mean": 0.95, "sd": 0.01}, "seeds": [0, 1, 2], "params": 1234, "train_seconds_mean": 60.0}
    return {"title": "Ablation", "date": date, "command": "python -m tools.benchmark --ablation", "fast": fast,
            "val_split": "grouped", "machine": {"cores": 2, "cpu": "x", "tensorflow": "t"},
            "runs": [{"data": data_key}], "summary": {name: row for name in (rows or ABLATION)}}


def test_your_own_run_comes_first_and_a_run_of_other_data_or_mode_is_never_shown(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "REPO_ROOT", tmp_path / "repo")
    recorded = tmp_path / "repo" / "results" / "ablation.json"
    recorded.parent.mkdir(parents=True)
    recorded.write_text(json.dumps(ablation(False, "aa-grouped", "course's")))
    assert records.recorded_ablation(True, "aa-grouped") == (None, None), "a fast run never shows a full one"
    assert records.recorded_ablation(False, "fixture-aa-grouped") == (None, None), "nor another data set's"
    earlier = tmp_path / "repo" / "build" / "ablation.json"  # a run of an earlier recipe (other rows) is passed over
    earlier.parent.mkdir(parents=True)
    earlier.write_text(json.dumps(ablation(False, "aa-grouped", "earlier", rows=["improved_cnn", "improved_cnn_no_batchnorm"])))
    report, path = records.recorded_ablation(False, "aa-grouped")
    assert report["date"] == "course's" and path == recorded
    own = config.build_dir() / "ablation.json"  # the test's scratch build folder (conftest)
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(json.dumps(ablation(False, "aa-grouped", "yours")))
    report, path = records.recorded_ablation(False, "aa-grouped")
    assert report["date"] == "yours" and path == own
    table = records.ablation_markdown(report)
    assert table.startswith("Ablation of yours on 2 cores") and "| 90.00% ± 1.00 (89.00%–91.00%) |" in table
    own.write_text(json.dumps(ablation(False, "aa-grouped", "yours, earlier recipe", rows=["improved_cnn"])))
    assert records.recorded_ablation(False, "aa-grouped")[0]["date"] == "course's"


def test_the_split_study_shown_is_yours_first_and_never_a_fast_one(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "REPO_ROOT", tmp_path / "repo")
    assert records.recorded_split_study() == (None, None)
    row = {"model": "baseline_cnn", "split": "signers", "val_accuracy": 0.7, "test_accuracy": 0.9}
    recorded = tmp_path / "repo" / "results" / "splits.json"
    recorded.parent.mkdir(parents=True)
    recorded.write_text(json.dumps({"fast": False, "date": "course's", "summary": [row]}))
    own = config.build_dir() / "splits.json"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(json.dumps({"fast": True, "date": "a fast try", "summary": [row]}))
    report, path = records.recorded_split_study()
    assert report["date"] == "course's" and path == recorded, "a fast-mode study is never shown"
    own.write_text(json.dumps({"fast": False, "date": "yours", "summary": [row]}))
    report, path = records.recorded_split_study()
    assert report["date"] == "yours" and path == own
    assert records.split_row(report, "baseline_cnn", "signers") == row
    assert records.split_row(report, "improved_cnn", "signers") is None


def test_a_recorded_run_on_another_copy_of_the_real_data_is_shown_but_never_the_fixture_or_another_split():
    assert records.same_data("dfd040e862-grouped", "f07159033b-grouped")  # the same files, copied elsewhere
    assert not records.same_data("dfd040e862-grouped", "f07159033b-random")
    assert not records.same_data("fixture-dfd040e862-grouped", "f07159033b-grouped")
    assert not records.same_data("dfd040e862-grouped", "fixture-f07159033b-grouped")
    assert records.same_data("fixture-aa-grouped", "fixture-bb-grouped")
