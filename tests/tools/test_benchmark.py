"""`make benchmark` and its ablation mode (notebook 06's rows over seeds), fast, on the fixture."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from helpers import data, evaluate, robustness, train
from helpers import records
from tools import benchmark
from helpers import model as model_lib
from tools.fixture import write_fixture


def test_benchmark_fast_mode_writes_validation_test_and_gap(tmp_path, scratch_artifacts, capsys):
    fixture = write_fixture(tmp_path / "fx", n_train=600, n_test=96)
    report = benchmark.main(["--fast", "--seeds", "1", "--data", str(fixture)])
    out = capsys.readouterr().out
    assert "[1/2] baseline_cnn seed 0: grouped validation accuracy" in out and "[2/2] improved_cnn seed 0" in out
    assert "refit on train+val: test accuracy" in out
    saved = json.loads((tmp_path / "build" / "benchmark.json").read_text())
    assert saved["fast"] is True and list(saved["summary"]) == ["baseline_cnn", "improved_cnn"]
    assert saved["val_split"] == "grouped"  # decisions and the reported gap use the grouped split
    assert saved["refit"] is True
    prepared = data.prepared_data(fixture, seed=42, verbose=False, split="grouped")
    inputs = data.model_inputs(prepared, fast=True, seed=42)
    for run in saved["runs"]:
        assert run["test_images"] == 96 and run["val_images"] > 0 and run["val_split"] == "grouped"
        assert run["gap"] == pytest.approx(run["val_accuracy"] - run["test_accuracy"], abs=2e-5)
        # the refit: trained on exactly the training part plus the validation part, without validation data
        assert run["refit"] and run["refit_data"] == prepared["key"] + "+val"
        assert run["train_images"] == len(inputs["x_train"])
        assert run["refit_train_images"] == run["train_images"] + run["val_images"]
        refit_folder = train.run_dir(f"benchmark_{run['model']}", run["refit_data"], True, run["seed"])
        refit_model, refit_history, refit_info = train.load_run(refit_folder)
        assert refit_info["train_images"] == run["refit_train_images"]
        assert refit_history.filter(like="val_").isna().all().all()  # it never saw validation data (Keras writes NA)
        # the headline test accuracy is the refit model's, not the selection run's
        refit_test = evaluate.accuracy(inputs["labels_test"], evaluate.predict_labels(refit_model, inputs["x_test"]))
        assert run["test_accuracy"] == pytest.approx(refit_test, abs=1e-5)
        selection_model, _, _ = train.load_run(train.run_dir(f"benchmark_{run['model']}", prepared["key"], True, run["seed"]))
        selection_test = evaluate.accuracy(inputs["labels_test"], evaluate.predict_labels(selection_model, inputs["x_test"]))
        assert run["test_accuracy_selection_model"] == pytest.approx(selection_test, abs=1e-5)
        # the reported validation accuracy is the trained model's, i.e. the last epoch's
        assert run["val_accuracy"] == pytest.approx(run["val_accuracy_per_epoch"][-1], abs=1e-3)
        assert 0 < run["time_to_accuracy_seconds"] <= run["train_seconds"] + 0.1
        assert run["params"] == model_lib.build(run["model"], total_steps=10).count_params()
        assert run["peak_memory_mib"] > 100 and run["throughput_images_per_s_batch256"] > 0
        assert len(run["test_wrong"]) == round((1 - run["test_accuracy"]) * run["test_images"])  # the refit's mistakes
        # notebook 06's robustness table for the headline model: every row, "original" being the test accuracy
        assert list(run["test_perturbed"]) == list(robustness.perturbations())
        assert run["test_perturbed"]["original"] == pytest.approx(run["test_accuracy"], abs=1e-4)  # table: 4 decimals
        noisy = robustness.perturbations(seed=0)["Gaussian noise σ=0.1"](inputs["x_test"])
        assert run["test_perturbed"]["Gaussian noise σ=0.1"] == pytest.approx(
            evaluate.accuracy(inputs["labels_test"], evaluate.predict_labels(refit_model, noisy)), abs=1e-4)
    table = (tmp_path / "build" / "benchmark.md").read_text()
    assert "FAST MODE" in table and "grouped split" in table and "gap (val − test)" in table
    for s in saved["summary"].values():  # the test set's own standard error, over its groups of near-copies
        assert s["test_groups"] > 1 and 0 <= s["test_accuracy_se"] < 0.5
        assert f"{100 * s['test_accuracy']['mean']:.2f}% ± {100 * s['test_accuracy_se']:.2f}" in table
    assert "test accuracy of the refit on train+val" in table and "Protocol:" in table
    for name, s in saved["summary"].items():  # the worst perturbation per model, in the summary and the table
        w = s["worst_perturbation"]
        assert w["row"] != "original" and w["mean"] == min(v for k, v in s["test_perturbed_mean"].items() if k != "original")
        assert f"{100 * w['mean']:.2f}% ({w['row']})" in table
    assert "| Gaussian noise σ=0.1 |" in table
    improved = report["summary"]["improved_cnn"]
    assert improved["params"] <= 300_000
    assert f"{100 * improved['val_accuracy']['mean']:.2f}%" in table  # the table shows the grouped validation


def test_ablation_mode_trains_the_named_rows_and_writes_their_spread(tmp_path, scratch_artifacts, capsys):
    fixture = write_fixture(tmp_path / "fx", n_train=600, n_test=96)
    rows = "improved_cnn,improved_cnn_no_label_smoothing"
    report = benchmark.main(["--fast", "--ablation", "--seeds", "1", "--models", rows, "--data", str(fixture)])
    assert "[2/2] improved_cnn_no_label_smoothing seed 0" in capsys.readouterr().out
    saved = json.loads((tmp_path / "build" / "ablation.json").read_text())
    assert saved == json.loads(json.dumps(report)) and saved["title"] == "Ablation"
    assert list(saved["summary"]) == rows.split(",")
    assert saved["summary"]["improved_cnn"]["val_change_vs_final"] == 0
    table = (tmp_path / "build" / "ablation.md").read_text()
    assert "without label smoothing" in table and "change vs final recipe" in table
    assert not (tmp_path / "build" / "benchmark.json").exists()  # the ablation does not overwrite the benchmark
    assert saved["refit"] is False and not any(run["refit"] for run in saved["runs"])  # rows compare on validation
    assert "for the record" in table


def test_training_and_validation_is_exactly_train_then_val_and_never_test():
    rng = np.random.default_rng(0)
    inputs = {"x_train": rng.random((7, 28, 28, 1)), "y_train": np.eye(25)[rng.integers(0, 25, 7)],
              "x_val": rng.random((3, 28, 28, 1)), "y_val": np.eye(25)[rng.integers(0, 25, 3)],
              "x_test": rng.random((4, 28, 28, 1)), "labels_test": rng.integers(0, 25, 4)}
    merged = train.training_and_validation(inputs)
    np.testing.assert_array_equal(merged["x_train"], np.concatenate([inputs["x_train"], inputs["x_val"]]))
    np.testing.assert_array_equal(merged["y_train"], np.concatenate([inputs["y_train"], inputs["y_val"]]))
    assert "x_val" not in merged and "y_val" not in merged  # nothing left to look at during the refit
    assert merged["x_test"] is inputs["x_test"] and merged["labels_test"] is inputs["labels_test"]


def test_refit_recipe_trains_on_train_plus_val_in_its_own_folder(tmp_path, scratch_artifacts):
    fixture = write_fixture(tmp_path / "fx", n_train=600, n_test=96)
    prepared = data.prepared_data(fixture, seed=42, verbose=False, split="grouped")
    inputs = data.model_inputs(prepared, fast=True, seed=42)
    train.set_seed(0)
    _, history, info = train.refit_recipe("improved_cnn", inputs, prepared["key"], True, 0, epochs=1, verbose=0)
    assert info["train_images"] == len(inputs["x_train"]) + len(inputs["x_val"])
    assert list(history["epoch"]) == [0] and history.filter(like="val_").isna().all().all()
    refit_folder = train.run_dir("improved_cnn", prepared["key"] + "+val", True, 0)
    assert (refit_folder / "model.keras").is_file()
    assert not train.run_dir("improved_cnn", prepared["key"], True, 0).exists()  # the selection run's folder is untouched


def _run(model, seed, val, test, seconds=10.0):
    return {"model": model, "seed": seed, "val_accuracy": val, "test_accuracy": test, "gap": val - test,
            "train_seconds": seconds, "time_to_accuracy_seconds": seconds / 2, "params": 1000,
            "peak_memory_mib": 500, "throughput_images_per_s_batch256": 1.0, "latency_ms_predict": 1.0,
            "latency_ms_direct_call": 1.0}


def test_summary_gives_mean_spread_and_change_against_the_final_recipe():
    runs = [_run("improved_cnn", 0, 0.90, 0.99), _run("improved_cnn", 1, 0.94, 0.98),
            _run("improved_cnn_no_augmentation", 0, 0.80, 0.95), _run("improved_cnn_no_augmentation", 1, 0.84, 0.96)]
    summary = benchmark.summarize(runs)
    final = summary["improved_cnn"]
    assert final["val_accuracy"] == {"mean": 0.92, "sd": pytest.approx(0.02828, abs=1e-5), "min": 0.90, "max": 0.94}
    assert final["test_accuracy"]["mean"] == pytest.approx(0.985) and final["gap_mean"] == pytest.approx(-0.065)
    assert summary["improved_cnn_no_augmentation"]["val_change_vs_final"] == pytest.approx(-0.10)
    assert final["seeds"] == [0, 1]
    report = {"date": "d", "command": "c", "fast": False, "val_split": "grouped", "summary": summary, "runs": runs,
              "machine": {"cores": 2, "cpu": "x", "tensorflow": "t"}}
    table = records.ablation_markdown(report)
    assert "| without augmentation | improved_cnn_no_augmentation | 2 | 82.00% ± 2.83 (80.00%–84.00%) | -10.00 pt |" in table


def test_test_set_standard_error_counts_groups_and_averages_the_seeds():
    groups = np.repeat(np.arange(20), 10)  # 20 groups of 10 test images
    bunched = [{"test_wrong": list(range(10))}, {"test_wrong": list(range(10, 20))}]  # each seed misses whole groups
    spread = [{"test_wrong": list(range(0, 100, 10))}, {"test_wrong": list(range(100, 200, 10))}]  # one per group
    se_bunched = benchmark.mean_test_accuracy_se(bunched, groups.tolist())
    se_spread = benchmark.mean_test_accuracy_se(spread, groups.tolist())
    assert se_bunched > 2 * se_spread > 0  # the same 10 mistakes per seed weigh more when they come in groups
    right = np.ones(200)
    right[:20] = 0.5  # each image's share of seeds that got it right
    assert se_bunched == pytest.approx(evaluate.group_bootstrap_se(right, groups)[0])


def test_time_to_accuracy_is_the_first_epoch_within_a_tenth_of_a_point_of_the_final():
    assert benchmark.time_to_accuracy([0.5, 0.9, 0.9995, 0.998, 1.0], train_seconds=50) == 30.0
    assert benchmark.time_to_accuracy([0.5, 0.7], train_seconds=20) == 20.0
    assert benchmark.time_to_accuracy([0.99, 0.5, 0.99], train_seconds=30) == 10.0


def test_every_ablation_row_changes_exactly_one_thing():
    final = model_lib.build("improved_cnn", total_steps=100)
    layer_kinds = [type(layer).__name__ for layer in final.layers]
    for name in model_lib.LEAVE_ONE_OUT:
        variant = model_lib.build(name, total_steps=100)
        kinds = [type(layer).__name__ for layer in variant.layers]
        same_loss = variant.loss.get_config()["label_smoothing"] == final.loss.get_config()["label_smoothing"]
        scheduled = isinstance(variant.optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule)
        differences = [kinds != layer_kinds, not same_loss, not scheduled]
        assert sum(differences) == 1, f"{name} changes {differences} (layers, loss, schedule)"


def test_models_load_only_in_safe_mode(tmp_path):
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    folder = tmp_path / "run"
    folder.mkdir()
    keras.Model(inputs, outputs).save(folder / "model.keras")
    (folder / "history.csv").write_text("epoch,accuracy\n0,0.5\n")
    (folder / "run.json").write_text("{}")
    with pytest.raises(ValueError, match="safe_mode"):
        train.load_run(folder)


def test_the_schedule_warms_up_then_ends_at_zero_as_notebook_06_teaches():
    from helpers.exercises.nb06 import schedule_by_hand

    schedule = model_lib.lr_schedule(1000)  # 100 warm-up steps to 3e-3, then a cosine over the other 900
    for step in (0, 50, 100, 325, 550, 999, 1000):
        assert float(schedule(step)) == pytest.approx(schedule_by_hand(step), abs=1e-8), step
    assert float(schedule(1000)) == 0.0 and float(schedule(999)) < 1e-7
