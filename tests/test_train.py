"""Models, seeded training, resuming after a kill, evaluation helpers and plots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers import config, data, evaluate, model, plots, train

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory):
    from tools.fixture import write_fixture

    folder = write_fixture(tmp_path_factory.mktemp("fx"), n_train=600, n_test=120)
    os.environ["COURSE_ARTIFACTS"] = str(tmp_path_factory.mktemp("art"))
    return data.model_inputs(data.prepared_data(folder, seed=0, verbose=False))


def test_baseline_cnn_is_the_seed_recipe():
    net = model.build_baseline_cnn()
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense"]
    assert net.count_params() == 226_969
    assert net.layers[-1].activation.__name__ == "softmax" and net.output_shape == (None, 25)
    assert net.layers[6].rate == 0.3 and type(net.optimizer).__name__ == "Adam"


def test_improved_cnn_fits_the_budget_and_every_named_model_builds():
    for name in model.EPOCHS:
        net = model.build(name, total_steps=100)
        assert net.output_shape == (None, 25)
        assert net.count_params() <= 300_000
    with pytest.raises(ValueError, match="unknown model"):
        model.build("resnet")


def test_augmentation_only_acts_in_training(small_inputs):
    layer = model.augmentation(seed=1)
    x = small_inputs["x_train"][:4]
    assert np.allclose(layer(x, training=False), x)
    assert not np.allclose(layer(x, training=True), x)


def weights_after_training(inputs, seed: int) -> list[np.ndarray]:
    train.set_seed(seed)
    net = model.build("improved_cnn", total_steps=10)
    net.fit(inputs["x_train"][:256], inputs["y_train"][:256], epochs=1, batch_size=64, verbose=0)
    return net.get_weights()


def test_same_seed_same_weights_other_seed_other_weights(small_inputs):
    first = weights_after_training(small_inputs, 7)
    again = weights_after_training(small_inputs, 7)
    other = weights_after_training(small_inputs, 8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_fit_saves_model_history_and_loads_safely(small_inputs, tmp_path):
    info = train.fit(model.build_baseline_cnn(), small_inputs["x_train"], small_inputs["y_train"],
                     small_inputs["x_val"], small_inputs["y_val"], tmp_path / "run", epochs=2, verbose=0)
    assert info["epochs"] == 2 and not info["resumed"]
    net, history, saved = train.load_run(tmp_path / "run")
    assert list(history["epoch"]) == [0, 1] and {"accuracy", "val_loss"} <= set(history.columns)
    assert not (tmp_path / "run" / "backup").exists(), "the backup is removed once training finished"
    again, _, _ = train.train_or_load(model.build_baseline_cnn, small_inputs, tmp_path / "run", epochs=2)
    x = small_inputs["x_val"][:8]
    assert np.array_equal(net.predict(x, verbose=0), again.predict(x, verbose=0))


def test_a_model_of_an_earlier_recipe_is_set_aside_and_the_current_recipe_trained(small_inputs, tmp_path, capsys):
    """A learner who trained notebook 06 before its recipe changed gets the current recipe, and keeps the old run."""
    small = {k: v[:64] for k, v in small_inputs.items()}
    old = lambda: model.build_improved_cnn(total_steps=2, norm="batch")  # noqa: E731 - the recipe before GroupNorm
    train.train_or_load(old, small, tmp_path / "run", epochs=1, verbose=0)
    again, _, _ = train.train_or_load(old, small, tmp_path / "run", epochs=1, verbose=0)  # same recipe: loaded
    assert "Loading the trained model" in capsys.readouterr().out
    current, _, _ = train.train_or_load(lambda: model.build_improved_cnn(total_steps=2), small, tmp_path / "run",
                                        epochs=1, verbose=0)
    assert "earlier version of this recipe" in capsys.readouterr().out
    assert train.architecture(current) != train.architecture(again)
    assert "GroupNormalization" in train.architecture(current)[0]
    kept, _, _ = train.load_run(tmp_path / "run.earlier")  # nothing the learner trained is lost
    assert train.architecture(kept) == train.architecture(again)


def test_training_resumes_after_a_kill(tmp_path):
    from tools.fixture import write_fixture

    fixture = write_fixture(tmp_path / "fx", n_train=600, n_test=48)
    run = tmp_path / "run"
    env = dict(os.environ, COURSE_ARTIFACTS=str(tmp_path / "art"))
    command = [sys.executable, str(HERE / "resumable_training.py"), str(fixture), str(run), "8"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    killed_after = None
    for line in first.stdout:
        if line.startswith("EPOCH_END 2"):
            killed_after = 2
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=60)
    assert killed_after == 2 and first.returncode == -signal.SIGKILL
    assert not (run / "model.keras").exists(), "an interrupted run has no final model"

    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    begun = [int(line.split()[1]) for line in second.stdout.splitlines() if line.startswith("EPOCH_BEGIN")]
    print(f"killed after epoch index {killed_after}; the re-run began at epoch index {begun[0]}")
    assert begun[0] >= 3, f"resumed at epoch {begun[0]}, not after the last finished one"
    assert begun[-1] == 7 and "DONE" in second.stdout
    assert "Resuming the interrupted run" in second.stdout
    history = train.load_history(run)
    assert list(history["epoch"]) == list(range(8))
    assert (run / "model.keras").is_file()


def test_atomic_npz_write_survives_a_kill(tmp_path):
    """Kill a process that rewrites the cache over and over: the file on disk is always a whole one."""
    target = tmp_path / "cache.npz"
    script = (
        "import sys, numpy as np; sys.path.insert(0, %r)\n"
        "from helpers.data import save_npz_atomic\n"
        "x = np.random.default_rng(0).integers(0, 255, (3000, 28, 28), dtype=np.uint8)\n"
        "while True:\n"
        "    save_npz_atomic(%r, x=x)\n"
        "    print('written', flush=True)\n"
    ) % (str(HERE.parent), str(target))
    for delay in (0.05, 0.2, 0.45):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "written", "the writer never finished a first file"
        time.sleep(delay)  # by now it is in the middle of rewriting the file (each write takes a while)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the writer must have been killed, not have stopped"
        assert data.load_npz(target)["x"].shape == (3000, 28, 28), f"a kill {delay} s in left a broken file"
    # a write that fails half-way leaves the old file untouched and no temporary file behind
    data.save_npz_atomic(target, x=np.zeros(3))

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom

    before = sorted(p.name for p in tmp_path.iterdir())  # a SIGKILL can leave a *.tmp; never the target
    original = np.savez_compressed
    np.savez_compressed = explode
    try:
        with pytest.raises(Boom):
            data.save_npz_atomic(target, x=np.ones(3))
    finally:
        np.savez_compressed = original
    assert np.array_equal(data.load_npz(target)["x"], np.zeros(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_evaluation_helpers_use_letters():
    y_true = np.array([0, 0, 1, 12, 13, 13])
    y_pred = np.array([0, 1, 1, 13, 12, 13])
    assert evaluate.accuracy(y_true, y_pred) == pytest.approx(0.5)
    matrix = evaluate.confusion(y_true, y_pred)
    assert matrix.shape == (24, 24) and "J" not in matrix.index and matrix.loc["M", "N"] == 1
    top = evaluate.top_confusions(y_true, y_pred)
    assert set(zip(top["true"], top["predicted"])) == {("A", "B"), ("M", "N"), ("N", "M")}
    assert top.loc[top["true"] == "A", "share_of_true_letter"].item() == 0.5
    report = evaluate.report(y_true, y_pred)
    assert report.loc["A", "recall"] == 0.5 and "Y" in report.index


def test_plots_show_the_data_they_are_given(small_inputs):
    images = small_inputs["x_test"][..., 0]
    labels = small_inputs["labels_test"]
    history = pd.DataFrame({"epoch": [0, 1], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7],
                            "loss": [1.0, 0.5], "val_loss": [1.2, 0.8]})

    grid = plots.sample_grid(images, labels, n=12, seed=3)
    titles = [ax.get_title() for ax in grid.axes if ax.get_title()]
    pick = np.random.default_rng(3).choice(len(labels), size=12, replace=False)
    assert titles == [config.LETTERS[int(labels[i])] for i in pick], "each image is titled with its own letter"

    curves = plots.training_curves(history)
    accuracy_axes, loss_axes = curves.axes
    assert list(accuracy_axes.lines[0].get_xdata()) == [1, 2], "epochs are counted from 1"
    assert list(accuracy_axes.lines[0].get_ydata()) == [0.5, 0.8]
    assert list(accuracy_axes.lines[1].get_ydata()) == [0.4, 0.7]
    assert list(loss_axes.lines[1].get_ydata()) == [1.2, 0.8]

    predicted = labels.copy()
    predicted[:5] = np.where(labels[:5] == 0, 1, 0)  # exactly five mistakes
    matrix = evaluate.confusion(labels, predicted)
    heatmap = plots.confusion_heatmap(matrix)
    assert [t.get_text() for t in heatmap.axes[0].get_yticklabels()] == list(matrix.index)
    assert heatmap.axes[0].collections[0].get_array().sum() == len(labels), "every image is counted once"
    comparison = plots.compare_confusions({"a": evaluate.confusion(labels, labels), "b": matrix})
    assert [ax.get_title() for ax in comparison.axes] == ["a: errors (0)", "b: errors (5)"]

    mistakes = plots.misclassified_grid(images, labels, predicted, n=18)
    shown = sorted(ax.get_title() for ax in mistakes.axes if ax.get_title())
    assert shown == sorted(f"{config.LETTERS[int(labels[i])]} → {config.LETTERS[int(predicted[i])]}" for i in range(5))
    nothing = plots.misclassified_grid(images, labels, labels)
    assert [t.get_text() for t in nothing.axes[0].texts] == ["No misclassified images"]
    matplotlib.pyplot.close("all")
