"""Checked exercises of notebook 02 (explore the images).

The notebook holds the training images ``x_train`` (uint8, shape (N, 28, 28)), their
labels ``y_train`` and the test labels ``y_test``; each check receives the arrays it needs
after the answers, so it compares with the data in front of the learner (the real files or
the test fixture).
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.config import IMAGE_SIZE, LETTERS, VALID_LABELS
from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

# Small stand-in arrays for the course's own tests of these exercises (no data files).
# Every letter gets a different brightness, so that the brightest mean is known: T (19).
# The most frequent training letter is F (5, 7 images); in y_test it is one of the rarest (1 image).
SETUP = """
import numpy as np
from helpers import config

_rng = np.random.default_rng(0)
y_train = np.concatenate([np.full(3 + k % 4 + 3 * (k == 5), k) for k in config.VALID_LABELS])
y_test = np.concatenate([np.full(1 + (7 * k) % 5, k) for k in config.VALID_LABELS])
_rng.shuffle(y_train)
_level = {k: 60 + 4 * k - (30 if k > 19 else 0) for k in config.VALID_LABELS}
x_train = np.stack([np.clip(_rng.normal(_level[int(k)], 25, (28, 28)), 0, 255) for k in y_train]).astype(np.uint8)
x_train[np.flatnonzero(y_train == 0)[0]] = 240  # the brightest single image is an A
"""


def _mean_brightness(x_train, y_train) -> dict[int, float]:
    return {k: float(x_train[y_train == k].mean()) for k in VALID_LABELS if np.any(y_train == k)}


# ---------------------------------------------------------------- q1
def _check_q1(floor_on_test, y_train, y_test):
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    most_frequent = int(np.argmax(np.bincount(y_train)))
    expected = float(np.mean(y_test == most_frequent))
    hint_if = {
        float(np.mean(y_train == most_frequent)):
            f"that is the share of {LETTERS[most_frequent]} in the training set; the question asks how often "
            f"answering {LETTERS[most_frequent]} is right on the test set: (y_test == label).mean().",
        float(np.bincount(y_test).max() / len(y_test)):
            "that is the share of the test set's own most frequent letter; the model only knows the training "
            "set, so it always answers the training set's most frequent letter.",
        float(np.sum(y_test == most_frequent)):
            "that is a number of test images; divide by the number of test images (or use .mean()) for a share.",
        100 * expected: "give a share between 0 and 1, not a percentage.",
    }
    hint_if.pop(expected, None)  # never explain away the right answer
    expect_number(floor_on_test, expected, name="floor_on_test", hint_if=hint_if)


q1 = Exercise(
    "The training set's most frequent letter, on the test set",
    check=_check_q1,
    hint="`pd.Series(y_train).value_counts().idxmax()` is the training set's most frequent label; "
         "`(y_test == label).mean()` is the share of test images with that label.",
    solution="most_frequent = pd.Series(y_train).value_counts().idxmax()\n"
             "floor_on_test = (y_test == most_frequent).mean()",
    answers=("floor_on_test", "y_train", "y_test"),
    setup=SETUP + "import pandas as pd\n",
    wrong=[
        ("most_frequent = pd.Series(y_train).value_counts().idxmax()\n"
         "floor_on_test = (y_train == most_frequent).mean()", "share of F in the training set"),
        ("floor_on_test = pd.Series(y_test).value_counts().max() / len(y_test)", "test set's own"),
        ("floor_on_test = float((y_test == np.bincount(y_train).argmax()).sum())", "number of test images"),
        ("floor_on_test = 100 * (y_test == np.bincount(y_train).argmax()).mean()", "not a percentage"),
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
