"""Predicting a letter from any picture, TFLite export, and the real-photo scorer."""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import data, export, model, photos, predict
from helpers.fixture import draw_letter, write_fixture


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A seed CNN trained for three epochs on the fixture (enough to beat chance)."""
    from helpers import train

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_ARTIFACTS", str(tmp_path_factory.mktemp("art")))
        folder = write_fixture(tmp_path_factory.mktemp("fx"), n_train=1200, n_test=240)
        inputs = data.model_inputs(data.prepared_data(folder, seed=0, verbose=False))
        train.set_seed(0)
        net = model.build("seed_cnn")
        net.fit(inputs["x_train"], inputs["y_train"], epochs=3, batch_size=64, verbose=0)
    return net, inputs


def rgb_photo(label: int, size=(240, 180), variant: int = 0) -> Image.Image:
    """A synthetic "photo" of ``label``; each ``variant`` is a different drawing (jitter, noise)."""
    small = Image.fromarray(draw_letter(label, np.random.default_rng([label, variant])))
    return small.resize(size, Image.Resampling.BILINEAR).convert("RGB")


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
    known = ("seed_cnn", "improved_cnn", "improved_cnn_constant_lr")
    assert predict.model_of_run("improved_cnn_constant_lr_fixture-abc_full_seed1", known) == "improved_cnn_constant_lr"
    assert predict.model_of_run("improved_cnn_fixture-abc_full_seed1", known) == "improved_cnn"
    # only a variant there: no improved CNN; the seed CNN is the fallback, else a clear error
    only_variant = tmp_path / "only_variant"
    make_run(only_variant, "improved_cnn_constant_lr_0123456789_full_seed42", 1000)
    seed = make_run(only_variant, "seed_cnn_0123456789_full_seed42", 500)
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
    in_course = make_run(tmp_path / "build" / "course" / "artifacts" / "models", "seed_cnn_0123456789_full_seed42", 1)
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


def test_tflite_round_trip_agrees_with_keras(tiny_model, tmp_path, capfd):
    net, inputs = tiny_model
    x = inputs["x_test"][:64]
    keras_probs = net.predict(x, verbose=0)
    capfd.readouterr()
    float_model = export.TFLiteClassifier(export.to_tflite(net, tmp_path / "float.tflite"))
    np.testing.assert_allclose(float_model.predict(x), keras_probs, atol=1e-4)
    int8_path = export.to_tflite(net, tmp_path / "int8.tflite", int8_calibration=inputs["x_train"][:100])
    int8_model = export.TFLiteClassifier(int8_path)
    out, err = capfd.readouterr()
    assert "Assets written" not in out + err and "TensorSpec" not in out + err  # the converter's chatter stays hidden
    agreement = np.mean(int8_model.predict(x).argmax(1) == keras_probs.argmax(1))
    assert agreement >= 0.9
    assert int8_path.stat().st_size < 0.4 * (tmp_path / "float.tflite").stat().st_size
    timing = export.latency_and_throughput(float_model.predict, float_model.predict, x, repeats=5)
    assert timing["latency_ms"] > 0 and timing["throughput_img_per_s"] > 0


def photo_folder(folder, letters=(0, 1, 2, 10), per_letter=3, size=(200, 200)):
    """A folder of distinct synthetic photos (no two alike) with its labels.csv."""
    rows = []
    for label in letters:
        letter = data.letter(label)
        (folder / letter).mkdir(parents=True)
        for i in range(per_letter):
            name = f"{letter}/{i}.jpg"
            rgb_photo(label, size, variant=i).save(folder / name)
            rows.append({"file": name, "letter": letter, "x_min": 0, "y_min": 0, "x_max": size[0] - 1,
                         "y_max": size[1] - 1})
    pd.DataFrame(rows).to_csv(folder / "labels.csv", index=False)
    return folder


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


def test_make_photos_says_which_rows_trained_on_the_photos(tiny_model, tmp_path, capsys):
    net, _ = tiny_model
    photo_folder(tmp_path / "photos", per_letter=5)
    net.save(tmp_path / "tiny.keras")
    photos.main(["--photos", str(tmp_path / "photos"), "--model", str(tmp_path / "tiny.keras")])
    out = capsys.readouterr().out
    for line in out.splitlines():
        if "used for training" in line.lower():  # a "never/no photo used for training" claim
            assert "zero-shot" in line and "TRAINED ON THE PHOTOS" not in line, line
    assert "TRAINED ON THE PHOTOS" in out and out.count("no photo used for training") == 4  # 2 rows, twice each


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
