"""Checked exercises of notebook 02 (explore the images).

The notebook holds the training images ``x_train`` (uint8, shape (N, 28, 28)) and their
labels ``y_train``; each check receives them after the answers, so it compares with the
data in front of the learner (the real files or the test fixture).
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.config import IMAGE_SIZE, LETTERS, VALID_LABELS
from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

# Small stand-in arrays for the course's own tests of these exercises (no data files).
# Every letter gets a different brightness, so that the brightest mean is known: T (19).
SETUP = """
import numpy as np
from helpers import config

_rng = np.random.default_rng(0)
y_train = np.concatenate([np.full(3 + k % 4, k) for k in config.VALID_LABELS])
_rng.shuffle(y_train)
_level = {k: 60 + 4 * k - (30 if k > 19 else 0) for k in config.VALID_LABELS}
x_train = np.stack([np.clip(_rng.normal(_level[int(k)], 25, (28, 28)), 0, 255) for k in y_train]).astype(np.uint8)
x_train[np.flatnonzero(y_train == 0)[0]] = 240  # the brightest single image is an A
"""


def _mean_brightness(x_train, y_train) -> dict[int, float]:
    return {k: float(x_train[y_train == k].mean()) for k in VALID_LABELS if np.any(y_train == k)}


# ---------------------------------------------------------------- q1
def _check_q1(ratio, y_train):
    counts = np.bincount(np.asarray(y_train))
    present = counts[counts > 0]
    expect_number(ratio, present.max() / present.min(), name="ratio", hint_if={
        present.min() / present.max(): "that is smallest / largest; divide the largest count by the smallest.",
        float("inf"): "the count of J (label 9) is 0: count only the letters that occur "
                      "(value_counts() does, np.bincount does not).",
    })


q1 = Exercise(
    "Class balance ratio",
    check=_check_q1,
    hint="`pd.Series(y_train).value_counts()` counts the images of each label; divide the largest count by the smallest.",
    solution="counts = pd.Series(y_train).value_counts()\nratio = counts.max() / counts.min()",
    answers=("ratio", "y_train"),
    setup=SETUP + "import pandas as pd\n",
    wrong=[
        ("counts = pd.Series(y_train).value_counts()\nratio = counts.min() / counts.max()", "smallest / largest"),
        ("with np.errstate(divide='ignore'):\n    counts = np.bincount(y_train)\n    ratio = counts.max() / counts.min()",
         "label 9"),
    ],
)


# ---------------------------------------------------------------- q2
M = LETTERS.index("M")  # label 12


def _check_q2(mean_m, x_train, y_train):
    value = np.asarray(mean_m)
    if value.ndim == 0:
        raise Wrong("mean_m is one number: average over the images only (axis=0), "
                    "so that each of the 28 × 28 pixels keeps its own mean.")
    if value.shape == (IMAGE_SIZE, IMAGE_SIZE):
        if np.allclose(value, x_train.mean(axis=0)):
            raise Wrong("that is the mean of every training image; keep only the images of M (y_train == 12).")
        for k in (M - 1, M + 1):
            if np.any(y_train == k) and np.allclose(value, x_train[y_train == k].mean(axis=0)):
                raise Wrong(f"that is the mean image of {LETTERS[k]} (label {k}); labels count from A = 0, so M is 12.")
    expect_array(mean_m, x_train[y_train == M].mean(axis=0), name="mean_m", atol=1e-3)


q2 = Exercise(
    "The mean image of M",
    check=_check_q2,
    hint="Select the images with a boolean mask, `x_train[y_train == 12]`, then `.mean(axis=0)` averages over images.",
    solution="mean_m = x_train[y_train == 12].mean(axis=0)",
    answers=("mean_m", "x_train", "y_train"),
    setup=SETUP,
    wrong=[
        ("mean_m = x_train.mean(axis=0)", "every training image"),
        ("mean_m = x_train[y_train == 13].mean(axis=0)", "labels count from A = 0"),
        ("mean_m = x_train[y_train == 12].mean()", "one number"),
        ("mean_m = x_train[y_train == 12].mean(axis=(1, 2))", "shape (28, 28)"),
    ],
)


# ---------------------------------------------------------------- q3
def _check_q3(brightest, x_train, y_train):
    if isinstance(brightest, str):
        raise Wrong("give the label (a number), not the letter: data.letter(label) turns a label into its letter.")
    means = _mean_brightness(x_train, y_train)
    expected = max(means, key=means.get)
    present = list(means)
    if isinstance(brightest, numbers.Integral) and int(brightest) != expected:
        if int(brightest) == present.index(expected):
            raise Wrong(f"{int(brightest)} is the position of the answer in the list of letters, not its label: "
                        "J (9) is missing, so after I positions and labels differ by one. "
                        "Use the label at that position.")
        single = int(y_train[np.argmax(x_train.reshape(len(x_train), -1).mean(axis=1))])
        if int(brightest) == single:
            raise Wrong(f"{LETTERS[single]} has the brightest single image; the question asks for the letter "
                        "whose mean image is brightest.")
    expect_true(isinstance(brightest, numbers.Integral),
                f"brightest should be a label (an integer), got {type(brightest).__name__} {brightest!r}.")
    expect_true(int(brightest) == expected,
                f"label {int(brightest)} ({LETTERS[int(brightest)] if 0 <= int(brightest) < len(LETTERS) else '?'}) "
                f"has a mean pixel value of {means.get(int(brightest), float('nan')):.1f}; "
                f"another letter's mean image is brighter.")


q3 = Exercise(
    "The brightest letter",
    check=_check_q3,
    hint="For each label k in config.VALID_LABELS take `x_train[y_train == k].mean()`; "
         "return the label (not the position in the list) with the largest value.",
    solution="brightness = {k: x_train[y_train == k].mean() for k in config.VALID_LABELS}\n"
             "brightest = max(brightness, key=brightness.get)",
    answers=("brightest", "x_train", "y_train"),
    setup=SETUP,
    wrong=[
        ("brightest = int(np.argmax([x_train[y_train == k].mean() for k in config.VALID_LABELS]))", "position"),
        ("brightest = int(y_train[np.argmax(x_train.mean(axis=(1, 2)))])", "single image"),
        ("brightest = 'T'", "not the letter"),
    ],
)
