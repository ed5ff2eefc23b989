"""The CNN builders: the seed CNN of notebook 04 and the improved CNN of notebook 06."""

from __future__ import annotations

import keras
from keras import layers

from helpers.config import IMAGE_SIZE, NUM_CLASSES

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)


def augmentation(seed: int | None = None) -> keras.Sequential:
    """Random changes a real photo could have, as Keras preprocessing layers.

    Small rotations (±11°), shifts (±10%), zoom (±10%), contrast and brightness.
    No horizontal flip: a mirrored hand signs with the other hand, and some letters
    differ from others mainly by orientation. The layers only act during training;
    at inference they pass images through unchanged.
    """
    return keras.Sequential(
        [
            layers.RandomRotation(0.03, fill_mode="nearest", seed=seed),
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed),
            layers.RandomZoom(0.1, fill_mode="nearest", seed=seed),
            layers.RandomContrast(0.3, seed=seed),
            layers.RandomBrightness(0.2, value_range=(0.0, 1.0), seed=seed),
        ],
        name="augmentation",
    )


def build_seed_cnn(learning_rate: float = 1e-3, augment: bool = False) -> keras.Model:
    """The seed CNN, exactly as notebook 04 types it (saved from its ``#@save`` cell).

    Conv2D(32, 3, relu) → MaxPool(2) → Conv2D(64, 3, relu) → MaxPool(2) → Flatten →
    Dense(128, relu) → Dropout(0.3) → Dense(25, softmax); Adam, categorical cross-entropy.
    226,969 parameters. ``augment=True`` puts :func:`augmentation` in front (notebook 06).
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            *([augmentation()] if augment else []),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(25, activation="softmax"),
        ],
        name="seed_cnn_augmented" if augment else "seed_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


MOMENTUM = 0.9


def conv_bn_relu(x, filters: int, batch_norm: bool = True):
    """3×3 convolution, then BatchNorm (which makes the bias redundant), then ReLU."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm)(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=MOMENTUM)(x)
    return layers.ReLU()(x)


def build_improved_cnn(
    total_steps: int | None = None,
    peak_learning_rate: float = 3e-3,
    label_smoothing: float = 0.1,
    batch_norm: bool = True,
    augment: bool = True,
) -> keras.Model:
    """The improved CNN of notebooks 06–08 (about 84K parameters, int8 TFLite under 100 KB).

    augmentation → 3 × [Conv 3×3 (32, 64, 80 filters) → BatchNorm → ReLU → MaxPool 2] →
    Flatten (3×3×80) → Dropout(0.4) → Dense(25, softmax).

    Training recipe: Adam with a learning rate that warms up linearly for the first 10%
    of ``total_steps`` to ``peak_learning_rate`` and then follows a cosine down to 0
    (a fixed schedule: it never looks at validation or test data), and cross-entropy
    with label smoothing. ``total_steps=None`` keeps a constant rate of 1e-3 instead.
    The switches ``batch_norm`` and ``augment`` exist for the ablation table.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = augmentation()(inputs) if augment else inputs
    for filters in (32, 64, 80):
        x = conv_bn_relu(x, filters, batch_norm)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    name = "improved_cnn" if (batch_norm and augment and total_steps) else "improved_cnn_variant"
    model = keras.Model(inputs, outputs, name=name)

    if total_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0,
            decay_steps=total_steps,
            warmup_target=peak_learning_rate,
            warmup_steps=max(1, total_steps // 10),
        )
    else:
        learning_rate = 1e-3
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    return model


def steps_for(n_images: int, epochs: int, batch_size: int = 128) -> int:
    """Optimizer steps in ``epochs`` epochs over ``n_images`` (what a schedule spans)."""
    return epochs * -(-n_images // batch_size)


#: The models of the course by name, with their full-mode epochs.
EPOCHS = {
    "seed_cnn": 10,
    "seed_cnn_augmented": 15,
    "improved_cnn_constant_lr": 15,
    "improved_cnn": 15,
}
#: Notebook 06's ablation climbs this list one change at a time; ``make benchmark``
#: trains the first and the last.
ABLATION = ("seed_cnn", "seed_cnn_augmented", "improved_cnn_constant_lr", "improved_cnn")
DESCRIPTIONS = {
    "seed_cnn": "seed CNN (notebook 04)",
    "seed_cnn_augmented": "+ data augmentation",
    "improved_cnn_constant_lr": "+ BatchNorm, third conv block",
    "improved_cnn": "+ warm-up/cosine LR schedule, label smoothing",
}


def build(name: str, total_steps: int | None = None) -> keras.Model:
    """Build one of the course's models by name (see :data:`EPOCHS`)."""
    if name == "seed_cnn":
        return build_seed_cnn()
    if name == "seed_cnn_augmented":
        return build_seed_cnn(augment=True)
    if name == "improved_cnn_constant_lr":
        return build_improved_cnn(total_steps=None, label_smoothing=0.0)
    if name == "improved_cnn":
        return build_improved_cnn(total_steps=total_steps)
    raise ValueError(f"unknown model {name!r}; choose one of {sorted(EPOCHS)}")
