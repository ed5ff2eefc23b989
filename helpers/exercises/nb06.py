"""Checked exercises of notebook 06 (improve the model: schedule, label smoothing, BatchNorm, GroupNorm)."""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises import Exercise, Wrong, expect_array, expect_model, expect_number, expect_true

# ---------------------------------------------------------------- q1: the schedule by hand
#: 1,000 steps, 10% warm-up to a peak of 3e-3, then a half cosine to 0 over the other 900 steps.
Q1_TOTAL, Q1_WARMUP, Q1_PEAK = 1000, 100, 3e-3
Q1_STEPS = (50, 100, 550, 1000)


def schedule_by_hand(step, total=Q1_TOTAL, warmup=Q1_WARMUP, peak=Q1_PEAK):
    """Warm-up then cosine to zero, the formula of ``helpers.model.lr_schedule``."""
    if step < warmup:
        return peak * step / warmup
    progress = (step - warmup) / (total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def _old_bug(step):  # the cosine spread over all the steps, as the course once did: ends at 2.4%
    if step < Q1_WARMUP:
        return Q1_PEAK * step / Q1_WARMUP
    return Q1_PEAK * 0.5 * (1 + math.cos(math.pi * (step - Q1_WARMUP) / Q1_TOTAL))


def _check_q1(lrs):
    expected = np.array([schedule_by_hand(s) for s in Q1_STEPS])
    value = np.asarray(lrs, dtype=float) if isinstance(lrs, (list, tuple, np.ndarray)) else lrs
    if isinstance(value, np.ndarray) and value.shape == expected.shape:
        if np.allclose(value, [_old_bug(s) for s in Q1_STEPS], rtol=1e-4, atol=0):
            raise Wrong("your cosine runs over all 1,000 steps, so at step 1000 the rate is still "
                        f"{_old_bug(1000):.2e} (2.4% of the peak): the decay spans only the 900 steps after the warm-up.")
        if np.isclose(value[0], Q1_PEAK) and np.allclose(value[1:], expected[1:], rtol=1e-4):
            raise Wrong("at step 50 the warm-up is only half done: the rate grows linearly from 0 to the peak "
                        "over the first 100 steps.")
    expect_array(lrs, expected, name="lrs", atol=1e-7)


_Q1_SOLUTION = """
import math
def lr_at(step, total=1000, warmup=100, peak=3e-3):
    if step < warmup:
        return peak * step / warmup
    progress = (step - warmup) / (total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))
lrs = [lr_at(step) for step in (50, 100, 550, 1000)]
"""

q1 = Exercise(
    "The learning rate of warm-up + cosine at four steps",
    check=_check_q1,
    hint="Warm-up: peak × step / warmup. After it, progress p = (step − warmup) / (total − warmup) runs from 0 "
         "to 1, and the rate is peak × (1 + cos(π·p)) / 2. Halfway through the decay the rate is half the peak.",
    solution=_Q1_SOLUTION,
    answers=("lrs",),
    wrong=[
        (_Q1_SOLUTION.replace("(step - warmup) / (total - warmup)", "(step - warmup) / total"), "2.4% of the peak"),
        (_Q1_SOLUTION.replace("return peak * step / warmup", "return peak"), "warm-up is only half done"),
        (_Q1_SOLUTION.replace("0.5 * (1 + math.cos", "(math.cos"), "lrs["),
    ],
)

# ---------------------------------------------------------------- q2: a label-smoothed target
Q2_LABEL, Q2_SMOOTHING, Q2_CLASSES = 2, 0.1, 25


def _check_q2(smoothed):
    one_hot = np.eye(Q2_CLASSES)[Q2_LABEL]
    expected = one_hot * (1 - Q2_SMOOTHING) + Q2_SMOOTHING / Q2_CLASSES
    value = np.asarray(smoothed, dtype=float) if isinstance(smoothed, (list, tuple, np.ndarray)) else smoothed
    if isinstance(value, np.ndarray) and value.shape == expected.shape:
        if np.isclose(value[Q2_LABEL], 1 - Q2_SMOOTHING) and np.isclose(value[0], Q2_SMOOTHING / (Q2_CLASSES - 1)):
            raise Wrong("you spread 0.1 over the 24 other classes; Keras spreads it over all 25 (the true class "
                        "gets its share too): target = one_hot × 0.9 + 0.1 / 25.")
        if np.isclose(value[Q2_LABEL], 1 - Q2_SMOOTHING) and np.isclose(value[0], 0):
            raise Wrong("the 0.1 taken from the true class has to go somewhere: every class gets 0.1 / 25.")
        expect_true(np.isclose(value.sum(), 1.0), f"smoothed sums to {value.sum():.4f}; a target distribution sums to 1.")
    expect_array(smoothed, expected, name="smoothed", atol=1e-6)


_Q2_SOLUTION = """
import numpy as np
one_hot = np.eye(25)[2]
smoothed = one_hot * (1 - 0.1) + 0.1 / 25
"""

q2 = Exercise(
    "The label-smoothed target of the letter C",
    check=_check_q2,
    hint="Keras' CategoricalCrossentropy(label_smoothing=0.1) trains towards one_hot × (1 − 0.1) + 0.1 / 25: "
         "0.904 for the true class, 0.004 for each of the others.",
    solution=_Q2_SOLUTION,
    answers=("smoothed",),
    wrong=[
        (_Q2_SOLUTION.replace("0.1 / 25", "0.1 / 24 * (1 - one_hot)"), "over all 25"),
        (_Q2_SOLUTION.replace(" + 0.1 / 25", ""), "has to go somewhere"),
        (_Q2_SOLUTION.replace("np.eye(25)[2]", "np.eye(25)[3]"), "smoothed[2]"),
    ],
)

# ---------------------------------------------------------------- q3: BatchNorm's parameters
#: Conv2D(64, 3, use_bias=False) on 32 channels, then BatchNormalization over its 64 channels.
Q3_CONV = 3 * 3 * 32 * 64
Q3_BN = 4 * 64  # gamma and beta (trained), moving mean and variance (not trained)


def _check_q3(n_params_block, n_trainable_block):
    expect_number(n_params_block, Q3_CONV + Q3_BN, name="n_params_block", hint_if={
        Q3_CONV + 64 + Q3_BN: "off by 64: with BatchNorm after it the convolution has no bias (use_bias=False).",
        Q3_CONV + 2 * 64: "off by 128: BatchNorm also stores a moving mean and a moving variance per channel "
                          "(parameters, but not trained).",
        Q3_CONV: "BatchNorm has parameters too: 4 per channel.",
        3 * 3 * 64 + Q3_BN: "each 3×3 filter looks at all 32 input channels: 3·3·32 weights per filter.",
    })
    expect_number(n_trainable_block, Q3_CONV + 2 * 64, name="n_trainable_block", hint_if={
        Q3_CONV + Q3_BN: "the moving mean and variance are updated by averaging, not by gradient descent: "
                         "they are not trainable.",
        Q3_CONV: "gamma and beta (a scale and a shift per channel) are trained.",
    })


_Q3_SOLUTION = """
n_params_block = 3 * 3 * 32 * 64 + 4 * 64      # conv weights (no bias) + gamma, beta, moving mean, moving variance
n_trainable_block = 3 * 3 * 32 * 64 + 2 * 64   # the moving statistics are not trained
"""

q3 = Exercise(
    "Parameters of Conv2D(64, 3, use_bias=False) + BatchNormalization on 32 channels",
    check=_check_q3,
    hint="A convolution has 3·3·(input channels) weights per filter; here no bias. BatchNorm keeps four numbers "
         "per channel: gamma and beta (trained), the moving mean and variance (not trained). Check yourself "
         "with model.count_params() and the trainable_weights.",
    solution=_Q3_SOLUTION,
    answers=("n_params_block", "n_trainable_block"),
    wrong=[
        (_Q3_SOLUTION.replace("3 * 3 * 32 * 64 + 4 * 64", "3 * 3 * 32 * 64 + 64 + 4 * 64"), "off by 64"),
        (_Q3_SOLUTION.replace("3 * 3 * 32 * 64 + 4 * 64", "3 * 3 * 32 * 64 + 2 * 64"), "moving mean"),
        (_Q3_SOLUTION.replace("3 * 3 * 32 * 64 + 2 * 64", "3 * 3 * 32 * 64 + 4 * 64"), "not trainable"),
    ],
)

# ---------------------------------------------------------------- q4: type the dense-head row


def dense_head_cnn():
    """The reference for q4: the improved CNN without augmentation, with the baseline CNN's head."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", use_bias=False),
        layers.MaxPooling2D(2),
        layers.GroupNormalization(groups=4),
        layers.ReLU(),
        layers.Conv2D(32, 3, padding="same", use_bias=False),
        layers.MaxPooling2D(2),
        layers.GroupNormalization(groups=4),
        layers.ReLU(),
        layers.Conv2D(128, 3, padding="same", use_bias=False),
        layers.MaxPooling2D(2),
        layers.GroupNormalization(groups=4),
        layers.ReLU(),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(25, activation="softmax"),
    ])


def _check_q4(head_model):
    expect_model(head_model, dense_head_cnn(), name="head_model")


_Q4_SETUP = "import keras\nfrom keras import layers\n"
_Q4_SOLUTION = """
def block(filters):
    return [layers.Conv2D(filters, 3, padding="same", use_bias=False), layers.MaxPooling2D(2),
            layers.GroupNormalization(groups=4), layers.ReLU()]

head_model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    *block(16), *block(32), *block(128),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(25, activation="softmax"),
])
"""

q4 = Exercise(
    "Type the improved CNN with the baseline CNN's Dense(128) head (no augmentation)",
    check=_check_q4,
    hint="Three blocks Conv2D(f, 3, padding='same', use_bias=False) → MaxPooling2D(2) → "
         "GroupNormalization(groups=4) → ReLU for f = 16, 32, 128; then Flatten → Dense(128, relu) → "
         "Dropout(0.3) → Dense(25, softmax).",
    solution=_Q4_SOLUTION,
    answers=("head_model",),
    setup=_Q4_SETUP,
    wrong=[
        (_Q4_SOLUTION.replace('padding="same", ', ""), "padding is 'valid' but should be 'same'"),
        (_Q4_SOLUTION.replace("*block(16), *block(32), *block(128)", "*block(16), *block(32)"),
         "layer 9 is Flatten but should be Conv2D"),
        (_Q4_SOLUTION.replace("use_bias=False", "use_bias=True"), "use_bias is True but should be False"),
    ],
)

# ---------------------------------------------------------------- q5: GroupNorm by hand
#: 2 images, 3×3 maps, 4 channels, normalised as GroupNormalization(groups=2) does (γ = 1, β = 0, ε = 0.001).
Q5_GROUPS, Q5_EPSILON = 2, 1e-3


def q5_maps():
    """The feature maps of q5: shape (2, 3, 3, 4), channels on different scales and levels; the second image's
    values are ×2.5 and +4, as if brighter and higher in contrast (fixed numbers, the same on every run)."""
    rng = np.random.default_rng(5)
    maps = rng.normal(size=(2, 3, 3, 4)) * np.array([1.0, 2.0, 0.5, 3.0]) + np.array([0.0, 1.0, -1.0, 2.0])
    maps[1] = 2.5 * maps[1] + 4.0
    return maps.astype(np.float32)


def group_norm_by_hand(maps, groups=Q5_GROUPS, epsilon=Q5_EPSILON):
    """Each image, each group of channels: subtract the group's mean and divide by sqrt(variance + ε)."""
    n, h, w, c = maps.shape
    grouped = np.asarray(maps, dtype=np.float64).reshape(n, h, w, groups, c // groups)
    mean = grouped.mean(axis=(1, 2, 4), keepdims=True)
    var = grouped.var(axis=(1, 2, 4), keepdims=True)
    return ((grouped - mean) / np.sqrt(var + epsilon)).reshape(n, h, w, c)


def _normalise(maps, axes):
    maps = np.asarray(maps, dtype=np.float64)
    return (maps - maps.mean(axis=axes, keepdims=True)) / np.sqrt(maps.var(axis=axes, keepdims=True) + Q5_EPSILON)


def _check_q5(normalised):
    maps = q5_maps()
    expected = group_norm_by_hand(maps)
    value = np.asarray(normalised, dtype=np.float64) if isinstance(normalised, (list, tuple, np.ndarray)) else normalised
    if isinstance(value, np.ndarray) and value.shape == expected.shape and not np.allclose(value, expected, atol=1e-3):
        mistakes = {
            "you normalised each channel over the batch (both images together): that is BatchNorm. GroupNorm uses "
            "each image on its own.": _normalise(maps, (0, 1, 2)),
            "you normalised each channel of each image on its own (that is GroupNorm with 4 groups, *instance "
            "norm*): here 2 groups of 2 channels share one mean.": _normalise(maps, (1, 2)),
            "you used one mean over all 4 channels of an image (one group, *layer norm*): here the channels form "
            "2 groups of 2.": _normalise(maps, (1, 2, 3)),
        }
        for message, wrong in mistakes.items():
            if np.allclose(value, wrong, atol=1e-3):
                raise Wrong(message)
    expect_array(normalised, expected, name="normalised", atol=1e-3)


_Q5_SETUP = "import numpy as np\nfrom helpers.exercises.nb06 import q5_maps\nmaps = q5_maps()\n"
_Q5_SOLUTION = """
grouped = maps.reshape(2, 3, 3, 2, 2)             # image, row, column, group, channel within the group
mean = grouped.mean(axis=(1, 2, 4), keepdims=True)  # one mean per image and group: 3 · 3 · 2 = 18 numbers each
var = grouped.var(axis=(1, 2, 4), keepdims=True)
normalised = ((grouped - mean) / np.sqrt(var + 0.001)).reshape(maps.shape)
"""

q5 = Exercise(
    "GroupNorm by hand: 2 images, 4 channels in 2 groups",
    check=_check_q5,
    hint="Keras groups consecutive channels (0–1, then 2–3). Reshape (2, 3, 3, 4) to (2, 3, 3, 2, 2) so that axis 3 "
         "picks the group and axis 4 the channel within it. "
         "Each image and group has one mean and one variance, over the rows, the columns and the group's channels: "
         "axes (1, 2, 4). Never average over axis 0: that mixes images, which is what BatchNorm does.",
    solution=_Q5_SOLUTION,
    answers=("normalised",),
    setup=_Q5_SETUP,
    wrong=[
        (_Q5_SOLUTION.replace("axis=(1, 2, 4)", "axis=(0, 1, 2, 4)"), "normalised"),
        ("normalised = (maps - maps.mean(axis=(0, 1, 2))) / np.sqrt(maps.var(axis=(0, 1, 2)) + 0.001)", "BatchNorm"),
        ("normalised = (maps - maps.mean(axis=(1, 2), keepdims=True)) / "
         "np.sqrt(maps.var(axis=(1, 2), keepdims=True) + 0.001)", "instance"),
        ("normalised = (maps - maps.mean(axis=(1, 2, 3), keepdims=True)) / "
         "np.sqrt(maps.var(axis=(1, 2, 3), keepdims=True) + 0.001)", "layer norm"),
    ],
)
