"""How accuracy holds up when test images change: brightness, contrast, rotation, shift, noise.

Each perturbation is a fixed, deterministic transform built from TensorFlow/Keras image
ops, applied to images already scaled to [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.evaluate import accuracy, predict_labels


def _keras_layer(layer) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: np.asarray(layer(x, training=True))


def perturbations(seed: int = 0) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Name → function from a batch (N, 28, 28, 1) in [0, 1] to the changed batch."""
    import tensorflow as tf
    from keras import layers

    def clip(x):
        return np.clip(np.asarray(x), 0.0, 1.0).astype(np.float32)

    def rotation(degrees):  # a Keras random layer with a one-point range is a fixed transform
        turn = degrees / 360.0
        return _keras_layer(layers.RandomRotation((turn, turn), fill_mode="nearest"))

    def shift(dx, dy):
        return _keras_layer(layers.RandomTranslation((dy / 28, dy / 28), (dx / 28, dx / 28), fill_mode="nearest"))

    rng = np.random.default_rng(seed)
    return {
        "original": lambda x: x,
        "brighter (+0.2)": lambda x: clip(tf.image.adjust_brightness(x, 0.2)),
        "darker (−0.2)": lambda x: clip(tf.image.adjust_brightness(x, -0.2)),
        "low contrast (×0.5)": lambda x: clip(tf.image.adjust_contrast(x, 0.5)),
        "high contrast (×1.5)": lambda x: clip(tf.image.adjust_contrast(x, 1.5)),
        "rotated +10°": rotation(10),
        "rotated −10°": rotation(-10),
        "shifted 3 px right": shift(3, 0),
        "shifted 3 px down": shift(0, 3),
        "Gaussian noise σ=0.1": lambda x: clip(x + rng.normal(0.0, 0.1, np.shape(x))),
    }


def pixel_change(images: np.ndarray, seed: int = 0) -> pd.Series:
    """Mean absolute pixel change each perturbation makes to ``images`` (0 for "original").

    The check that every transform really changes the images: a transform that silently
    did nothing (a zero range, a wrong value range) shows up as 0 here.
    """
    images = np.asarray(images, dtype=np.float32)
    return pd.Series(
        {name: float(np.abs(np.asarray(transform(images), dtype=np.float32) - images).mean())
         for name, transform in perturbations(seed).items()},
        name="mean |pixel change|",
    )


def robustness_table(models: dict[str, object], images: np.ndarray, labels: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Test accuracy of each model (columns) under each perturbation (rows)."""
    rows = {}
    for name, transform in perturbations(seed).items():
        changed = transform(images)
        rows[name] = {model_name: accuracy(labels, predict_labels(model, changed)) for model_name, model in models.items()}
    return pd.DataFrame(rows).T.round(4)
