"""`python -m tools.robustness_study --fast`: the cause rows, a candidate, the choice and the refits, on the fixture."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from helpers import model as model_lib
from tools import robustness_study as study


def test_build_variant_with_no_change_is_the_old_recipe_and_the_chosen_fix_is_the_recipe_now():
    kinds = lambda m: [type(layer).__name__ for layer in m.layers]  # noqa: E731
    steps = lambda m: [type(layer).__name__ for layer in m.get_layer("augmentation").layers]  # noqa: E731
    old, batchnorm = study.build_variant(100, "x"), model_lib.build_improved_cnn(total_steps=100, norm="batch")
    assert old.count_params() == batchnorm.count_params() == 71_145 and kinds(old) == kinds(batchnorm)
    assert steps(old) == [s for s in steps(batchnorm) if s != "GaussianNoise"]  # the old recipe had no noise
    fix, now = study.build_variant(100, "y", **study.CANDIDATES["groupnorm_noise_0.05"][1]), model_lib.build("improved_cnn", 100)
    assert fix.count_params() == now.count_params() and kinds(fix) == kinds(now) and steps(fix) == steps(now)
    assert "GroupNormalization" in kinds(now) and "BatchNormalization" not in kinds(now)
    noisy = study.build_variant(100, "y", noise=0.1, order="textbook")
    assert isinstance(noisy.get_layer("augmentation").layers[-1], keras.layers.GaussianNoise)
    assert [type(layer).__name__ for layer in noisy.layers[2:6]] == ["Conv2D", "BatchNormalization", "ReLU",
                                                                     "MaxPooling2D"]


def test_choice_reads_validation_only_keeps_clean_accuracy_and_takes_the_best_mean_over_the_table():
    def row(name, clean, noise, shifted=0.95):
        return {"name": name, "val": {"original": clean, "Gaussian noise σ=0.1": noise, "shifted": shifted},
                "test": {"original": 1.0, "Gaussian noise σ=0.1": 1.0, "shifted": 1.0}}  # the test never decides
    current = row("improved_cnn", 0.99, 0.2)
    good, too_costly = row("a", 0.985, 0.96), row("b", 0.97, 0.99)
    assert study.choose(current, [too_costly, good], tolerance=0.01)[0] == "a"
    assert study.choose(current, [too_costly], tolerance=0.01)[0] == "improved_cnn"
    best_worst_row, best_mean = row("c", 0.985, 0.90, 0.90), row("d", 0.985, 0.98, 0.85)  # worst 0.90 vs mean 0.938
    assert study.choose(current, [best_worst_row, best_mean], tolerance=0.01)[0] == "d"
    assert study.choose(row("improved_cnn", 0.99, 0.99), [good], tolerance=0.01)[0] == "improved_cnn"  # no gain
    longer = row("groupnorm_noise_0.05_12_epochs", 0.999, 0.999)  # best on validation, but over the time budget
    assert study.choose(current, study.within_budget([good, longer]), tolerance=0.01)[0] == "a"
    assert set(study.EPOCHS_OUTSIDE_BUDGET) <= set(study.CANDIDATES)


def test_recomputed_batchnorm_statistics_are_the_exact_ones():
    model = model_lib.build_improved_cnn(total_steps=10, norm="batch")
    images = np.random.default_rng(0).random((64, 28, 28, 1)).astype(np.float32)
    copy = study.recompute_batchnorm(model, images)
    first = next(layer for layer in copy.layers if isinstance(layer, keras.layers.BatchNormalization))
    features = keras.Model(copy.inputs, first.input).predict(images, verbose=0)
    assert np.allclose(first.moving_mean.numpy(), features.mean(axis=(0, 1, 2)), atol=1e-5)
    assert np.allclose(model.get_layer(first.name).moving_mean.numpy(), 0.0)  # the original is left unchanged


def test_fast_study_on_the_fixture(fixture_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(study, "CAUSE", {k: study.CAUSE[k] for k in ("baseline_cnn", "improved_cnn", "no_batchnorm")})
    monkeypatch.setattr(study, "CANDIDATES", {"noise_0.1": study.CANDIDATES["noise_0.1"]})
    monkeypatch.setattr(study, "SHORTLIST_WORST", 0.0)  # every candidate gets the extra seeds
    study.main(["--data", str(fixture_dir), "--seeds", "1", "--candidate-seeds", "2", "--fast"])
    record = json.loads((tmp_path / "build" / "robustness_study.json").read_text())
    names = [r["name"] for r in record["runs"] if not r["refit"]]
    assert names == ["baseline_cnn", "improved_cnn", "no_batchnorm", "bn_stats_noisy", "bn_stats_clean", "noise_0.1"]
    for run in record["runs"]:
        assert "Gaussian noise σ=0.1" in run["test"] and all(0 <= v <= 1 for v in run["test"].values())
        assert run["refit"] or len(run["val"]) == len(run["test"])
    assert record["chosen"] in ("improved_cnn", "noise_0.1")
    assert set(record["final"]) == {"baseline_cnn", "improved_cnn", record["chosen"]}
    assert "time_ratio_to_baseline" in record["targets"]["improved_cnn"]
    assert "## Perturbed grouped validation" in (tmp_path / "build" / "robustness_study.md").read_text()
    shortlist = record["shortlist"]  # the choice read the means of two seeds
    assert shortlist["names"] == ["improved_cnn", "noise_0.1"] and set(shortlist["val_means"]) == set(shortlist["names"])
    assert sorted((r["name"], r["seed"]) for r in shortlist["runs"]) == [("improved_cnn", 1), ("noise_0.1", 1)]
    assert "means over 2 seeds" in record["choice_reason"]


@pytest.mark.parametrize("sigma", [0.0, 0.1])
def test_noisy_images_stay_in_range(sigma):
    images = np.full((4, 28, 28, 1), 0.5, dtype=np.float32)
    out = study.noisy(images, sigma)
    assert out.min() >= 0 and out.max() <= 1 and (np.abs(out - images).mean() > 0) == bool(sigma)


def test_noise_of_a_drawn_strength_varies_from_image_to_image_and_is_off_at_inference(tmp_path):
    layer = study.random_gaussian_noise()(0.1, seed=0)
    grey = np.full((200, 28, 28, 1), 0.5, np.float32)
    spread = np.asarray(layer(grey, training=True) - grey).reshape(200, -1).std(axis=1)
    assert spread.max() <= 0.11 and spread.min() < 0.02 and spread.max() > 0.08  # σ from 0 to 0.1, per image
    np.testing.assert_array_equal(np.asarray(layer(grey, training=False)), grey)
    model = study.build_variant(100, "z", norm="group", noise_upto=0.1)
    model.save(tmp_path / "m.keras")  # a saved run loads again (the layer is registered)
    assert type(keras.models.load_model(tmp_path / "m.keras", compile=False).get_layer("augmentation").layers[-1]).__name__ == \
        "RandomGaussianNoise"
