"""The CNN builders: the baseline CNN of notebook 04 and the improved CNN of notebook 06.

Notebook 06 writes :func:`augmentation`, :func:`conv_block`, :func:`lr_schedule` and
:func:`build_improved_cnn` in its cells (``#@save``); this module keeps the same code, plus the
named recipes (:data:`EPOCHS`, :data:`VARIANTS`) that ``helpers.train.train_recipe`` and
``make benchmark`` build by name.
"""

from __future__ import annotations

import keras
from keras import layers

from helpers.config import IMAGE_SIZE, NUM_CLASSES

INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)


def augmentation(seed=None):
    """Random changes a real photo could have, as Keras preprocessing layers.

    Small rotations (±11°), shifts (±10%), zoom (±10%), contrast and brightness, then a little
    camera noise (Gaussian, σ = 0.05). No horizontal flip: a mirror image turns a right hand
    into a left hand (notebook 06, Going deeper exercise 6). Rotations stay small because letters such as
    K/P, G/Q and H/U differ mainly in how the hand is turned. The layers act only when called
    with ``training=True`` (inside ``fit``); at inference they pass images through unchanged.
    """
    return keras.Sequential(
        [
            layers.RandomRotation(0.03, fill_mode="nearest", seed=seed),
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed),
            layers.RandomZoom(0.1, fill_mode="nearest", seed=seed),
            layers.RandomContrast(0.3, seed=seed),
            layers.RandomBrightness(0.2, value_range=(0.0, 1.0), seed=seed),
            layers.GaussianNoise(0.05, seed=seed),
        ],
        name="augmentation",
    )


def build_baseline_cnn(learning_rate: float = 1e-3, augment: bool = False) -> keras.Model:
    """The baseline CNN, exactly as notebook 04 types it (saved from its ``#@save`` cell).

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
        name="baseline_cnn_augmented" if augment else "baseline_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


MOMENTUM = 0.9  # BatchNorm's, for the "BatchNorm instead of GroupNorm" row
GROUPS = 4  # GroupNorm's: each image's channels in 4 groups
#: The recipe's fixed training settings (chosen before looking at any test number; see notebook 06).
PEAK_LEARNING_RATE = 3e-3
WARMUP_FRACTION = 0.1
LABEL_SMOOTHING = 0.1
CONSTANT_LEARNING_RATE = 1e-3  # Adam's default: the "without the schedule" row
FILTERS = (16, 32, 128)  # few filters where the maps are big, many where they are small


def conv_block(x, filters, norm="group"):
    """3×3 convolution, 2×2 max-pooling, then GroupNorm (``norm="batch"``: BatchNorm; ``None``: neither), then ReLU.

    Pooling comes right after the convolution, so the normalisation and ReLU work on a quarter of the values.
    The normalisation's shift β makes the convolution's bias redundant (exactly for BatchNorm, almost for GroupNorm).
    """
    x = layers.Conv2D(filters, 3, padding="same", use_bias=norm is None)(x)
    x = layers.MaxPooling2D(2)(x)
    if norm == "group":
        x = layers.GroupNormalization(groups=GROUPS)(x)
    elif norm == "batch":
        x = layers.BatchNormalization(momentum=MOMENTUM)(x)
    return layers.ReLU()(x)


def lr_schedule(total_steps, peak=PEAK_LEARNING_RATE, warmup_fraction=WARMUP_FRACTION):
    """Linear warm-up from 0 to ``peak`` over the first ``warmup_fraction`` of the steps,
    then a half cosine from ``peak`` down to exactly 0 at ``total_steps``.

    The decay spans the steps *after* the warm-up (``total_steps - warmup``), so the last
    step runs at (almost) zero. A fixed schedule: it never looks at validation or test data.
    """
    warmup = max(1, round(total_steps * warmup_fraction))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.0,
        warmup_target=peak,
        warmup_steps=warmup,
    )


def build_improved_cnn(total_steps=None, augment=True, norm="group", label_smoothing=LABEL_SMOOTHING,
                       dense_head=False, name="improved_cnn"):
    """The improved CNN of notebooks 06–08 (about 71K parameters, int8 TFLite under 100 KB).

    augmentation → 3 × :func:`conv_block` [Conv 3×3 → MaxPool 2 → GroupNorm → ReLU] with
    16, 32 and 128 filters → Flatten (3×3×128 = 1,152) → Dropout(0.4) → Dense(25, softmax).

    Adam with :func:`lr_schedule` over ``total_steps`` (``None``: a constant rate of 1e-3)
    and cross-entropy with label smoothing. The switches exist for notebook 06's
    leave-one-out rows; ``dense_head=True`` puts the baseline CNN's Dense(128) → Dropout(0.3)
    head in place of Dropout(0.4).
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = augmentation()(inputs) if augment else inputs
    for filters in FILTERS:
        x = conv_block(x, filters, norm)
    x = layers.Flatten()(x)
    if dense_head:
        x = layers.Dense(128, activation="relu")(x)
        x = layers.Dropout(0.3)(x)
    else:
        x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name=name)
    learning_rate = lr_schedule(total_steps) if total_steps else CONSTANT_LEARNING_RATE
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    return model


def steps_for(n_images: int, epochs: int, batch_size: int = 128) -> int:
    """Optimizer steps in ``epochs`` epochs over ``n_images`` (what a schedule spans)."""
    return epochs * -(-n_images // batch_size)


#: Full-mode epochs of the final recipe (and of every leave-one-out row: same budget). Set by the time budget:
#: ``make course`` in 15 minutes on 2 cores, notebook 06 taking what the other notebooks leave, with a fifth spare
#: (measured in `make course` on an Intel Xeon 2-core VM: the other notebooks 312 s, so 06 gets 720 - 312 = 408 s;
#: 06 took 38 s + 46 s per epoch of its eight trainings, 406 s at 8 epochs; 9 would not fit).
#: What they give, per seed, is in ``results/benchmark.json`` (``make benchmark``) and ``results/ablation.json``
#: (``make ablation``).
IMPROVED_EPOCHS = 8

#: Notebook 06's leave-one-out rows: each changes exactly one thing of the final recipe.
#: name → (what changes, keyword arguments of :func:`build_improved_cnn`, uses the schedule)
VARIANTS = {
    "improved_cnn_no_augmentation": ("without augmentation", {"augment": False}, True),
    "improved_cnn_batchnorm": ("BatchNorm instead of GroupNorm", {"norm": "batch"}, True),
    "improved_cnn_constant_lr": ("without the schedule (constant 1e-3)", {}, False),
    "improved_cnn_no_label_smoothing": ("without label smoothing", {"label_smoothing": 0.0}, True),
    "improved_cnn_dense128_head": ("with the baseline CNN's Dense(128) head", {"dense_head": True}, True),
}
LEAVE_ONE_OUT = tuple(VARIANTS)

#: The models of the course by name, with their full-mode epochs.
EPOCHS = {"baseline_cnn": 10, "improved_cnn": IMPROVED_EPOCHS, **{name: IMPROVED_EPOCHS for name in VARIANTS}}
#: Notebook 06's table: the baseline CNN (notebook 04), the final recipe, then its leave-one-out rows.
ABLATION = ("baseline_cnn", "improved_cnn", *LEAVE_ONE_OUT)
DESCRIPTIONS = {
    "baseline_cnn": "baseline CNN (notebook 04)",
    "improved_cnn": "final recipe",
    **{name: change for name, (change, _, _) in VARIANTS.items()},
}


def build(name: str, total_steps: int | None = None) -> keras.Model:
    """Build one of the course's models by name (see :data:`EPOCHS`); ``total_steps`` sizes the schedule."""
    if name == "baseline_cnn":
        return build_baseline_cnn()
    if name == "improved_cnn":
        return build_improved_cnn(total_steps=total_steps)
    if name in VARIANTS:
        _, changes, scheduled = VARIANTS[name]
        return build_improved_cnn(total_steps=total_steps if scheduled else None, name=name, **changes)
    raise ValueError(f"unknown model {name!r}; choose one of {sorted(EPOCHS)}")
