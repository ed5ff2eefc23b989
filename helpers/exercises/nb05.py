"""Checked exercises of notebook 05 (evaluate: reading a confusion matrix)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises import Exercise, Wrong, expect_array, expect_number, expect_true

# A small confusion matrix for the tests of q2 and q3 (rows: true letter, columns: predicted letter).
_SMALL_SETUP = """
import numpy as np
import pandas as pd
cm_table = pd.DataFrame([[50, 1, 9], [2, 40, 0], [4, 7, 30]],
                        index=pd.Index(list("MNS"), name="true"), columns=pd.Index(list("MNS"), name="predicted"))
"""

# ---------------------------------------------------------------- q1: recall per letter
SMALL = np.array([[8, 2, 0], [1, 6, 3], [0, 0, 20]])


def _check_q1(recall_small):
    recall = recall_small
    expected = np.diag(SMALL) / SMALL.sum(axis=1)
    value = np.asarray(recall.numpy() if hasattr(recall, "numpy") else recall)
    if value.shape == expected.shape and value.dtype != object:
        if np.allclose(value, np.diag(SMALL) / SMALL.sum(axis=0)):
            raise Wrong("you divided by the column sums: that is precision (of the images predicted as a letter, "
                        "the share that really is it). Recall divides by the row sums (all images of the letter).")
        if np.allclose(value, np.diag(SMALL)):
            raise Wrong("those are counts of right answers; divide each by the number of images of that letter.")
    expect_array(value, expected, name="recall_small", atol=1e-3)


_Q1_SOLUTION = "recall_small = np.diag(small) / small.sum(axis=1)  # right answers / all images of that true letter"

q1 = Exercise(
    "Recall per letter from a small confusion matrix",
    check=_check_q1,
    hint="Rows are the true letter. Recall of a letter = right answers for it (the diagonal) / all its images "
         "(its row sum).",
    solution=_Q1_SOLUTION,
    answers=("recall_small",),
    setup="import numpy as np\nfrom helpers.exercises.nb05 import SMALL as small\n",
    wrong=[
        ("recall_small = np.diag(small) / small.sum(axis=0)", "precision"),
        ("recall_small = np.diag(small)", "counts of right answers"),
        ("recall_small = np.array([0.8, 0.6, 0.9])", "recall_small[2]"),
    ],
)

# ---------------------------------------------------------------- q2: accuracy from a confusion matrix


def _check_q2(cm_table, accuracy_from_cm):
    counts = np.asarray(cm_table)
    expected = np.trace(counts) / counts.sum()
    mean_recall = float(np.mean(np.diag(counts) / np.maximum(counts.sum(axis=1), 1)))
    hints = {}
    if not np.isclose(mean_recall, expected):
        hints[mean_recall] = ("that is the mean of the per-letter recalls (balanced accuracy); accuracy is the share "
                              "of all images that are right: the diagonal's sum over the matrix's sum.")
    hints[float(np.trace(counts))] = "that is the number of right answers; divide by the number of images."
    expect_number(accuracy_from_cm, expected, name="accuracy_from_cm", rel=1e-6, hint_if=hints)


_Q2_SOLUTION = "accuracy_from_cm = np.trace(cm_table) / cm_table.to_numpy().sum()  # right answers / all images"

q2 = Exercise(
    "Accuracy from a confusion matrix",
    check=_check_q2,
    hint="The right answers are on the diagonal (np.trace adds them up); every image is counted once somewhere "
         "in the matrix.",
    solution=_Q2_SOLUTION,
    answers=("cm_table", "accuracy_from_cm"),
    setup=_SMALL_SETUP,
    wrong=[
        ("accuracy_from_cm = np.mean(np.diag(cm_table) / cm_table.to_numpy().sum(axis=1))", "balanced accuracy"),
        ("accuracy_from_cm = np.trace(cm_table)", "number of right answers"),
    ],
)

# ---------------------------------------------------------------- q3: the most-confused pair


def _check_q3(cm_table, most_confused):
    expect_true(isinstance(cm_table, pd.DataFrame), "cm_table should be the confusion matrix as a DataFrame.")
    expect_true(isinstance(most_confused, (tuple, list)) and len(most_confused) == 2,
                f"most_confused should be a pair (true letter, predicted letter), got {most_confused!r}.")
    true_letter, predicted_letter = (str(x) for x in most_confused)
    letters = list(map(str, cm_table.index))
    for letter in (true_letter, predicted_letter):
        expect_true(letter in letters, f"{letter!r} is not a letter of the matrix ({', '.join(letters)}).")
    counts = cm_table.to_numpy().copy()
    np.fill_diagonal(counts, 0)
    top = counts.max()
    expect_true(top > 0, "this matrix has no mistakes at all, so there is no confused pair.")
    best = {(letters[i], letters[j]) for i, j in zip(*np.nonzero(counts == top))}
    if (true_letter, predicted_letter) in best:
        return
    if true_letter == predicted_letter:
        raise Wrong(f"({true_letter!r}, {predicted_letter!r}) is on the diagonal: those are the right answers. "
                    "Set the diagonal to zero before looking for the largest count.")
    if (predicted_letter, true_letter) in best:
        raise Wrong(f"reversed: rows are the true letter and columns the prediction, so the pair is "
                    f"({predicted_letter!r}, {true_letter!r}).")
    count = int(cm_table.loc[true_letter, predicted_letter])
    raise Wrong(f"{true_letter} predicted as {predicted_letter} happened {count} times, but another pair "
                f"happened {int(top)} times.")


_Q3_SOLUTION = """
counts = cm_table.to_numpy().copy()
np.fill_diagonal(counts, 0)  # the diagonal holds the right answers
i, j = np.unravel_index(counts.argmax(), counts.shape)
most_confused = (cm_table.index[i], cm_table.columns[j])
"""

q3 = Exercise(
    "The most-confused pair",
    check=_check_q3,
    hint="Copy the matrix as a NumPy array, set its diagonal (the right answers) to 0, and find the row and "
         "column of the largest count with np.unravel_index(counts.argmax(), counts.shape).",
    solution=_Q3_SOLUTION,
    answers=("cm_table", "most_confused"),
    setup=_SMALL_SETUP,
    wrong=[
        (_Q3_SOLUTION.replace("np.fill_diagonal(counts, 0)", "pass"), "on the diagonal"),
        (_Q3_SOLUTION.replace("(cm_table.index[i], cm_table.columns[j])", "(cm_table.index[j], cm_table.columns[i])"),
         "reversed"),
        ("most_confused = ('S', 'N')", "another pair happened 9 times"),
    ],
)
