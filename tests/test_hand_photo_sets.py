"""Photo sets (helpers.hand_photo_sets): a folder given without labels is an error, grey photos are told apart, the
shipped landmarks are numbers only and whole, and they stand in when the photos are absent."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from helpers import hand_photo_sets


def test_grey_scale_photos_are_told_from_colour_ones(tmp_path):
    colour, grey = tmp_path / "colour.jpg", tmp_path / "grey.jpg"
    picture = Image.new("RGB", (40, 30), (200, 120, 90))
    picture.save(colour)
    picture.convert("L").convert("RGB").save(grey)
    assert not hand_photo_sets.is_grey_photo(colour) and hand_photo_sets.is_grey_photo(grey)


def test_a_photo_folder_given_without_labels_is_an_error_not_another_set(tmp_path):
    with pytest.raises(FileNotFoundError, match="no labels.csv"):
        hand_photo_sets.photo_folder("signers", tmp_path)
    (tmp_path / "labels.csv").write_text("file,letter\n")
    assert hand_photo_sets.photo_folder("signers", tmp_path) == tmp_path


@pytest.mark.parametrize("name", ["signers", "dev", "webcam"])
def test_the_shipped_landmarks_are_numbers_only_and_whole(name):
    arrays = hand_photo_sets.shipped_landmarks(name)
    assert set(arrays) == set(hand_photo_sets.SHIPPED_KEYS)
    n = len(arrays["photo"])
    assert arrays["landmarks"].shape == (n, 21, 3) and arrays["landmarks"].dtype == np.float32
    assert np.isfinite(arrays["landmarks"][arrays["found"]]).all() and np.isnan(arrays["landmarks"][~arrays["found"]]).all()
    assert set(arrays["letter"]) <= set("ABCDEFGHIKLMNOPQRSTUVWXY") and arrays["found"].mean() > 0.9
    source = (hand_photo_sets.SHIPPED / "SOURCE.md").read_text()
    assert f"`{name}.npz`" in source, "SOURCE.md names where every shipped file comes from"


def test_without_the_photos_the_shipped_landmarks_stand_in(tmp_path, monkeypatch):
    for name, spec in hand_photo_sets.PHOTO_SETS.items():
        monkeypatch.setitem(spec, "default", tmp_path / "absent")
        monkeypatch.delenv(spec["env"], raising=False)
    labels = hand_photo_sets.photo_set_labels("signers")
    assert list(labels.columns) == ["file", "letter", "signer"] and len(labels) == 1680
    few = labels.groupby("letter").head(1)
    arrays = hand_photo_sets.landmarks_of("signers", labels=few)
    assert list(arrays["photo"]) == list(few["file"]) and arrays["landmarks"].shape == (24, 21, 3)
    with pytest.raises(ValueError, match="not in the shipped signers landmarks"):
        hand_photo_sets.landmarks_of("signers", labels=few.assign(file="elsewhere.jpg"))


def test_join_sets_keeps_the_keys_every_set_has_in_order():
    one = {"letter": np.array(["A", "B"]), "found": np.array([True, False]), "grey": np.array([False, True])}
    two = {"letter": np.array(["C"]), "found": np.array([True])}
    joined = hand_photo_sets.join_sets(one, two)
    assert sorted(joined) == ["found", "letter"]
    assert list(joined["letter"]) == ["A", "B", "C"] and list(joined["found"]) == [True, False, True]


def test_shipped_true_reads_the_shipped_copy_even_where_the_photos_are(tmp_path, monkeypatch):
    monkeypatch.setattr(hand_photo_sets, "photo_folder", lambda *args: pytest.fail("shipped=True must not look for photos"))
    labels = hand_photo_sets.photo_set_labels("webcam", shipped=True)
    some = labels.groupby("signer").head(1)
    marks = hand_photo_sets.landmarks_of("webcam", None, some, shipped=True)
    assert list(marks["photo"]) == list(some["file"]) and set(marks["signer"]) == set(labels["signer"])
