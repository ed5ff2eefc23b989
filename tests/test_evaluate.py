"""The group bootstrap of notebook 05: groups of near-copies make an accuracy less precise than its image count says."""

from __future__ import annotations

import numpy as np

from helpers import evaluate


def binomial_se(right):
    p = np.mean(right)
    return np.sqrt(p * (1 - p) / len(right))


def test_one_image_per_group_gives_the_binomial_standard_error():
    right = np.random.default_rng(0).random(2000) < 0.8
    se, n_groups = evaluate.group_bootstrap_se(right, np.arange(len(right)), seed=1)
    assert n_groups == 2000
    assert abs(se - binomial_se(right)) < 0.1 * binomial_se(right)


def test_groups_answered_all_right_or_all_wrong_count_as_one_image_each():
    # 100 groups of 20 near-copies; the model gets each group entirely right or entirely wrong
    group_right = np.random.default_rng(0).random(100) < 0.8
    right, groups = np.repeat(group_right, 20), np.repeat(np.arange(100), 20)
    se, n_groups = evaluate.group_bootstrap_se(right, groups, seed=1)
    assert n_groups == 100
    assert abs(se - binomial_se(group_right)) < 0.15 * binomial_se(group_right)  # the groups, not the 2,000 images
    assert se > 3 * binomial_se(right)


def test_group_ids_need_not_be_consecutive_and_the_answer_is_repeatable():
    right = np.array([True, True, False, True, False, False, True, True])
    groups = np.array([70, 70, 3, 3, 900, 900, 12, 12])
    first = evaluate.group_bootstrap_se(right, groups, seed=5)
    assert first == evaluate.group_bootstrap_se(right, groups, seed=5)
    assert first[1] == 4 and first[0] > 0
