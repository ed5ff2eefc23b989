"""Predicting a letter from any picture (helpers.predict): every input kind, EXIF orientation, boxes,
clear errors, finding and loading the trained model."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from helpers import predict
from synthetic_photos import rgb_photo


def exif_rotated_jpeg(path=None) -> bytes:
    """A 60×40 (landscape) JPEG whose EXIF says "rotate 90° clockwise to show": a portrait photo."""
    picture = Image.new("RGB", (60, 40), "black")
    picture.paste((255, 255, 255), (0, 0, 10, 10))  # a white corner to follow
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned, rotate 90° CW
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


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


@pytest.mark.parametrize("kind", ["path", "bytes", "memoryview", "file", "pil"])
def test_exif_orientation_is_applied_on_every_path(kind, tmp_path):
    jpeg = exif_rotated_jpeg()
    path = tmp_path / "portrait.jpg"
    path.write_bytes(jpeg)
    image = {
        "path": path, "bytes": jpeg, "memoryview": memoryview(jpeg), "file": io.BytesIO(jpeg),
        "pil": Image.open(io.BytesIO(jpeg)),
    }[kind]
    upright = predict.load_image(image)
    assert upright.size == (40, 60)  # turned: portrait, as the phone showed it
    # the white corner moved from the top left to the top right (a 90° clockwise turn)
    pixels = np.asarray(upright.convert("L"))
    assert pixels[:10, -10:].mean() > 200 and pixels[:10, :10].mean() < 50
    assert predict.load_image(upright).size == (40, 60)  # an upright picture is not turned a second time


def test_uploads_of_ipywidgets_7_and_8_are_both_read():
    jpeg = exif_rotated_jpeg()
    colab = {"hand.jpg": {"metadata": {"name": "hand.jpg", "type": "image/jpeg", "size": len(jpeg)}, "content": jpeg}}
    lab = ({"name": "hand.jpg", "type": "image/jpeg", "size": len(jpeg), "content": memoryview(jpeg),
            "last_modified": 0},)
    for value in (colab, lab):
        (name, content), = predict.uploaded_files(value)
        assert name == "hand.jpg" and content == jpeg
        assert predict.load_image(content).size == (40, 60)
    assert predict.uploaded_files(()) == [] and predict.uploaded_files({}) == []
    with pytest.raises(TypeError, match="FileUpload"):
        predict.uploaded_files("hand.jpg")


@pytest.mark.parametrize(
    "box, message",
    [((1, 2, 3), "4 numbers.*got 3"), ((1, 2, 3, 4, 5), "4 numbers.*got 5"), (5, "4 numbers"), (("a", 2, 3, 4), "something else"),
     ((0, 0, float("nan"), 4), "finite")],
)
def test_a_bad_box_gives_a_clear_error(box, message):
    with pytest.raises(ValueError, match=message):
        predict.photo_to_input(np.zeros((50, 50), np.uint8), box=box)


def make_run(folder, name, mtime):
    """A fake training run folder holding a model.keras with a given modification time."""
    path = folder / name / "model.keras"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a real model")
    os.utime(path, (mtime, mtime))
    return path


def test_find_trained_model_takes_exactly_the_named_model(tmp_path):
    models = tmp_path / "models"
    right = make_run(models, "improved_cnn_0123456789_full_seed42", 1000)
    make_run(models, "improved_cnn_constant_lr_0123456789_full_seed42", 2000)  # newer, but the ablation variant
    make_run(models, "improved_cnn_0123456789_fast_seed42", 3000)  # newer, but fast mode
    assert predict.find_trained_model(folders=[models]) == right
    known = ("baseline_cnn", "improved_cnn", "improved_cnn_constant_lr")
    assert predict.model_of_run("improved_cnn_constant_lr_fixture-abc_full_seed1", known) == "improved_cnn_constant_lr"
    assert predict.model_of_run("improved_cnn_fixture-abc_full_seed1", known) == "improved_cnn"
    # only a variant there: no improved CNN; the baseline CNN is the fallback, else a clear error
    only_variant = tmp_path / "only_variant"
    make_run(only_variant, "improved_cnn_constant_lr_0123456789_full_seed42", 1000)
    seed = make_run(only_variant, "baseline_cnn_0123456789_full_seed42", 500)
    assert predict.find_trained_model(folders=[only_variant]) == seed
    with pytest.raises(FileNotFoundError, match="No trained full-mode improved_cnn"):
        predict.find_trained_model(prefer=("improved_cnn",), folders=[only_variant])


def test_find_trained_model_searches_the_given_folders_in_order(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    in_second = make_run(second, "improved_cnn_0123456789_full_seed42", 2000)
    assert predict.find_trained_model(folders=[first, second]) == in_second
    in_first = make_run(first, "improved_cnn_0123456789_full_seed42", 1000)
    assert predict.find_trained_model(folders=[first, second]) == in_first


def test_default_model_folders_follow_the_environment(tmp_path, monkeypatch):
    """The defaults are artifacts/ and make course's folder, both movable: nothing in the working tree counts."""
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path / "art"))
    monkeypatch.setenv("COURSE_BUILD", str(tmp_path / "build"))
    assert predict.model_folders() == [tmp_path / "art" / "models", tmp_path / "build" / "course" / "artifacts" / "models"]
    in_course = make_run(tmp_path / "build" / "course" / "artifacts" / "models", "baseline_cnn_0123456789_full_seed42", 1)
    assert predict.find_trained_model() == in_course


def test_predict_letter_without_a_trained_model_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path / "empty"))
    monkeypatch.setenv("COURSE_BUILD", str(tmp_path / "empty_build"))
    with pytest.raises(FileNotFoundError, match="Run notebook 06"):
        predict.predict_letter(np.zeros((28, 28), np.uint8))


def test_predict_letter_accepts_a_model_file(tiny_model, tmp_path):
    net, _ = tiny_model
    path = tmp_path / "tiny.keras"
    net.save(path)
    picture = rgb_photo(0, (28, 28))
    assert predict.predict_letter(picture, model=path) == predict.predict_letter(picture, model=net)
    assert predict.predict_letter(picture, model=str(path)) == predict.predict_letter(picture, model=net)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        predict.predict_letter(picture, model=tmp_path / "x.keras")
    with pytest.raises(TypeError, match="Keras model or the path"):
        predict.predict_letter(picture, model=3)
