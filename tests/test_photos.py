"""Scoring a model on real photos (helpers.photos), on synthetic photo folders: per-letter scores, the
cross-validated photo head, labels that name the bad line, and the Roboflow export's layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import photos, predict
from synthetic_photos import photo_folder, rgb_photo


def test_synthetic_photos_of_one_letter_are_distinct(tmp_path):
    photo_folder(tmp_path)
    a = [np.asarray(Image.open(tmp_path / "A" / f"{i}.jpg")) for i in range(3)]
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])


def test_photo_scorer_on_a_synthetic_photo_folder(tiny_model, tmp_path):
    net, _ = tiny_model
    photo_folder(tmp_path)
    per_letter, overall = photos.score(net, tmp_path, use_box=True)
    assert list(per_letter.index) == ["A", "B", "C", "K"] and overall["photos"] == 12
    assert 0.0 <= overall["top1"] <= overall["top3"] <= 1.0
    with pytest.raises(FileNotFoundError, match="labels.csv"):
        photos.load_labels(tmp_path / "A")
    # the cross-validated photo head: every photo lands in exactly one test fold, never in its own training fold
    per_letter, head_overall, head, splits = photos.photo_head(net, tmp_path, folds=3)
    assert head_overall["photos"] == 12 and 0.0 <= head_overall["top1"] <= head_overall["top3"] <= 1.0
    assert len(splits) == 3
    for train_idx, test_idx in splits:
        assert not set(train_idx) & set(test_idx)
    assert sorted(np.concatenate([test for _, test in splits])) == list(range(12))
    top = predict.predict_letter(tmp_path / "K" / "0.jpg", model=net, head=head)
    assert top[0][0] in {"A", "B", "C", "K"} and sum(p for _, p in top) <= 1.0 + 1e-6


def test_out_of_fold_head_does_not_see_the_photo_it_scores():
    """Features that carry no information: a head that saw its own photo would memorise it (near 100%);
    out of fold it can only guess (about 25% for 4 letters)."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(48, 64))
    y = np.repeat([0, 1, 2, 10], 12)
    probabilities, splits = photos.out_of_fold_probabilities(features, y, folds=4, seed=0)
    for train_idx, test_idx in splits:
        assert not set(train_idx) & set(test_idx)
    memorised = photos.make_photo_head().fit(features, y).score(features, y)
    assert memorised > 0.95  # the leak this test would catch
    assert np.mean(probabilities.argmax(1) == y) < 0.6


def test_labels_with_a_letter_outside_a_to_y_name_the_file_and_line(tmp_path):
    photo_folder(tmp_path, letters=(0, 1), per_letter=2)
    labels = pd.read_csv(tmp_path / "labels.csv")
    labels.loc[2, "letter"] = "J"
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match=r"labels.csv, line 4 \(file B/0.jpg\): letter 'J' is not one of"):
        photos.load_labels(tmp_path)
    labels.loc[2, "letter"] = "Z!"
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match="line 4.*'Z!'"):
        photos.load_labels(tmp_path)


def test_from_yolo_export_lays_out_one_version_per_photo(tmp_path):
    export_dir = tmp_path / "train"
    (export_dir / "images").mkdir(parents=True)
    (export_dir / "labels").mkdir()
    def add(stem, klass, line="0.5 0.5 0.5 0.25"):
        rgb_photo(0, (100, 80)).save(export_dir / "images" / f"{stem}.jpg")
        (export_dir / "labels" / f"{stem}.txt").write_text(f"{klass} {line}\n")
    add("A1_jpg.rf.aaa1", 0)
    add("A1_jpg.rf.bbb2", 0)  # a second augmented version of the same source photo: dropped
    add("B3_jpg.rf.ccc3", 1, "0.25 0.5 0.1 0.5")
    add("J2_jpg.rf.ddd4", 9)  # a motion letter: dropped
    out = photos.from_yolo_export(export_dir, tmp_path / "out")
    labels = photos.load_labels(out)
    assert list(labels["file"]) == ["A/A1_jpg.rf.aaa1.jpg", "B/B3_jpg.rf.ccc3.jpg"]
    assert labels.iloc[0][["x_min", "y_min", "x_max", "y_max", "width", "height"]].tolist() == [25, 30, 75, 50, 100, 80]
    assert labels.iloc[1][["x_min", "y_min", "x_max", "y_max"]].tolist() == [20, 20, 30, 60]
    assert (out / "B" / "B3_jpg.rf.ccc3.jpg").is_file()
    assert "American Sign Language Letters v1" in photos.describe_source(out)
    assert "no SOURCE.md" in photos.describe_source(tmp_path)
    with pytest.raises(FileNotFoundError, match="images"):
        photos.from_yolo_export(tmp_path / "nothing", tmp_path / "out2")
