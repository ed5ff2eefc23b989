"""Checked exercises of notebook 01 (download and first look at the CSVs).

The notebook holds the two CSVs as pandas tables ``train`` and ``test`` (a ``label``
column, then ``pixel1`` … ``pixel784``); each check receives them after the answers, so
it compares with the data in front of the learner (the real files or the test fixture).
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.config import IMAGE_SIZE, LETTERS, NUM_CLASSES
from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

# Small stand-in tables for the course's own tests of these exercises (no data files).
SETUP = """
import numpy as np
import pandas as pd

_columns = ["label"] + [f"pixel{i}" for i in range(1, 785)]
_rng = np.random.default_rng(0)

def _table(n):
    labels = np.resize([k for k in range(25) if k != 9], n)
    pixels = _rng.integers(3, 251, size=(n, 784))
    return pd.DataFrame(np.column_stack([labels, pixels]), columns=_columns)

train, test = _table(30), _table(12)
"""


def _pixels(table) -> np.ndarray:
    return table.drop(columns="label").to_numpy()


# ---------------------------------------------------------------- q1
def _check_q1(n_train, n_test, train, test):
    if (n_train, n_test) == (len(test), len(train)) and len(train) != len(test):
        raise Wrong("n_train and n_test are swapped: train is the bigger table.")
    for name, value, table in (("n_train", n_train, train), ("n_test", n_test, test)):
        expect_number(value, len(table), name=name, hint_if={
            len(table) + 1: "off by one: the header line names the columns, it is not an image.",
            table.size: "that counts every cell (rows × 785 columns); one image is one row: len(table).",
            table.shape[1]: "that is the number of columns (label + 784 pixels); count the rows.",
        })


q1 = Exercise(
    "Images per split",
    check=_check_q1,
    hint="One image is one row of the table; `len(table)` or `table.shape[0]` counts rows.",
    solution="n_train = len(train)\nn_test = len(test)",
    answers=("n_train", "n_test", "train", "test"),
    setup=SETUP,
    wrong=[
        ("n_train = train.size\nn_test = test.size", "rows × 785"),
        ("n_train, n_test = len(test), len(train)", "swapped"),
        ("n_train, n_test = train.shape[1], test.shape[1]", "number of columns"),
    ],
)


# ---------------------------------------------------------------- q2
def _check_q2(never, test):
    if isinstance(never, str) or (isinstance(never, (list, tuple, set)) and any(isinstance(v, str) for v in never)):
        raise Wrong("give the labels (numbers), not letters: data.letter(k) turns label k into its letter.")
    if isinstance(never, numbers.Integral):
        never = [never]
    try:
        given = sorted(int(v) for v in never)
    except (TypeError, ValueError):
        raise Wrong(f"never should be a list of labels such as [3, 7], got {type(never).__name__}.") from None
    present = sorted({int(v) for v in test["label"]})
    expected = sorted(set(range(NUM_CLASSES)) - set(present))
    outside = [v for v in given if not 0 <= v < NUM_CLASSES]
    expect_true(not outside, f"{outside} is outside 0..{NUM_CLASSES - 1}: the question asks only about labels "
                             f"0 (A) to {NUM_CLASSES - 1} ({LETTERS[-1]}).")
    expect_true(given != present, "those are the labels that do occur; the question asks for the ones that never do.")
    extra = [v for v in given if v in present]
    expect_true(not extra, f"label(s) {extra} do occur in the test set: (test['label'] == {extra[0]}).sum() > 0."
                if extra else "")
    missing = [v for v in expected if v not in given]
    expect_true(not missing, f"{len(missing)} more label(s) in 0..{NUM_CLASSES - 1} never occur in the test set.")


q2 = Exercise(
    "Labels that never occur in the test set",
    check=_check_q2,
    hint="Compare the set of labels 0..24, `set(range(25))`, with the set of labels in `test['label']`.",
    solution='never = sorted(set(range(25)) - set(test["label"]))',
    answers=("never", "test"),
    setup=SETUP,
    wrong=[
        ('never = sorted(set(test["label"]))', "do occur"),
        ("never = [9, 25]", "outside 0..24"),
        ('never = ["J"]', "not letters"),
    ],
)


# ---------------------------------------------------------------- q3
def _check_q3(lo, hi, mean, test):
    pixels = _pixels(test)
    for name, value, what, method in (("lo", lo, "minimum", "min"), ("hi", hi, "maximum", "max"),
                                      ("mean", mean, "mean", "mean")):
        if np.size(value) > 1:
            per = {pixels.shape[1]: "per column", test.shape[1]: "per column", len(test): "per image (row)"}
            raise Wrong(f"{name} holds {np.size(value)} values: that is one {what} "
                        f"{per.get(np.size(value), 'per column or row')}; take the {what} of the whole array: "
                        f".to_numpy().{method}() or .{method}().{method}()")
    everything = test.to_numpy()
    includes_label = isinstance(mean, numbers.Real) and np.isclose(mean, everything.mean())
    if includes_label and not np.isclose(mean, pixels.mean()):
        raise Wrong("that mean includes the label column; take the 784 pixel columns only: "
                    "test.drop(columns='label').")
    if (lo, hi) == (everything.min(), everything.max()) and (lo, hi) != (pixels.min(), pixels.max()):
        raise Wrong("that range includes the label column; take the 784 pixel columns only: "
                    "test.drop(columns='label').")
    first = test["pixel1"].to_numpy()
    if (lo, hi) == (first.min(), first.max()) and (lo, hi) != (pixels.min(), pixels.max()):
        raise Wrong("that is the range of one column (pixel1); take all 784 pixel columns.")
    expect_number(lo, pixels.min(), name="lo")
    expect_number(hi, pixels.max(), name="hi")
    expect_number(mean, pixels.mean(), name="mean", rel=1e-4)


q3 = Exercise(
    "Pixel range and mean of the test set",
    check=_check_q3,
    hint="Drop the label column, then take `.min()`, `.max()` and `.mean()` of the NumPy array "
         "(a DataFrame's own `.min()` works per column).",
    solution='pixels = test.drop(columns="label").to_numpy()\nlo, hi, mean = pixels.min(), pixels.max(), pixels.mean()',
    answers=("lo", "hi", "mean", "test"),
    setup=SETUP,
    wrong=[
        ("_all = test.to_numpy()\nlo, hi, mean = _all.min(), _all.max(), _all.mean()", "label column"),
        ('lo, hi = test["pixel1"].min(), test["pixel1"].max()\nmean = test.drop(columns="label").to_numpy().mean()',
         "one column"),
        ('_px = test.drop(columns="label")\nlo, hi, mean = _px.min(), _px.max(), _px.to_numpy().mean()',
         "one minimum per column"),
        ('_px = test.drop(columns="label").to_numpy()\nlo, hi, mean = _px.min(), _px.max(), _px.mean(axis=1)',
         "one mean per image"),
    ],
)


# ---------------------------------------------------------------- q4
def _check_q4(last_test_image, test):
    expected = _pixels(test)[-1].reshape(IMAGE_SIZE, IMAGE_SIZE)
    value = np.asarray(last_test_image)
    if value.shape == (IMAGE_SIZE, IMAGE_SIZE):
        row = test.to_numpy()[-1]
        if np.array_equal(value, row[:-1].reshape(IMAGE_SIZE, IMAGE_SIZE)):
            raise Wrong("your image starts with the label and lacks the last pixel: drop the label column first.")
        if np.array_equal(value, expected.T):
            raise Wrong("your image is transposed: each run of 28 pixels in the row is one image row "
                        "(row-major), which reshape(28, 28) does without .T.")
        if np.array_equal(value, _pixels(test)[0].reshape(IMAGE_SIZE, IMAGE_SIZE)):
            raise Wrong("that is the first image of the test set; the question asks for the last one (iloc[-1]).")
    expect_array(last_test_image, expected, name="last_test_image")


q4 = Exercise(
    "A CSV row becomes an image",
    check=_check_q4,
    hint="Take the last row with `test.iloc[-1]`, leave out the label, turn it into NumPy and `.reshape(28, 28)`.",
    solution='last_test_image = test.drop(columns="label").iloc[-1].to_numpy().reshape(28, 28)',
    answers=("last_test_image", "test"),
    setup=SETUP,
    wrong=[
        ("last_test_image = test.iloc[-1].to_numpy()[:784].reshape(28, 28)", "starts with the label"),
        ('last_test_image = test.drop(columns="label").iloc[-1].to_numpy()', "shape (28, 28)"),
        ('last_test_image = test.drop(columns="label").iloc[-1].to_numpy().reshape(28, 28).T', "transposed"),
    ],
)
