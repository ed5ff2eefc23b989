"""Near-duplicate groups: the fixture's known groups are recovered, and the grouped split keeps them whole."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config, data, groups
from tools.fixture import make_split


def known(n_rows: int = 1200, seed: int = 0):
    frame, truth = make_split(n_rows, seed, return_groups=True)
    images = frame.to_numpy()[:, 1:].astype(np.uint8).reshape(-1, 28, 28)
    return images, frame["label"].to_numpy(), truth


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when the two labelings put exactly the same images together (ids may differ)."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_standardized_dot_product_is_pearson_correlation():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    rows = groups.standardize(images)
    assert np.allclose(rows @ rows.T, np.corrcoef(images.reshape(5, -1)), atol=1e-5)
    assert np.allclose(groups.standardize(np.full((1, 28, 28), 7)), 0.0)  # a constant image: no NaN


def test_the_fixture_is_made_of_known_groups():
    images, labels, truth = known()
    assert 150 <= len(np.unique(truth)) <= 500
    for g in np.unique(truth):
        assert len(np.unique(labels[truth == g])) == 1


@pytest.mark.parametrize("by_label", [True, False])
def test_grouping_recovers_the_known_groups(by_label):
    images, labels, truth = known()
    found = groups.near_duplicate_groups(images, labels if by_label else None)
    assert found.shape == truth.shape and found.min() == 0 and found.max() == len(np.unique(found)) - 1
    assert same_partition(found, truth)


def test_grouping_links_chains_and_respects_the_threshold():
    # a, b, c: corr(a, b) and corr(b, c) above 0.95, corr(a, c) below: one group by chaining
    rng = np.random.default_rng(1)
    a = rng.normal(size=784)
    b = a + rng.normal(size=784) * 0.25
    c = b + rng.normal(size=784) * 0.25
    far = rng.normal(size=784)
    images = np.stack([a, b, c, far]).reshape(4, 28, 28)
    corr = np.corrcoef(images.reshape(4, -1))
    assert corr[0, 1] > 0.95 and corr[1, 2] > 0.95 and corr[0, 2] < 0.95
    found = groups.near_duplicate_groups(images)
    assert found[0] == found[1] == found[2] != found[3]
    assert len(np.unique(groups.near_duplicate_groups(images, threshold=0.99))) == 4


def test_groups_within_labels_never_mix_labels_and_summary_counts_them():
    images, labels, truth = known(600)
    found = groups.near_duplicate_groups(images, labels)
    summary = groups.group_summary(found, labels)
    assert summary["groups"] == len(np.unique(truth)) and summary["mixed_label_groups"] == 0
    assert summary["largest"] == np.bincount(truth).max() and summary["images"] == 600
    mixed = groups.group_summary(np.zeros(4, int), np.array([0, 0, 1, 1]))
    assert mixed["mixed_label_groups"] == 1 and mixed["groups"] == 1 and mixed["median_size"] == 4


def test_nearest_correlation_excludes_self_and_finds_the_near_copy():
    images, labels, truth = known(240, seed=3)
    nn = groups.nearest_neighbour_correlations(images, images[:10])
    assert (nn["train_neighbour"] != nn["train_index"]).all(), "an image matched itself"
    has_copy = np.bincount(truth)[truth] > 1  # the last group of a letter can be a single image
    in_group = truth[nn["train_neighbour"]] == truth[nn["train_index"]]
    assert in_group[has_copy].all() and (nn["train_to_train"][has_copy] > 0.95).all()
    assert (nn["train_to_train"][~has_copy] < 0.95).all() and has_copy.mean() > 0.9
    # the test queries are copies of training images 0..9: each finds its copy with correlation 1
    assert np.array_equal(nn["test_neighbour"], np.arange(10)) and np.allclose(nn["test_to_train"], 1.0, atol=1e-5)
    sampled = groups.nearest_neighbour_correlations(images, images[:50], sample=20, seed=0)
    assert len(sampled["train_to_train"]) == 20 and len(sampled["test_to_train"]) == 20
    assert len(np.unique(sampled["train_index"])) == 20


def test_fixture_test_images_are_not_near_copies_of_training_images():
    train, _, _ = known(1200, seed=0)
    test, _, _ = known(240, seed=1)
    nn = groups.nearest_neighbour_correlations(train, test)
    assert np.median(nn["train_to_train"]) > 0.95 > np.median(nn["test_to_train"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_split_never_puts_a_group_on_both_sides(seed):
    images, labels, truth = known(600, seed=seed)
    train_index, val_index = data.grouped_split(labels, truth, val_fraction=0.15, seed=seed)
    assert not set(truth[train_index]) & set(truth[val_index])
    assert set(labels[val_index]) == set(labels[train_index]) == set(config.VALID_LABELS)
    assert sorted(np.concatenate([train_index, val_index])) == list(range(len(labels)))
    assert 0.08 <= len(val_index) / len(labels) <= 0.25


# --------------------------------------------------------------------------- signers
def test_training_signers_reads_the_fixtures_table_and_keeps_groups_whole(fixture_dir):
    from tools.fixture import FAKE_SIGNERS

    raw = data.load_dataset(fixture_dir)
    signers = groups.training_signers(raw["y_train"], fixture_dir)
    assert signers.shape == raw["y_train"].shape and set(signers) == set(FAKE_SIGNERS)
    truth = make_split(len(raw["y_train"]), 0, return_groups=True)[1]  # write_fixture's seed and size
    assert all(len(set(signers[truth == g])) == 1 for g in np.unique(truth)), "a group of near-copies has two signers"
    for signer in FAKE_SIGNERS:  # every fake signer signs every letter
        assert set(raw["y_train"][signers == signer]) == set(config.VALID_LABELS)


def test_the_shipped_table_fits_its_own_labels_and_nothing_else():
    import pandas as pd

    table = pd.read_csv(groups.SHIPPED_SIGNERS)
    labels = table["label"].to_numpy()
    assert len(table) == config.EXPECTED_ROWS[config.TRAIN_CSV] and len(set(table["signer"])) == 7
    assert np.array_equal(groups.training_signers(labels), table["signer"].to_numpy().astype(str))
    with pytest.raises(groups.SignerTableError, match="27455 rows but there are 27454 training images"):
        groups.training_signers(labels[:-1])
    changed = labels.copy()
    changed[5] = 0 if changed[5] != 0 else 1
    with pytest.raises(groups.SignerTableError, match="1 of its 27455 labels differ.*first at row 5"):
        groups.training_signers(changed)


def test_a_table_for_other_data_raises_and_says_how_to_fix_it(fixture_dir, tmp_path):
    labels = data.load_dataset(fixture_dir)["y_train"]
    # a data folder without signers.csv falls back to the shipped table, made for Kaggle's 27,455 images
    with pytest.raises(groups.SignerTableError, match=r"belongs to other data.*signers\.csv"):
        groups.training_signers(labels, tmp_path)
    (tmp_path / groups.SIGNERS_CSV).write_text("row,label,person\n0,1,a\n")
    with pytest.raises(groups.SignerTableError, match=r"lacks the column\(s\) \['signer'\]"):
        groups.training_signers(labels, tmp_path)
    shuffled = (fixture_dir / groups.SIGNERS_CSV).read_text().splitlines()
    (tmp_path / groups.SIGNERS_CSV).write_text("\n".join([shuffled[0], *shuffled[:0:-1]]) + "\n")  # rows reversed
    with pytest.raises(groups.SignerTableError, match="not 0, 1, ..., 1199 in order"):
        groups.training_signers(labels, tmp_path)


def test_a_missing_table_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(groups, "SHIPPED_SIGNERS", tmp_path / "nowhere.csv")
    with pytest.raises(groups.SignerTableError, match="No signer table: .*nowhere.csv is missing"):
        groups.training_signers(np.zeros(3, dtype=int), tmp_path)


def test_grouped_split_folds_rotate_the_held_out_groups():
    _, labels, truth = known(600, seed=0)
    signers = truth % 4  # four "signers", each holding whole groups and every letter
    held_out = []
    for fold in range(4):
        train_index, val_index = data.grouped_split(labels, signers, val_fraction=0.15, seed=0, fold=fold)
        assert not set(signers[train_index]) & set(signers[val_index])
        held_out.append(tuple(np.unique(signers[val_index])))
    assert sorted(held_out) == [(0,), (1,), (2,), (3,)]
    assert np.array_equal(data.grouped_split(labels, truth, 0.15, 0)[1], data.grouped_split(labels, truth, 0.15, 0, fold=0)[1])
    with pytest.raises(ValueError, match="fold 4 asked for, but only 4"):
        data.grouped_split(labels, signers, val_fraction=0.15, seed=0, fold=4)
