"""The data module: locating (kagglehub, offline), loading, validation errors, preprocessing, cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import config, data
from tools.fixture import make_split


def write_csv(folder: Path, frame: pd.DataFrame, name: str = config.TRAIN_CSV) -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def test_locate_through_real_kagglehub_code_path_offline(kagglehub_cache):
    folder = data.locate_dataset()
    assert folder == kagglehub_cache / "datasets/datamunge/sign-language-mnist/versions/1"
    assert data.is_fixture(folder)


def test_no_network_no_copy_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("KAGGLE_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("SIGN_MNIST_DIR", raising=False)
    with pytest.raises(data.DatasetUnavailableError, match="SIGN_MNIST_DIR") as info:
        data.locate_dataset()
    assert "kagglehub" in str(info.value) and "connect to the internet" in str(info.value)
    # raised `from None`: Jupyter shows only this message, not the HTTP library's traceback above it
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_offline_error_keeps_the_cause_in_its_message(monkeypatch):
    import kagglehub
    import requests

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Max retries exceeded with url: /api/v1/datasets (Name or service not known)")

    monkeypatch.setattr(kagglehub, "dataset_download", offline)
    monkeypatch.delenv("SIGN_MNIST_DIR", raising=False)
    with pytest.raises(data.DatasetUnavailableError) as info:
        data.locate_dataset()
    message = str(info.value)
    assert "ConnectionError: Max retries exceeded" in message and "connect to the internet" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("error", [
    PermissionError(13, "Permission denied", "/root/.cache/kagglehub/datasets"),
    OSError(28, "No space left on device"),
    RuntimeError("extracting the archive failed"),  # a wrapper whose cause is the disk error
])
def test_disk_or_permission_error_during_download_is_not_called_offline(monkeypatch, tmp_path, error):
    import errno

    import kagglehub

    if isinstance(error, RuntimeError):
        error.__cause__ = OSError(errno.ENOSPC, "No space left on device")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(kagglehub, "dataset_download", fail)
    monkeypatch.delenv("SIGN_MNIST_DIR", raising=False)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(data.DatasetUnavailableError) as info:
        data.locate_dataset()
    message = str(info.value)
    assert "connect to the internet" not in message
    assert "writing to the disk failed" in message and "KAGGLEHUB_CACHE" in message and str(tmp_path / "cache") in message
    assert ("Permission denied" in message) or ("No space left" in message)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_sign_mnist_dir_pointing_at_a_file_says_so(fixture_dir, monkeypatch):
    csv = fixture_dir / config.TRAIN_CSV
    monkeypatch.setenv("SIGN_MNIST_DIR", str(csv))
    with pytest.raises(data.DatasetUnavailableError) as info:
        data.locate_dataset()
    message = str(info.value)
    assert "SIGN_MNIST_DIR" in message and "is a file, not a folder" in message and str(fixture_dir) in message
    assert "does not exist" not in message
    monkeypatch.delenv("SIGN_MNIST_DIR")
    with pytest.raises(data.DatasetUnavailableError, match=r"DATA_DIR .* is a file, not a folder"):
        data.locate_dataset(csv)


def test_explicit_folder_and_environment_variable(fixture_dir, monkeypatch):
    assert data.locate_dataset(fixture_dir) == fixture_dir
    monkeypatch.setenv("SIGN_MNIST_DIR", str(fixture_dir))
    assert data.locate_dataset() == fixture_dir


def test_csvs_one_level_down_are_found(fixture_dir, tmp_path):

    nested = tmp_path / "download" / "sign-language-mnist"
    shutil.copytree(fixture_dir, nested)
    assert data.locate_dataset(tmp_path / "download") == nested


def test_explicit_folder_missing_or_without_csvs(tmp_path):
    with pytest.raises(data.DatasetUnavailableError, match="does not exist"):
        data.locate_dataset(tmp_path / "nope")
    with pytest.raises(data.DatasetUnavailableError, match="sign_mnist_train.csv and sign_mnist_test.csv"):
        data.locate_dataset(tmp_path)


def test_load_fixture(fixture_dir):
    raw = data.load_dataset(fixture_dir)
    assert raw["x_train"].shape == (1200, 28, 28) and raw["x_train"].dtype == np.uint8
    assert raw["x_test"].shape == (240, 28, 28)
    assert set(np.unique(raw["y_train"])) == set(config.VALID_LABELS)


def good_frame(n: int = 30) -> pd.DataFrame:
    return make_split(n, seed=3)


def corrupt(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    frame = frame.astype(object)
    frame.loc[row, column] = value
    return frame


BAD_FRAMES = {
    "pixel above 255": (lambda f: corrupt(f, 4, "pixel17", 300), r"line 6 \(data row 5\).*pixel17 is 300, outside 0\.\.255"),
    "negative pixel": (lambda f: corrupt(f, 0, "pixel1", -1), r"line 2 .*pixel1 is -1"),
    "label J": (lambda f: corrupt(f, 7, "label", 9), r"line 9 .*label 9 is not a letter label"),
    "label 25": (lambda f: corrupt(f, 2, "label", 25), r"line 4 .*label 25"),
    "text pixel": (lambda f: corrupt(f, 3, "pixel5", "abc"), r"line 5 .*'pixel5' holds 'abc', which is not a number"),
    "NaN pixel": (lambda f: corrupt(f, 5, "pixel700", np.nan), r"line 7 .*'pixel700' is empty"),
    "fractional pixel": (lambda f: corrupt(f, 1, "pixel3", 12.5), r"line 3 .*'pixel3' is 12\.5, not an integer"),
    "renamed column": (lambda f: f.rename(columns={"pixel10": "px10"}), r"header column 11 is 'px10', expected 'pixel10'"),
    "missing column": (lambda f: f.drop(columns=["pixel784"]), r"header has 784 columns, expected 785"),
    "header only": (lambda f: f.iloc[:0], r"no data rows"),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
def test_bad_csv_names_file_row_problem_and_fix(tmp_path, case):
    make_bad, message = BAD_FRAMES[case]
    path = write_csv(tmp_path, make_bad(good_frame()))
    with pytest.raises(data.SignMnistDataError, match=message) as info:
        data.load_csv(path)
    assert str(path) in str(info.value)
    # the fix the README promises: download again (force_download=True) or replace your copy
    assert "force_download=True" in str(info.value) and "replace it with the original file" in str(info.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(data.SignMnistDataError, match="not found"):
        data.load_csv(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(data.SignMnistDataError, match=r"empty.csv: is empty"):
        data.load_csv(empty)


def test_row_with_too_many_values(tmp_path):
    path = write_csv(tmp_path, good_frame())
    lines = path.read_text().splitlines()
    lines[6] += ",7"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(data.SignMnistDataError, match=r"parse error.*line 7.*force_download=True"):
        data.load_csv(path)
    # the first data row too long: pandas would quietly make its first value an index and shift the rest
    lines = path.read_text().splitlines()
    lines[6] = lines[6][: -len(",7")]
    lines[1] += ",7"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(data.SignMnistDataError, match=r"line 2 \(data row 1\): the row has 786 values, expected 785"):
        data.load_csv(path)


def test_truncated_download_is_detected(tmp_path):
    path = write_csv(tmp_path, good_frame(40))
    text = path.read_text()
    # cut mid-row, as an interrupted download does
    path.write_text(text[: len(text) * 3 // 4])
    with pytest.raises(data.SignMnistDataError, match="force_download=True"):
        data.load_csv(path)
    # cut inside the very last number: the row still has 785 values, only the newline is missing
    path.write_text(text[:-2])
    with pytest.raises(data.SignMnistDataError, match="does not end with a newline"):
        data.load_csv(path)
    # cut at a line boundary: only the row count can tell
    lines = text.splitlines()[:21]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(data.SignMnistDataError, match=r"has 20 data rows, expected 40.*force_download=True"):
        data.load_csv(path, expected_rows=40)


def test_truncated_file_in_kagglehub_cache(kagglehub_cache):
    folder = data.locate_dataset()
    (folder / config.FIXTURE_MARKER).unlink()  # now it claims to be the real thing: row counts apply
    with pytest.raises(data.SignMnistDataError, match=r"has 1200 data rows, expected 27455"):
        data.load_dataset()


def test_preprocess_shapes_and_range():
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    for shaped in (images, images.reshape(5, 784), images[..., None]):
        out = data.preprocess(shaped)
        assert out.shape == (5, 28, 28, 1) and out.dtype == np.float32
        assert 0.0 <= out.min() and out.max() <= 1.0
    with pytest.raises(ValueError, match="expected images of shape"):
        data.preprocess(np.zeros((5, 27, 28)))
    with pytest.raises(ValueError, match="0..255"):
        data.preprocess(np.full((1, 28, 28), 300))


def test_one_hot_has_25_columns_and_j_stays_empty():
    y = data.one_hot(np.array(config.VALID_LABELS))
    assert y.shape == (24, 25) and y[:, 9].sum() == 0 and (y.sum(axis=1) == 1).all()
    with pytest.raises(ValueError):
        data.one_hot(np.array([25]))


def test_stratified_split_keeps_class_shares(fixture_dir):
    raw = data.load_dataset(fixture_dir)
    _, x_val, _, y_val = data.stratified_split(raw["x_train"], raw["y_train"], 0.25, seed=1)
    assert len(x_val) == 300
    assert set(np.bincount(y_val, minlength=25)[list(config.VALID_LABELS)]) == {12, 13}


def test_grouped_split_keeps_groups_whole_and_every_letter_on_both_sides(fixture_dir):
    raw = data.load_dataset(fixture_dir)
    prepared = data.prepared_data(fixture_dir, seed=0, raw=raw, verbose=False)
    assert prepared["split"] == "grouped"
    assert not set(prepared["groups_train"]) & set(prepared["groups_val"]), "a group on both sides"
    assert set(prepared["y_val"]) == set(prepared["y_train"]) == set(config.VALID_LABELS)
    share = len(prepared["y_val"]) / len(raw["y_train"])
    assert 0.10 <= share <= 0.20, share
    # every training image is used exactly once
    together = np.concatenate([prepared["x_train"], prepared["x_val"]]).reshape(len(raw["y_train"]), -1)
    assert sorted(map(bytes, together)) == sorted(map(bytes, raw["x_train"].reshape(len(raw["y_train"]), -1)))


def test_random_split_is_the_naive_one_and_has_its_own_key(fixture_dir):
    raw = data.load_dataset(fixture_dir)
    grouped = data.prepared_data(fixture_dir, seed=0, raw=raw, verbose=False)
    naive = data.prepared_data(fixture_dir, seed=0, raw=raw, verbose=False, split="random")
    assert naive["split"] == "random" and naive["key"] != grouped["key"]
    assert naive["key"].endswith("-random") and grouped["key"].endswith("-grouped")
    # the naive split leaks: most validation images have a near-copy (same group) in training
    leaked = np.isin(naive["groups_val"], naive["groups_train"]).mean()
    assert leaked > 0.5, leaked
    # same images and labels as before the grouped split existed (stratified_split on the same seed)
    _, x_val, _, y_val = data.stratified_split(raw["x_train"], raw["y_train"], 0.15, seed=0)
    assert np.array_equal(naive["x_val"], x_val) and np.array_equal(naive["y_val"], y_val)
    with pytest.raises(ValueError, match="split must be one of"):
        data.prepared_data(fixture_dir, split="grupped")


def test_prepared_data_takes_groups_already_computed_and_caches_them(fixture_dir, scratch_artifacts, monkeypatch):
    from helpers import groups as groups_lib

    raw = data.load_dataset(fixture_dir)
    groups = groups_lib.near_duplicate_groups(raw["x_train"], raw["y_train"])

    def must_not_group(*args, **kwargs):
        raise AssertionError("the groups were computed a second time")

    monkeypatch.setattr(groups_lib, "near_duplicate_groups", must_not_group)
    with pytest.raises(ValueError, match="one id per training image"):
        data.prepared_data(fixture_dir, raw=raw, groups=groups[:-1], verbose=False)
    prepared = data.prepared_data(fixture_dir, raw=raw, groups=groups, verbose=False)
    assert np.array_equal(np.sort(np.concatenate([prepared["groups_train"], prepared["groups_val"]])), np.sort(groups))
    naive = data.prepared_data(fixture_dir, raw=raw, split="random", verbose=False)  # the cached group ids
    assert np.array_equal(np.sort(np.concatenate([naive["groups_train"], naive["groups_val"]])), np.sort(groups))


def test_grouped_split_with_too_few_groups_says_why():
    labels = np.repeat([0, 1], 16)
    groups = np.concatenate([np.repeat(np.arange(8), 2), np.full(16, 8)])  # letter 1 is one group: never on both sides
    with pytest.raises(ValueError, match="too few groups"):
        data.grouped_split(labels, groups, val_fraction=0.15, seed=0)


def test_letters():
    assert data.letter(0) == "A" and data.letter(24) == "Y" and data.letter(12) == "M"
    with pytest.raises(ValueError):
        data.letter(25)


def test_prepared_data_is_cached_and_reused(fixture_dir, scratch_artifacts, capsys):
    first = data.prepared_data(fixture_dir, seed=0)
    caches = sorted(p.name for p in (scratch_artifacts / "data").glob("*.npz"))
    assert len(caches) == 2 and first["key"].startswith("fixture-")  # the split and the group ids
    assert any("_grouped_" in name for name in caches) and any(name.endswith("_groups.npz") for name in caches)
    second = data.prepared_data(fixture_dir, seed=0)
    assert "Loaded cached arrays" in capsys.readouterr().out
    for key in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "groups_train", "groups_val"):
        assert np.array_equal(first[key], second[key])
    assert second["split"] == "grouped" and second["key"] == first["key"]


def test_prepared_data_reuses_arrays_already_loaded(fixture_dir, monkeypatch):
    raw = data.load_dataset(fixture_dir)

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the CSVs were parsed a second time")

    monkeypatch.setattr(data, "load_dataset", must_not_parse)
    prepared = data.prepared_data(fixture_dir, seed=0, raw=raw)
    assert len(prepared["x_train"]) + len(prepared["x_val"]) == len(raw["x_train"])


def test_damaged_cache_is_rebuilt_not_trusted(fixture_dir, scratch_artifacts):
    data.prepared_data(fixture_dir, seed=0)
    cache = next((scratch_artifacts / "data").glob("*.npz"))
    cache.write_bytes(cache.read_bytes()[:1000])
    again = data.prepared_data(fixture_dir, seed=0)
    assert len(again["x_train"]) + len(again["x_val"]) == 1200


def test_npz_never_unpickles(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, bad=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        data.load_npz(path)


def test_model_inputs_fast_mode(fixture_dir):
    prepared = data.prepared_data(fixture_dir, seed=0)
    inputs = data.model_inputs(prepared, fast=True, fast_size=100)
    assert inputs["x_train"].shape == (100, 28, 28, 1) and inputs["y_train"].shape == (100, 25)
    assert inputs["x_test"].shape[0] == len(inputs["labels_test"])


@pytest.mark.parametrize("fast", [False, True])
def test_validation_groups_line_up_with_the_validation_images(fast):
    # each validation image is filled with its own group id, so the image tells which group it came from
    rng = np.random.default_rng(0)
    groups_val = rng.integers(0, 60, size=400)
    y_val = rng.integers(0, 5, size=400)
    prepared = {
        "x_train": np.zeros((10, 28, 28), np.uint8), "y_train": np.arange(10) % 5,
        "x_val": np.broadcast_to(groups_val[:, None, None], (400, 28, 28)).astype(np.uint8), "y_val": y_val,
        "x_test": np.zeros((10, 28, 28), np.uint8), "y_test": np.arange(10) % 5, "groups_val": groups_val,
    }
    inputs = data.model_inputs(prepared, fast=fast, fast_size=1000, seed=3)
    groups = data.validation_groups(prepared, fast=fast, fast_size=1000, seed=3)
    assert len(groups) == len(inputs["x_val"]) == (100 if fast else 400)
    np.testing.assert_array_equal(np.rint(inputs["x_val"][:, 0, 0, 0] * 255).astype(int), groups)


def test_signers_split_holds_out_whole_signers_and_folds_rotate_them(fixture_dir, scratch_artifacts):
    from tools.fixture import FAKE_SIGNERS

    raw = data.load_dataset(fixture_dir)
    held_out = []
    for fold in range(len(FAKE_SIGNERS)):
        prepared = data.prepared_data(fixture_dir, raw=raw, split="signers", fold=fold, verbose=False)
        assert prepared["split"] == "signers" and prepared["key"].endswith("-signers" + (f"-fold{fold}" if fold else ""))
        assert not set(prepared["signers_train"]) & set(prepared["signers_val"]), "a signer on both sides"
        assert len(prepared["signers_val"]) == len(prepared["y_val"]) and len(prepared["signers_train"]) == len(prepared["y_train"])
        assert not set(prepared["groups_train"]) & set(prepared["groups_val"])
        assert set(prepared["y_val"]) == set(prepared["y_train"]) == set(config.VALID_LABELS)
        held_out += sorted(set(prepared["signers_val"]))
    assert sorted(held_out) == sorted(FAKE_SIGNERS)  # each fake signer held out once
    cached = data.prepared_data(fixture_dir, split="signers", fold=1, verbose=False)  # from the cache, signers kept
    assert "signers_val" in cached and len(set(cached["signers_val"])) == 1
    assert any(p.name.endswith("_signers_val0.15_seed42_fold1.npz") for p in (scratch_artifacts / "data").iterdir())
    with pytest.raises(ValueError, match="fold applies to the grouped and signers splits"):
        data.prepared_data(fixture_dir, split="random", fold=1)


def test_signers_split_without_a_table_for_these_images_raises(fixture_dir, tmp_path):
    from helpers.groups import SignerTableError

    for name in (config.TRAIN_CSV, config.TEST_CSV, config.FIXTURE_MARKER):  # the fixture without its signers.csv
        shutil.copyfile(fixture_dir / name, tmp_path / name)
    with pytest.raises(SignerTableError, match="1200 training images: it belongs to other data"):
        data.prepared_data(tmp_path, split="signers", verbose=False)
    assert data.prepared_data(tmp_path, verbose=False)["split"] == "grouped"  # the other splits need no table
