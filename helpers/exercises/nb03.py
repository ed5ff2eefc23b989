"""Checked exercises of notebook 03 (preprocess, near-copies and a validation split by group).

Each check receives the learner's answer and then the data it was computed from, so it
compares with the arrays in front of the learner (the real files or the test fixture).
"""

from __future__ import annotations

import numpy as np

from helpers.config import IMAGE_SIZE, NUM_CLASSES
from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

SETUP_IMAGES = """
import numpy as np
images = np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)
images[0, 0, 0] = 255  # the brightest possible pixel
labels = np.array([0, 24, 12, 3, 8, 10])
"""

SETUP_GROUPS = """
import numpy as np
train_groups = np.array([0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4])
val_groups = np.array([0, 0, 5, 5, 5, 5, 3, 6])
"""

SETUP_SPLIT = """
import numpy as np
_rng = np.random.default_rng(0)
groups = np.repeat(np.arange(30), _rng.integers(2, 6, 30))  # 30 groups of 2 to 5 near-copies
y_train = groups % 6  # each group shows one of 6 letters
"""


# ---------------------------------------------------------------- q1
def _check_q1(x, images):
    images = np.asarray(images)
    expected = images.astype(np.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1) / 255
    value = np.asarray(x)
    if value.size != images.size:
        raise Wrong(f"x holds {value.size} values but images holds {images.size}: reshape, don't crop or repeat.")
    if value.shape != expected.shape:
        extra = " Add the channel axis: reshape(-1, 28, 28, 1)." if value.shape == images.shape else ""
        raise Wrong(f"x has shape {value.shape}, expected {expected.shape}.{extra}")
    if value.max() > 1.0:
        raise Wrong(f"x reaches {value.max():g}: divide by 255 so that every value lies in [0, 1].")
    if not np.allclose(value, expected, atol=1e-6) and np.allclose(value, expected * 255 / 256, atol=1e-6):
        raise Wrong("you divided by 256; the brightest pixel is 255, so divide by 255 to map it to exactly 1.")
    if value.dtype != np.float32:
        raise Wrong(f"x is {value.dtype}; make it float32 (astype(np.float32) before dividing): Keras computes "
                    "in float32, and float64 takes twice the memory.")
    expect_array(value, expected, name="x")


q1 = Exercise(
    "Scale and reshape by hand",
    check=_check_q1,
    hint="Three steps: astype(np.float32), reshape(-1, 28, 28, 1) for the channel axis, divide by 255.",
    solution="x = images.astype(np.float32).reshape(-1, 28, 28, 1) / 255",
    answers=("x", "images"),
    setup=SETUP_IMAGES,
    wrong=[
        ("x = images.astype(np.float32).reshape(-1, 28, 28, 1)", "divide by 255"),
        ("x = images.astype(np.float32) / 255", "channel axis"),
        ("x = images.astype(np.float32).reshape(-1, 28, 28, 1) / 256", "256"),
        ("x = images.reshape(-1, 28, 28, 1) / 255", "float32"),
    ],
)


# ---------------------------------------------------------------- q2
def _check_q2(y_onehot, labels):
    labels = np.asarray(labels)
    value = np.asarray(y_onehot)
    if value.ndim != 2 or value.shape[0] != len(labels):
        raise Wrong(f"y_onehot needs one row per label, shape ({len(labels)}, {NUM_CLASSES}); got {value.shape}.")
    if value.shape[1] == NUM_CLASSES - 1:
        raise Wrong("24 columns: labels run from 0 to 24 and label k goes in column k, so you need 25 columns "
                    "(column 9, J, stays empty; don't renumber the letters).")
    if value.shape[1] != NUM_CLASSES:
        raise Wrong(f"y_onehot has {value.shape[1]} columns, expected {NUM_CLASSES} (labels 0..24).")
    if not np.isin(value, (0, 1)).all():
        raise Wrong("a one-hot row holds only 0s and a single 1.")
    ones = value.sum(axis=1)
    if (ones != 1).any():
        i = int(np.flatnonzero(ones != 1)[0])
        raise Wrong(f"row {i} holds {ones[i]:g} ones; every row needs exactly one 1, in the column of its label.")
    columns = value.argmax(axis=1)
    if (columns == (labels - 1) % NUM_CLASSES).all():
        raise Wrong("every 1 sits one column too far left: label k goes in column k (A = 0 is column 0), no shift.")
    if (columns == (labels + 1) % NUM_CLASSES).all():
        raise Wrong("every 1 sits one column too far right: label k goes in column k (A = 0 is column 0), no shift.")
    expect_array(value, np.eye(NUM_CLASSES, dtype=np.float32)[labels], name="y_onehot")


q2 = Exercise(
    "One-hot labels by hand",
    check=_check_q2,
    hint="Start from np.zeros((len(labels), 25)) and set one entry per row: row i, column labels[i].",
    solution="y_onehot = np.zeros((len(labels), 25), dtype=np.float32)\ny_onehot[np.arange(len(labels)), labels] = 1",
    answers=("y_onehot", "labels"),
    setup=SETUP_IMAGES,
    wrong=[
        ("y_onehot = np.eye(24)[labels - (labels > 9)]", "25 columns"),
        ("y_onehot = np.eye(25)[labels - 1]", "too far left"),
        ("y_onehot = np.zeros((len(labels), 25))\ny_onehot[:, labels] = 1", "exactly one 1"),
    ],
)


# ---------------------------------------------------------------- q3
def _check_q3(shared, train_groups, val_groups):
    train_groups, val_groups = np.asarray(train_groups), np.asarray(val_groups)
    expected = float(np.isin(val_groups, train_groups).mean())
    both = set(val_groups.tolist()) & set(train_groups.tolist())
    expect_number(shared, expected, name="shared", rel=1e-6, abs=1e-9, hint_if={
        len(both) / len(set(val_groups.tolist())): "that is the share of validation *groups* found in training; "
                                                   "count validation *images* instead.",
        float(np.isin(train_groups, val_groups).mean()): "that is the share of *training* images whose group is in "
                                                         "validation; the question asks about validation images.",
        float(np.isin(val_groups, train_groups).sum()): "that is a count of images; divide by the number of "
                                                         "validation images to get a share.",
    })


q3 = Exercise(
    "Share of validation images with a near-copy in training",
    check=_check_q3,
    hint="np.isin(val_groups, train_groups) is True for each validation image whose group also has an image "
         "in training; the mean of a boolean array is the share of True.",
    solution="shared = np.isin(val_groups, train_groups).mean()",
    answers=("shared", "train_groups", "val_groups"),
    setup=SETUP_GROUPS,
    wrong=[
        ("shared = len(set(val_groups) & set(train_groups)) / len(set(val_groups))", "share of validation *groups*"),
        ("shared = np.isin(train_groups, val_groups).mean()", "*training* images"),
        ("shared = np.isin(val_groups, train_groups).sum()", "count of images"),
    ],
)


# ---------------------------------------------------------------- q4
def _check_q4(gss_train, gss_val, labels, groups):
    if gss_train is None or gss_val is None:
        raise Wrong("gss_train or gss_val is still None: split with GroupShuffleSplit and assign both.")
    labels, groups = np.asarray(labels), np.asarray(groups)
    train_index, val_index = np.asarray(gss_train), np.asarray(gss_val)
    for name, index in (("gss_train", train_index), ("gss_val", val_index)):
        expect_true(index.ndim == 1 and np.issubdtype(index.dtype, np.integer),
                    f"{name} should be a 1-D array of integer positions, got {index.dtype} {index.shape}.")
    together = np.sort(np.concatenate([train_index, val_index]))
    expect_true(np.array_equal(together, np.arange(len(labels))),
                "every image must be on exactly one side: gss_train and gss_val together should be "
                "0, 1, ..., N - 1, each once.")
    both = np.intersect1d(groups[train_index], groups[val_index])
    if len(both):
        raise Wrong(f"{len(both)} group(s) have images on both sides (group {both[0]} for one): split by group, "
                    "passing groups= to the splitter, not image by image.")
    share = len(np.unique(groups[val_index])) / len(np.unique(groups))
    expect_true(0.1 <= share <= 0.3, f"validation holds {share:.0%} of the groups; the exercise asks for about 20%.")


q4 = Exercise(
    "A validation split by group",
    check=_check_q4,
    hint="GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=0).split(X, y, groups) yields one "
         "(train positions, validation positions) pair; next(...) takes it. X is only used for its length.",
    solution=("from sklearn.model_selection import GroupShuffleSplit\n\n"
              "splitter = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=0)\n"
              "gss_train, gss_val = next(splitter.split(np.zeros(len(y_train)), y_train, groups))"
              "  # X is only used for its length"),
    answers=("gss_train", "gss_val", "y_train", "groups"),
    setup=SETUP_SPLIT,
    wrong=[
        ("gss_train = gss_val = None", "still None"),
        ("from sklearn.model_selection import train_test_split\n"
         "gss_train, gss_val = train_test_split(np.arange(len(y_train)), test_size=0.2, random_state=0)",
         "both sides"),
        ("from sklearn.model_selection import GroupShuffleSplit\n"
         "gss_train, gss_val = next(GroupShuffleSplit(n_splits=1, test_size=0.6, random_state=0)"
         ".split(np.zeros(len(y_train)), y_train, groups))", "about 20%"),
    ],
)
