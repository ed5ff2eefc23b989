"""Checked exercises of notebook 09 (hand landmarks and a classifier measured on people it never saw)."""

from __future__ import annotations

import numpy as np

from helpers.exercises import Exercise, Wrong, expect_number

#: q1's hand: 21 made-up keypoints (x, y, z in pixels), wrist first, somewhere in a photo.
q1_landmarks = (np.array([
    [0, 0, 0],
    [-30, -20, -5], [-50, -45, -8], [-62, -70, -10], [-70, -90, -12],      # thumb
    [-22, -80, -3], [-25, -120, -5], [-27, -145, -6], [-28, -165, -7],     # index
    [0, -85, -2], [0, -130, -4], [0, -158, -5], [0, -180, -6],             # middle
    [20, -80, -2], [22, -120, -3], [23, -145, -4], [24, -162, -5],         # ring
    [38, -70, -1], [42, -100, -2], [44, -120, -3], [45, -136, -4],         # pinky
], dtype=np.float64) + np.array([210.0, 330.0, 0.0]))

KNUCKLES = [5, 9, 13, 17]


def _palm(points: np.ndarray) -> float:
    centred = points - points[0]
    return float(np.linalg.norm(centred[KNUCKLES], axis=1).mean())


def _check_q1(palm_size):
    centred = q1_landmarks - q1_landmarks[0]
    expect_number(palm_size, _palm(q1_landmarks), name="palm_size", rel=1e-4, hint_if={
        float(np.linalg.norm(centred[9])): "that is the distance to the middle knuckle only: average over the four knuckles 5, 9, 13 and 17.",
        float(np.linalg.norm(centred[KNUCKLES, :2], axis=1).mean()): "that is the distance in x and y only: use all three coordinates (x, y, z).",
        float(np.linalg.norm(q1_landmarks[KNUCKLES], axis=1).mean()): "those are distances from the photo's corner: subtract the wrist (point 0) first.",
        float(np.linalg.norm(centred[[4, 8, 12, 16, 20]], axis=1).mean()): "those are the fingertips: the palm ends at the knuckles 5, 9, 13, 17.",
    })


q1 = Exercise(
    "Palm size of a hand",
    check=_check_q1,
    hint="Subtract the wrist (row 0) from every point, take the length of rows 5, 9, 13 and 17 with "
         "np.linalg.norm(..., axis=1), and average the four.",
    solution="""
centred = q1_landmarks - q1_landmarks[0]
palm_size = np.linalg.norm(centred[[5, 9, 13, 17]], axis=1).mean()
""",
    answers=("palm_size",),
    setup="import numpy as np\nfrom helpers.exercises.nb09 import q1_landmarks\n",
    wrong=[
        ("palm_size = np.linalg.norm(q1_landmarks[9] - q1_landmarks[0])", "four knuckles"),
        ("palm_size = np.linalg.norm(q1_landmarks[[5, 9, 13, 17]], axis=1).mean()", "subtract the wrist"),
        ("c = q1_landmarks - q1_landmarks[0]\npalm_size = np.linalg.norm(c[[5, 9, 13, 17], :2], axis=1).mean()",
         "all three coordinates"),
    ],
)


def _check_q2(n_distances, n_features):
    expect_number(n_distances, 210, name="n_distances", hint_if={
        441: "21 × 21 counts every point with itself and every pair twice: a pair (i, j) with i < j is counted once.",
        420: "21 × 20 counts each pair twice ((i, j) and (j, i) are the same distance): divide by 2.",
        231: "21 × 22 / 2 includes each point's distance to itself (always 0): use 21 × 20 / 2.",
    })
    if n_features == 63 + 210:
        raise Wrong("n_features = 273 counts the wrist's x, y, z, which are always 0 after centring: 20 points, not 21.")
    expect_number(n_features, 270, name="n_features", hint_if={
        210: "add the 20 points' x, y and z (60 numbers) to the distances.",
        250: "20 points × 3 coordinates is 60, not 40: z counts too.",
    })


q2 = Exercise(
    "How many features",
    check=_check_q2,
    hint="Pairs of 21 points taken once each: 21 × 20 / 2. The wrist is 0 after centring, so 20 points × 3 "
         "coordinates remain.",
    solution="""
n_distances = 21 * 20 // 2
n_features = 20 * 3 + n_distances
""",
    answers=("n_distances", "n_features"),
    wrong=[
        ("n_distances = 21 * 20\nn_features = 20 * 3 + n_distances", "divide by 2"),
        ("n_distances = 21 * 20 // 2\nn_features = 21 * 3 + n_distances", "the wrist"),
        ("n_distances = 21 * 21\nn_features = 60 + n_distances", "with itself"),
    ],
)

#: q3's ten test photos: true letter indices, the classifier's top-1, and whether a hand was found.
q3_truth = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
q3_predicted = np.array([0, 1, 2, 3, 18, 5, 6, 20, 8, 10])  # where no hand was found the value means nothing
q3_found = np.array([True, True, True, False, True, True, False, True, True, True])


def _check_q3(top1, detection_rate):
    right = q3_found & (q3_predicted == q3_truth)
    expect_number(top1, right.mean(), name="top1", rel=1e-6, hint_if={
        float(right[q3_found].mean()): "that is the accuracy of the photos where a hand was found only: divide by ALL ten photos (a miss is wrong).",
        float(np.mean(q3_predicted == q3_truth)): "a photo without a detected hand counts as wrong, whatever q3_predicted says there: combine with q3_found.",
    })
    expect_number(detection_rate, q3_found.mean(), name="detection_rate", hint_if={
        float(1 - q3_found.mean()): "that is the miss rate: the detection rate is the fraction of photos where a hand WAS found.",
    })


q3 = Exercise(
    "Top-1 with missed hands counted as wrong",
    check=_check_q3,
    hint="A photo is right only if a hand was found AND the top-1 is its letter: q3_found & (q3_predicted == q3_truth), "
         "averaged over all ten photos.",
    solution="""
top1 = np.mean(q3_found & (q3_predicted == q3_truth))
detection_rate = q3_found.mean()
""",
    answers=("top1", "detection_rate"),
    setup="import numpy as np\nfrom helpers.exercises.nb09 import q3_found, q3_predicted, q3_truth\n",
    wrong=[
        ("top1 = np.mean((q3_predicted == q3_truth)[q3_found])\ndetection_rate = q3_found.mean()", "ALL ten photos"),
        ("top1 = np.mean(q3_predicted == q3_truth)\ndetection_rate = q3_found.mean()", "counts as wrong"),
        ("top1 = np.mean(q3_found & (q3_predicted == q3_truth))\ndetection_rate = 1 - q3_found.mean()", "miss rate"),
    ],
)
