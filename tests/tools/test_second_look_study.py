"""`make second-look-study`: the detector's other framings are put back in the photo's pixels and the largest hand
wins; each row is scored on the landmarks it names; the CNN rows leave out the people Sign Language MNIST is made
of, and multiplying two classifiers' probabilities keeps a photo without a hand at zero."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from helpers import hand_eval
from helpers.config import NUM_CLASSES
from tools import second_look_study as study


def hand(x0: float, y0: float, size: float) -> np.ndarray:
    """21 points spread over a square box of side ``size`` at (x0, y0)."""
    grid = np.linspace(0.0, size, 21)
    return np.stack([x0 + grid, y0 + grid[::-1], np.zeros(21)], axis=-1).astype(np.float32)


def test_largest_hand_and_the_second_looks_box():
    small, big = hand(0, 0, 10), hand(50, 50, 40)
    np.testing.assert_array_equal(study.largest_hand(np.stack([small, big])), big)
    assert np.isnan(study.largest_hand(np.zeros((0, 21, 3), np.float32))).all()
    left, top, right, bottom = study.look_again_box(big)
    assert right - left == bottom - top == 80 and (left + right) / 2 == (top + bottom) / 2 == 70


def test_choose_largest_skips_missing_candidates():
    missing = np.full((21, 3), np.nan, np.float32)
    candidates = np.stack([np.stack([hand(0, 0, 10), missing, hand(5, 5, 30)]),
                           np.stack([missing, missing, missing])])
    chosen = study.choose_largest(candidates)
    np.testing.assert_array_equal(chosen[0], hand(5, 5, 30))
    assert np.isnan(chosen[1]).all()


class FakeDetector:
    """Finds one hand covering the middle half of whatever picture it is shown, in that picture's pixels."""

    def __init__(self):
        self.shown = []

    def detect_framed(self, picture, scale=1.0, padded=False):
        self.shown.append((picture.size, scale, padded))
        width, height = picture.size
        return hand(width / 4, height / 4, width / 2)[None], ["Right"], np.zeros((1, 21, 3), np.float32)


def test_detect_framings_tries_each_framing_and_looks_again_in_photo_pixels(tmp_path):
    Image.new("RGB", (200, 100), "white").save(tmp_path / "a.png")
    Image.new("RGB", (200, 100), "white").save(tmp_path / "b.png")
    first = np.stack([hand(100, 40, 20), np.full((21, 3), np.nan, np.float32)])
    detector = FakeDetector()
    out = study.detect_framings(tmp_path, ["a.png", "b.png"], first, detector)
    assert out.shape == (2, len(study.FRAMINGS) + 1, 21, 3)
    assert [s[1:] for s in detector.shown[:len(study.FRAMINGS)]] == list(study.FRAMINGS)
    np.testing.assert_allclose(out[0, 0], hand(50, 25, 100))
    box = study.look_again_box(first[0])  # the second look is a 40-pixel square around the first hand
    np.testing.assert_allclose(out[0, -1], hand(box[0] + 10, box[1] + 10, 20))
    assert np.isnan(out[1, -1]).all() and not np.isnan(out[1, 0]).any()  # no first hand: no second look


def test_multiply_renormalises_and_keeps_missing_photos_at_zero():
    first = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
    second = np.array([[0.2, 0.6, 0.2], [0.3, 0.3, 0.4]])
    np.testing.assert_allclose(study.multiply(first, second), [[0.25, 0.75, 0.0], [0.0, 0.0, 0.0]])


@pytest.fixture
def everyone():
    groups = ["signers:user_1", "signers:user_2", "webcam:x", "dev photos (people not given)"]
    signer = np.repeat(groups, 4)
    letters = np.tile(["A", "B", "C", "D"], 4)
    landmarks = np.stack([hand(i, i, 10 + i) for i in range(16)])
    return {"landmarks": landmarks, "letter": letters, "signer": signer, "found": np.ones(16, dtype=bool),
            "photo": np.array([f"{i}.png" for i in range(16)])}


def test_each_row_is_scored_on_its_own_landmarks(everyone, monkeypatch):
    """A fake classifier is right exactly where a hand was found: each row's score shows which landmarks it got."""
    from helpers.hands import letter_indices

    seen = []

    def fake_leave_one_out(arrays, kind, seed, epochs, **options):
        seen.append(arrays["landmarks"])
        return np.eye(NUM_CLASSES)[letter_indices(arrays["letter"])] * arrays["found"][:, None]

    monkeypatch.setattr(hand_eval, "leave_one_signer_out", fake_leave_one_out)
    framings = np.full((16, len(study.FRAMINGS) + 1, 21, 3), np.nan, np.float32)
    framings[:8, 0] = np.stack([hand(0, 0, 100)] * 8)  # a bigger hand in one framing for the first 8 photos
    framings[:4, -1] = np.stack([hand(1, 1, 5)] * 4)  # the second look found a hand in 4 photos only
    crop = np.full((16, NUM_CLASSES), 0.1 / (NUM_CLASSES - 1))
    crop[:, -1] = 0.9  # a CNN that reads every hand as Y (no photo is a Y)
    result = study.study(everyone, framings, crop)
    rows = list(result["rows"].values())
    np.testing.assert_array_equal(seen[0], everyone["landmarks"])
    np.testing.assert_array_equal(seen[1][:8], framings[:8, 0])  # the largest box wins
    np.testing.assert_array_equal(seen[1][8:], everyone["landmarks"][8:])
    np.testing.assert_array_equal(seen[2][:4], framings[:4, -1])  # the second look where it found a hand
    np.testing.assert_array_equal(seen[2][4:], everyone["landmarks"][4:])  # else the first detection
    assert rows[0]["mean_top1"] == 1.0
    assert result["groups"] == ["dev photos (people not given)", "webcam:x"]  # not the signers
    pixel_rows = rows[3:]
    assert [r["people"] for r in pixel_rows] == [2, 2, 2]  # scored without the signers
    assert [r["mean_top1"] for r in pixel_rows] == [0.0, 1.0, 1.0]  # the CNN alone is wrong; times the recipe, right
    text = study.markdown({"title": "t", "date": "d", "command": "c", "seconds": 1, "how": "h", **result})
    assert "| webcam:x |" in text and "the recipe × the course's CNN" in text


def test_the_record_is_written_as_json_and_markdown(tmp_path, monkeypatch, capsys):
    import time

    from tools.cli import write_record

    monkeypatch.setenv("COURSE_BUILD", str(tmp_path))
    record = {"title": "t", "command": "c", "how": "h", "groups": ["g"],
              "rows": {"r": {"people": 1, "mean_top1": 0.5, "worst_top1": 0.5, "worst_person": "g", "groups": {"g": 0.5}}}}
    written = write_record("second_look_study", record, study.markdown, time.perf_counter() - 2.0)
    assert written["seconds"] >= 2.0 and written["date"][:2] == "20" and written["rows"] == record["rows"]
    assert json.loads((tmp_path / "second_look_study.json").read_text()) == written
    assert (tmp_path / "second_look_study.md").read_text() == study.markdown(written) == capsys.readouterr().out[:-1]
