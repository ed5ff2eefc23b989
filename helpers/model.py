"""The CNN builders: the seed CNN of notebook 04 and the improved CNN of notebook 06."""

from __future__ import annotations

import keras
from keras import layers

from helpers.config import IMAGE_SIZE, NUM_CLASSES

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)


def build_seed_cnn(learning_rate: float = 1e-3) -> keras.Model:
    """The seed CNN, exactly: two conv/pool stages, a dense layer with dropout, softmax.

    Conv2D(32, 3, relu) → MaxPool(2) → Conv2D(64, 3, relu) → MaxPool(2) → Flatten →
    Dense(128, relu) → Dropout(0.3) → Dense(25, softmax); Adam, categorical cross-entropy.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="seed_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
