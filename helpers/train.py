"""Seeded, resumable training: one seed function, Keras callbacks, saved models and histories.

Each training run lives in its own folder (``artifacts/models/<run name>/``):

* ``backup/`` — Keras ``BackupAndRestore`` state, written after every epoch. If the
  kernel dies (Colab disconnects, laptop sleeps), running the same cell again resumes
  from the last finished epoch. It is deleted when training finishes.
* ``history.csv`` — one row per finished epoch (Keras ``CSVLogger``, appended on resume).
* ``model.keras`` — the trained model, written only when training has finished.
* ``run.json`` — what was trained: epochs, batch size, seed, wall time, parameters.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import artifacts_dir, shown_path


def set_seed(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow/Keras at once; optionally make TF ops deterministic.

    ``keras.utils.set_random_seed`` seeds ``random``, ``numpy.random`` and the backend.
    ``tf.config.experimental.enable_op_determinism`` makes the same seed give the same
    weights on a re-run (at a small speed cost on some ops).
    """
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def run_dir(name: str, data_key: str, fast: bool, seed: int) -> Path:
    """The folder of one training run, e.g. ``artifacts/models/baseline_cnn_<data>_full_seed42``."""
    return artifacts_dir() / "models" / f"{name}_{data_key}_{'fast' if fast else 'full'}_seed{seed}"


def _save_model_atomic(model, path: Path) -> None:
    tmp = path.with_name(path.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)


def load_history(folder: str | Path) -> pd.DataFrame:
    """The per-epoch metrics of a run (one row per finished epoch, resumptions merged)."""
    history = pd.read_csv(Path(folder) / "history.csv")
    return history.drop_duplicates("epoch", keep="last").reset_index(drop=True)


def load_run(folder: str | Path):
    """Load a finished run: ``(model, history DataFrame, run info dict)``; models load with ``safe_mode=True``."""
    import keras

    folder = Path(folder)
    model = keras.models.load_model(folder / "model.keras", safe_mode=True)
    return model, load_history(folder), json.loads((folder / "run.json").read_text())


def fit(
    model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    folder: str | Path,
    epochs: int,
    batch_size: int = 128,
    extra_callbacks: list | None = None,
    verbose: int | str = "auto",
) -> dict:
    """Train ``model`` resumably in ``folder``; save the model, history and run info.

    Re-running after an interruption resumes from the last finished epoch (Keras
    ``BackupAndRestore``). Returns the run info (also saved as ``run.json``).
    ``x_val=None``: no validation data at all (a refit on train + validation).
    """
    import keras

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    backup = folder / "backup"
    resuming = backup.exists() and any(backup.iterdir())
    if not resuming:
        (folder / "history.csv").unlink(missing_ok=True)
    else:
        print(f"Resuming the interrupted run in {shown_path(folder)} from its last finished epoch.")
    callbacks = [
        keras.callbacks.BackupAndRestore(str(backup)),
        keras.callbacks.CSVLogger(str(folder / "history.csv"), append=True),
        *(extra_callbacks or []),
    ]
    start = time.perf_counter()
    model.fit(
        x_train, y_train,
        validation_data=None if x_val is None else (x_val, y_val),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    _save_model_atomic(model, folder / "model.keras")
    info = {
        "model": model.name,
        "epochs": epochs,
        "batch_size": batch_size,
        "train_images": int(len(x_train)),
        "params": int(model.count_params()),
        "train_seconds_this_session": round(seconds, 1),
        "resumed": bool(resuming),
    }
    (folder / "run.json").write_text(json.dumps(info, indent=2))
    return info


def train_or_load(
    build: Callable[[], object],
    data: dict[str, np.ndarray],
    folder: str | Path,
    epochs: int,
    batch_size: int = 128,
    retrain: bool = False,
    verbose: int | str = "auto",
):
    """Load the finished run in ``folder`` if there is one, else build and train it.

    ``data`` holds preprocessed ``x_train, y_train, x_val, y_val`` (one-hot labels).
    Returns ``(model, history DataFrame, run info)``. This is how notebook 05 gets the
    model of notebook 04 even when opened on its own.
    """
    folder = Path(folder)
    model = build()
    if (folder / "model.keras").is_file() and not retrain:
        found = load_run(folder)
        if architecture(found[0]) == architecture(model):
            print(f"Loading the trained model from {shown_path(folder)}")
            return found
        kept = _set_aside(folder)  # an earlier version of the course's recipe: keep it, train the current one
        print(f"The model in {shown_path(folder)} was trained with an earlier version of this recipe (kept in "
              f"{shown_path(kept)}); training the current recipe.")
    fit(model, data["x_train"], data["y_train"], data.get("x_val"), data.get("y_val"), folder, epochs, batch_size,
        verbose=verbose)
    return load_run(folder)


def architecture(model) -> tuple:
    """What tells two versions of a recipe apart: the layer kinds in order (inside nested models too) and the
    parameter count."""
    def kinds(layer):
        inner = getattr(layer, "layers", None)
        return [type(layer).__name__] + [k for sub in (inner or []) for k in kinds(sub)]

    return tuple(k for layer in model.layers for k in kinds(layer)), int(model.count_params())


def _set_aside(folder: Path) -> Path:
    """Rename a run folder to ``<name>.earlier``, ``<name>.earlier2``, … (never overwriting one)."""
    for n in range(1, 1000):
        target = folder.with_name(folder.name + (".earlier" if n == 1 else f".earlier{n}"))
        if not target.exists():
            folder.rename(target)
            return target
    raise RuntimeError(f"too many earlier versions of {folder}: delete some")


FAST_EPOCHS = 3


def train_recipe(name: str, inputs: dict, data_key: str, fast: bool, seed: int, epochs: int | None = None,
                 batch_size: int = 128, verbose: int | str = 2):
    """Train (or load, if already trained) one of the course's models with its recipe.

    ``name`` is a key of :data:`helpers.model.EPOCHS`. Full mode trains for that many
    epochs, fast mode for :data:`FAST_EPOCHS`. The run folder is named after the model,
    the data, the mode and the seed, so notebooks 04–08 and ``make benchmark`` find
    each other's models. Returns ``(model, history, info)``.
    """
    from helpers import model as model_lib

    epochs = epochs or (FAST_EPOCHS if fast else model_lib.EPOCHS[name])
    steps = model_lib.steps_for(len(inputs["x_train"]), epochs, batch_size)
    return train_or_load(
        lambda: model_lib.build(name, total_steps=steps), inputs, run_dir(name, data_key, fast, seed),
        epochs, batch_size, verbose=verbose,
    )


#: added to the data key of a refit's run folder, so a refit never overwrites (or is taken for) the selection run
REFIT_SUFFIX = "+val"


def training_and_validation(inputs):
    """All the training images: the training part and the validation part together, for a refit.

    Returns ``x_train, y_train`` (the two parts concatenated, training first) and the test
    arrays unchanged; there is no validation part left, so nothing can be decided on it.
    """
    return {
        "x_train": np.concatenate([inputs["x_train"], inputs["x_val"]]),
        "y_train": np.concatenate([inputs["y_train"], inputs["y_val"]]),
        "x_test": inputs["x_test"],
        "labels_test": inputs["labels_test"],
    }


def refit_recipe(name: str, inputs: dict, data_key: str, fast: bool, seed: int, epochs: int | None = None,
                 batch_size: int = 128, verbose: int | str = 2):
    """Train (or load) recipe ``name`` again on train + validation, once the choice is made.

    Same epochs as :func:`train_recipe`; the schedule's length is computed from the larger
    training set. No validation data, no early stopping: nothing in it looks at validation
    or test. Its run folder's data key ends in :data:`REFIT_SUFFIX`. Returns ``(model, history, info)``.
    """
    return train_recipe(name, training_and_validation(inputs), data_key + REFIT_SUFFIX, fast, seed, epochs,
                        batch_size, verbose)
