"""Predicting a letter from any picture, TFLite export, and the real-photo scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import data, export, model, photos, predict
from helpers.fixture import draw_letter, write_fixture


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """An improved CNN trained for two epochs on the fixture (enough to beat chance)."""
    import os

    from helpers import train

    os.environ["COURSE_ARTIFACTS"] = str(tmp_path_factory.mktemp("art"))
    folder = write_fixture(tmp_path_factory.mktemp("fx"), n_train=1200, n_test=240)
    inputs = data.model_inputs(data.prepared_data(folder, seed=0, verbose=False))
    train.set_seed(0)
    net = model.build("seed_cnn")
    net.fit(inputs["x_train"], inputs["y_train"], epochs=3, batch_size=64, verbose=0)
    return net, inputs


def rgb_photo(label: int, size=(240, 180)) -> Image.Image:
    small = Image.fromarray(draw_letter(label, np.random.default_rng(label)))
    return small.resize(size, Image.Resampling.BILINEAR).convert("RGB")


@pytest.mark.parametrize("kind", ["path", "pil", "rgb", "rgba", "gray", "gray1", "float", "tiny"])
def test_photo_to_input_accepts_any_picture(kind, tmp_path):
    picture = rgb_photo(3)
    array = np.asarray(picture)
    inputs = {
        "pil": picture,
        "rgb": array,
        "rgba": np.dstack([array, np.full(array.shape[:2], 255, np.uint8)]),
        "gray": array.mean(axis=2).astype(np.uint8),
        "gray1": array[..., :1],
        "float": array / 255.0,
        "tiny": array[:5, :7],
    }
    if kind == "path":
        path = tmp_path / "hand.jpg"
        picture.save(path)
        image = path
    else:
        image = inputs[kind]
    x = predict.photo_to_input(image)
    assert x.shape == (28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_photo_to_input_crops_square_and_uses_the_box():
    picture = Image.new("L", (300, 200))
    assert predict.square_crop(picture).size == (200, 200)
    # a box near the edge: the square is shifted inside the picture, never padded
    crop = predict.square_crop(picture, box=(250, 10, 299, 60), margin=0.1)
    assert crop.size == (60, 60)  # max(49, 50) * (1 + 2 * 0.1)
    with pytest.raises(ValueError, match="invalid box"):
        predict.square_crop(picture, box=(50, 50, 40, 60))
    # a bright square inside the box dominates the box crop, not the centre crop
    canvas = np.zeros((200, 300), np.uint8)
    canvas[20:60, 230:270] = 255
    boxed = predict.photo_to_input(canvas, box=(230, 20, 270, 60))
    centred = predict.photo_to_input(canvas)
    assert boxed.mean() > 0.3 and centred.mean() < 0.05


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.zeros((0, 10, 3), np.uint8), ValueError, "empty"),
        (np.zeros((2, 28, 28, 1), np.uint8), ValueError, "batch"),
        (np.zeros((28, 28, 2), np.uint8), ValueError, "H×W"),
        (np.zeros((28, 28), np.int64), TypeError, "dtype"),
        (np.zeros((28, 28), bool), TypeError, "dtype"),
        (np.full((28, 28), 2.0), ValueError, r"\[0, 1\]"),
        (np.full((28, 28), np.nan), ValueError, "finite"),
        ([[0, 1], [1, 0]], TypeError, "NumPy array"),
    ],
)
def test_bad_pictures_give_clear_errors(bad, error, message):
    with pytest.raises(error, match=message):
        predict.photo_to_input(bad)


def test_unreadable_and_missing_files(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"this is not a JPEG")
    with pytest.raises(ValueError, match="cannot read this file as an image"):
        predict.photo_to_input(broken)
    with pytest.raises(FileNotFoundError, match="no such image"):
        predict.photo_to_input(tmp_path / "absent.png")


def test_predict_letter_returns_top3(tiny_model):
    net, _ = tiny_model
    top = predict.predict_letter(rgb_photo(0, (28, 28)), model=net)
    assert len(top) == 3 and all(isinstance(l, str) and 0.0 <= p <= 1.0 for l, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert "J" not in [l for l, _ in top]


def test_predict_letter_without_a_trained_model_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="Run notebook 06"):
        predict.predict_letter(np.zeros((28, 28), np.uint8))


def test_tflite_round_trip_agrees_with_keras(tiny_model, tmp_path):
    net, inputs = tiny_model
    x = inputs["x_test"][:64]
    keras_probs = net.predict(x, verbose=0)
    float_model = export.TFLiteClassifier(export.to_tflite(net, tmp_path / "float.tflite"))
    np.testing.assert_allclose(float_model.predict(x), keras_probs, atol=1e-4)
    int8_path = export.to_tflite(net, tmp_path / "int8.tflite", int8_calibration=inputs["x_train"][:100])
    int8_model = export.TFLiteClassifier(int8_path)
    agreement = np.mean(int8_model.predict(x).argmax(1) == keras_probs.argmax(1))
    assert agreement >= 0.9
    assert int8_path.stat().st_size < 0.4 * (tmp_path / "float.tflite").stat().st_size
    timing = export.latency_and_throughput(float_model.predict, float_model.predict, x, repeats=5)
    assert timing["latency_ms"] > 0 and timing["throughput_img_per_s"] > 0


def test_photo_scorer_on_a_synthetic_photo_folder(tiny_model, tmp_path):
    net, _ = tiny_model
    rows = []
    for label in (0, 1, 2, 10):
        letter = data.letter(label)
        (tmp_path / letter).mkdir()
        for i in range(3):
            name = f"{letter}/{i}.jpg"
            rgb_photo(label, (200, 200)).save(tmp_path / name)
            rows.append({"file": name, "letter": letter, "x_min": 0, "y_min": 0, "x_max": 199, "y_max": 199})
    pd.DataFrame(rows).to_csv(tmp_path / "labels.csv", index=False)
    per_letter, overall = photos.score(net, tmp_path, use_box=True)
    assert list(per_letter.index) == ["A", "B", "C", "K"] and overall["photos"] == 12
    assert 0.0 <= overall["top1"] <= overall["top3"] <= 1.0
    with pytest.raises(FileNotFoundError, match="labels.csv"):
        photos.load_labels(tmp_path / "A")
    # the cross-validated photo head: every photo scored by a head that never saw it
    per_letter, head_overall, head = photos.photo_head(net, tmp_path, folds=3)
    assert head_overall["photos"] == 12 and 0.0 <= head_overall["top1"] <= head_overall["top3"] <= 1.0
    top = predict.predict_letter(tmp_path / "K" / "0.jpg", model=net, head=head)
    assert top[0][0] in {"A", "B", "C", "K"} and sum(p for _, p in top) <= 1.0 + 1e-6
