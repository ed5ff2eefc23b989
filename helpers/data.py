"""Find, load, validate and preprocess Sign Language MNIST.

The two CSVs come from Kaggle (``datamunge/sign-language-mnist``, version 1) through
``kagglehub``, or from a folder you name (``data_dir=...`` or ``SIGN_MNIST_DIR``).
Every file is checked before use: a bad file raises :class:`SignMnistDataError` that
names the file, the line, the problem and the fix, never a silent wrong answer.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.config import (
    EXPECTED_ROWS,
    IMAGE_SIZE,
    KAGGLE_HANDLE,
    LETTERS,
    NUM_CLASSES,
    NUM_PIXELS,
    TEST_CSV,
    TRAIN_CSV,
    VALID_LABELS,
    FIXTURE_MARKER,
    artifacts_dir,
    shown_path,
)

EXPECTED_COLUMNS = ["label"] + [f"pixel{i}" for i in range(1, NUM_PIXELS + 1)]
REDOWNLOAD_HINT = (
    "If this file came from kagglehub, download it again with "
    f'kagglehub.dataset_download("{KAGGLE_HANDLE}", force_download=True) '
    "(or helpers.data.locate_dataset(force_download=True)); "
    "if it is your own copy, replace it with the original file."
)


class SignMnistDataError(ValueError):
    """A CSV is missing or malformed. The message names the file, the line and the fix."""


class DatasetUnavailableError(RuntimeError):
    """The data set could not be found locally nor downloaded."""


# --------------------------------------------------------------------------- locate
def _find_csv_pair(folder: Path) -> Path | None:
    """The folder (``folder`` itself or one below it) that holds both CSVs, if any."""
    for train in [folder / TRAIN_CSV, *sorted(folder.rglob(TRAIN_CSV))]:
        if train.is_file() and (train.parent / TEST_CSV).is_file():
            return train.parent
    return None


_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _disk_error(error: BaseException) -> OSError | None:
    """The disk or permission error behind ``error`` (itself or a cause), if there is one.

    A network failure is an ``OSError`` too (requests' ``ConnectionError``); only these
    errnos (no space, quota, read-only, permission) say the disk is the problem.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, PermissionError) or (isinstance(error, OSError) and error.errno in _DISK_ERRNOS):
            return error
        error = error.__cause__ or error.__context__
    return None


def locate_dataset(data_dir: str | Path | None = None, force_download: bool = False) -> Path:
    """Return the folder holding ``sign_mnist_train.csv`` and ``sign_mnist_test.csv``.

    Order: ``data_dir`` if given, else the ``SIGN_MNIST_DIR`` environment variable, else
    ``kagglehub.dataset_download`` of the pinned version (served from kagglehub's cache,
    ``~/.cache/kagglehub`` or ``KAGGLEHUB_CACHE``, without network once downloaded).
    """
    from_environment = not data_dir and bool(os.environ.get("SIGN_MNIST_DIR"))
    data_dir = data_dir or os.environ.get("SIGN_MNIST_DIR") or None
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
        setting = "the environment variable SIGN_MNIST_DIR" if from_environment else "DATA_DIR (data_dir)"
        if folder.is_file():
            raise DatasetUnavailableError(
                f"{setting} is {folder}, which is a file, not a folder. Set it to the folder that "
                f"holds {TRAIN_CSV} and {TEST_CSV} (here perhaps {folder.parent}), not to one of the files."
            )
        if not folder.is_dir():
            raise DatasetUnavailableError(
                f"The data folder {folder} (from {setting}) does not exist. Pass the folder that holds "
                f"{TRAIN_CSV} and {TEST_CSV} (DATA_DIR / SIGN_MNIST_DIR), or leave both "
                "unset to download the data set with kagglehub."
            )
        found = _find_csv_pair(folder)
        if found is None:
            missing = [n for n in (TRAIN_CSV, TEST_CSV) if not any(folder.rglob(n))]
            raise DatasetUnavailableError(
                f"The data folder {folder} does not hold {' and '.join(missing) or 'both CSVs side by side'}. "
                f"Put {TRAIN_CSV} and {TEST_CSV} (from Kaggle {KAGGLE_HANDLE}) in it."
            )
        return found

    import kagglehub

    try:
        path = Path(kagglehub.dataset_download(KAGGLE_HANDLE, force_download=force_download))
    except Exception as error:  # kagglehub raises many types (HTTP, connection, auth, disk)
        cause = f"{type(error).__name__}: {str(error)[:300]}"
        disk_error = _disk_error(error)
        if disk_error is not None:
            cache = os.environ.get("KAGGLEHUB_CACHE") or "~/.cache/kagglehub"
            raise DatasetUnavailableError(
                f"Could not save Kaggle dataset {KAGGLE_HANDLE}: writing to the disk failed "
                f"({type(disk_error).__name__}: {disk_error}).\n"
                f"What to do: free some disk space, or make kagglehub's cache folder ({cache}) writable, "
                "or point the environment variable KAGGLEHUB_CACHE at a writable folder with room "
                "(the two CSVs take about 110 MB); then run this cell again. "
                f"Or put {TRAIN_CSV} and {TEST_CSV} in a folder yourself and set SIGN_MNIST_DIR to it."
            ) from None
        raise DatasetUnavailableError(
            f"Could not download Kaggle dataset {KAGGLE_HANDLE} with kagglehub ({cause}).\n"
            "What to do: connect to the internet and run this cell again; or download "
            f"{TRAIN_CSV} and {TEST_CSV} yourself, put them in a folder and pass it as "
            "DATA_DIR (or set the environment variable SIGN_MNIST_DIR=/path/to/folder). "
            "The data set is public: no Kaggle credentials are needed."
        ) from None
    found = _find_csv_pair(path)
    if found is None:
        raise DatasetUnavailableError(
            f"kagglehub returned {path}, which does not hold {TRAIN_CSV} and {TEST_CSV}. "
            + REDOWNLOAD_HINT
        )
    return found


# --------------------------------------------------------------------------- load + validate
def _fail(path: Path, where: str, problem: str, hint: str = "") -> SignMnistDataError:
    """The error for a bad file: where, what, and the fix (re-download, or replace your copy)."""
    if REDOWNLOAD_HINT not in hint:
        hint = (hint + " " if hint else "") + "The published file has no such problem, so this copy is damaged. " + REDOWNLOAD_HINT
    shown = shown_path(path)
    location = f"{shown}: " if where == "file" else f"{shown}: {where}: "  # a whole-file problem has no line
    return SignMnistDataError(f"{location}{problem}. {hint}")


def _line(row_index: int) -> str:
    """Where data row ``row_index`` (0-based) sits in the file: line 1 is the header."""
    return f"line {row_index + 2} (data row {row_index + 1})"


def load_csv(path: str | Path, expected_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load one Kaggle-format CSV as ``(images uint8 (N, 28, 28), labels int64 (N,))``.

    Checks, each with an error naming the file and line: the file exists, is not
    empty and ends with a newline (a cut-off download does not); the header is ``label,pixel1..pixel784``; every row has 785 numeric values;
    pixels are integers in 0..255; labels are in 0..24 without 9 (J); and, when
    ``expected_rows`` is given, the row count (a short file is a truncated download).
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "file", "not found", f"Check the folder, or {REDOWNLOAD_HINT}")
    if path.stat().st_size == 0:
        raise _fail(path, "file", "is empty (0 bytes)", REDOWNLOAD_HINT)
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) != b"\n":
            # A download cut inside the last number still parses (e.g. "…,83" becomes "…,8"):
            # only the missing final newline gives it away.
            raise _fail(path, "file", "does not end with a newline, so its last line may be cut short "
                        "(an interrupted download)", REDOWNLOAD_HINT)
    try:
        frame = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise _fail(path, "file", "holds no CSV data", REDOWNLOAD_HINT) from None
    except pd.errors.ParserError as error:
        # pandas says e.g. "Expected 785 fields in line 7, saw 786"
        raise _fail(path, "parse error", f"{error}".strip(), "Every row needs exactly 785 comma-separated values.") from None
    except UnicodeDecodeError as error:
        raise _fail(path, "file", f"is not a text CSV ({error.reason} at byte {error.start})", REDOWNLOAD_HINT) from None

    columns = [str(c) for c in frame.columns]
    if columns != EXPECTED_COLUMNS:
        if len(columns) != len(EXPECTED_COLUMNS):
            problem = f"the header has {len(columns)} columns, expected {len(EXPECTED_COLUMNS)} (label + 784 pixels)"
        else:
            i = next(i for i, (a, b) in enumerate(zip(columns, EXPECTED_COLUMNS)) if a != b)
            problem = f"header column {i + 1} is {columns[i]!r}, expected {EXPECTED_COLUMNS[i]!r}"
        raise _fail(path, "line 1 (header)", problem, "The header must be label,pixel1,...,pixel784.")
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas silently turns the extra leading values into an index when the *first* data row is too long
        raise _fail(
            path, _line(0),
            f"the row has {len(EXPECTED_COLUMNS) + frame.index.nlevels} values, expected {len(EXPECTED_COLUMNS)}",
            "Every row needs exactly 785 comma-separated values.",
        )
    if len(frame) == 0:
        raise _fail(path, "file", "has a header but no data rows", REDOWNLOAD_HINT)

    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            as_numbers = pd.to_numeric(frame[column], errors="coerce")
            bad = np.flatnonzero(as_numbers.isna().to_numpy() & frame[column].notna().to_numpy())
            if len(bad):
                value = frame[column].iloc[bad[0]]
                raise _fail(path, _line(int(bad[0])), f"column {column!r} holds {value!r}, which is not a number")
            frame[column] = as_numbers

    values = frame.to_numpy(dtype=np.float64)
    missing = np.isnan(values)
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise _fail(
            path, _line(int(row)),
            f"column {EXPECTED_COLUMNS[col]!r} is empty (the row is short or has an empty field)",
            "A row cut short usually means an interrupted download. " + REDOWNLOAD_HINT,
        )
    not_integer = values != np.round(values)
    if not_integer.any():
        row, col = np.argwhere(not_integer)[0]
        raise _fail(path, _line(int(row)), f"column {EXPECTED_COLUMNS[col]!r} is {values[row, col]:g}, not an integer")

    labels, pixels = values[:, 0], values[:, 1:]
    out_of_range = (pixels < 0) | (pixels > 255)
    if out_of_range.any():
        row, col = np.argwhere(out_of_range)[0]
        raise _fail(path, _line(int(row)), f"pixel{col + 1} is {pixels[row, col]:g}, outside 0..255")
    bad_label = ~np.isin(labels, VALID_LABELS)
    if bad_label.any():
        row = int(np.flatnonzero(bad_label)[0])
        raise _fail(
            path, _line(row),
            f"label {labels[row]:g} is not a letter label (valid: 0..24 except 9, which is J and needs motion)",
        )
    if expected_rows is not None and len(frame) != expected_rows:
        raise _fail(
            path, "file", f"has {len(frame)} data rows, expected {expected_rows}; it looks truncated or altered",
            REDOWNLOAD_HINT,
        )
    images = pixels.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    return images, labels.astype(np.int64)


def is_fixture(folder: Path) -> bool:
    """True when ``folder`` holds the synthetic test fixture (see :mod:`tools.fixture`)."""
    return (Path(folder) / FIXTURE_MARKER).is_file()


def load_dataset(data_dir: str | Path | None = None) -> dict[str, np.ndarray]:
    """Locate and load both splits: ``x_train, y_train, x_test, y_test`` (uint8 images, int labels).

    The row counts of the published files (27455 and 7172) are checked too, so an
    interrupted download is caught; only the synthetic fixture (which carries a
    marker file) is exempt.
    """
    folder = locate_dataset(data_dir)
    check = not is_fixture(folder)
    x_train, y_train = load_csv(folder / TRAIN_CSV, EXPECTED_ROWS[TRAIN_CSV] if check else None)
    x_test, y_test = load_csv(folder / TEST_CSV, EXPECTED_ROWS[TEST_CSV] if check else None)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def letter(label: int) -> str:
    """The letter of a label: 0 → "A", 24 → "Y" (9 would be "J", which never occurs)."""
    if not 0 <= int(label) < NUM_CLASSES:
        raise ValueError(f"label {label} is outside 0..{NUM_CLASSES - 1}")
    return LETTERS[int(label)]


# --------------------------------------------------------------------------- preprocess
def preprocess(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to float32 in [0, 1] and add the channel axis: (N, 28, 28, 1).

    Accepts (N, 784), (N, 28, 28) or (N, 28, 28, 1) arrays of values in 0..255.
    """
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == NUM_PIXELS:
        images = images.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
        raise ValueError(
            f"expected images of shape (N, 784), (N, 28, 28) or (N, 28, 28, 1), got {images.shape}"
        )
    if images.size and (np.nanmin(images) < 0 or np.nanmax(images) > 255 or np.isnan(images).any()):
        raise ValueError("pixel values must lie in 0..255 (did you preprocess twice?)")
    return images.astype(np.float32) / 255.0


def one_hot(labels: np.ndarray) -> np.ndarray:
    """One-hot encode labels into 25 columns (column 9, J, stays all zero)."""
    import keras

    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(f"labels must lie in 0..{NUM_CLASSES - 1}, got {labels.min()}..{labels.max()}")
    return keras.utils.to_categorical(labels, NUM_CLASSES).astype(np.float32)


def stratified_split(
    images: np.ndarray, labels: np.ndarray, val_fraction: float = 0.1, seed: int = 42
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the *training* set image by image into train and validation parts, same class mix in both.

    This is the *naive* split: near-copies of one source photo land on both sides, so
    its validation accuracy is optimistic (see :func:`grouped_split`).
    """
    from sklearn.model_selection import train_test_split

    x_train, x_val, y_train, y_val = train_test_split(
        images, labels, test_size=val_fraction, stratify=labels, random_state=seed
    )
    return x_train, x_val, y_train, y_val


def grouped_split(labels, groups, val_fraction=0.15, seed=42, fold=0):
    """Indices ``(train_index, val_index)`` of a validation split by group.

    Every group of near-copies (see :func:`helpers.groups.near_duplicate_groups`) lies
    wholly on one side, about ``val_fraction`` of the images go to validation, with the class
    mix kept and every letter present on both sides. Balancing is not a guarantee: when no fold
    has every letter on both sides (a small data set), fewer, larger folds are tried.
    ``groups`` may be any group ids, e.g. signers (:func:`helpers.groups.training_signers`): then
    whole signers are held out. ``fold`` picks another usable fold (0, the default, is the first;
    1 the next, ...), so a study can rotate which groups are held out.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels, groups = np.asarray(labels), np.asarray(groups)
    fewest_groups = min(len(np.unique(groups[labels == letter])) for letter in np.unique(labels))
    most_splits = max(2, min(round(1 / val_fraction), fewest_groups))  # a letter with k groups fits in k folds
    for n_splits in range(most_splits, 1, -1):  # one fold of n_splits is the validation part
        folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        usable = [(train_index, val_index) for train_index, val_index in folds.split(labels, labels, groups)
                  if set(labels[val_index]) == set(labels[train_index]) == set(labels)]  # every letter on both sides
        if len(usable) > fold:
            return usable[fold]
        if usable:
            raise ValueError(f"fold {fold} asked for, but only {len(usable)} of the {n_splits} grouped folds have "
                             f"every letter on both sides: pass a fold from 0 to {len(usable) - 1}")
    raise ValueError("no grouped split has every letter on both sides: some letter has too few groups; "
                     "use more data")


# --------------------------------------------------------------------------- cache
def save_npz_atomic(path: str | Path, **arrays: np.ndarray) -> Path:
    """Write a compressed ``.npz`` so that a kill mid-write never leaves a half file.

    The arrays go to a temporary file in the same folder, which is then renamed over
    ``path`` (``os.replace`` is atomic on one file system).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as tmp:
            np.savez_compressed(tmp, **arrays)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read an ``.npz`` without ever unpickling (``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def data_fingerprint(folder: str | Path) -> str:
    """A short key that changes when the CSVs change (their sizes and modification times)."""
    folder = Path(folder)
    parts = [f"{n}:{(folder / n).stat().st_size}:{(folder / n).stat().st_mtime_ns}" for n in (TRAIN_CSV, TEST_CSV)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]


SPLITS = ("grouped", "random", "signers")


def training_groups(
    folder: str | Path, images: np.ndarray, labels: np.ndarray, verbose: bool = True, groups: np.ndarray | None = None
) -> np.ndarray:
    """Near-duplicate group ids of the training images, cached per data source.

    Computed by :func:`helpers.groups.near_duplicate_groups` (a few seconds on the real
    data) unless ``groups`` (computed by that function already) is given, and saved as
    ``artifacts/data/sign_mnist_<key>_groups.npz``.
    """
    from helpers import groups as groups_lib

    folder = Path(folder)
    key = ("fixture-" if is_fixture(folder) else "") + data_fingerprint(folder)
    cache = artifacts_dir() / "data" / f"sign_mnist_{key}_groups.npz"
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (len(labels),):
            raise ValueError(f"groups has shape {groups.shape}, expected ({len(labels)},): one id per training image")
    elif cache.is_file():
        try:
            cached = load_npz(cache)
            if cached["groups"].shape == (len(labels),) and float(cached["threshold"]) == groups_lib.THRESHOLD:
                return cached["groups"]
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
            print(f"Cache {shown_path(cache)} is unreadable ({error}); rebuilding it.")
    if groups is None:
        groups = groups_lib.near_duplicate_groups(images, labels)
    save_npz_atomic(cache, groups=groups, threshold=np.float64(groups_lib.THRESHOLD))
    if verbose:
        print(f"{len(np.unique(groups))} groups of near-copies among {len(groups)} training images; saved to {shown_path(cache)}")
    return groups


def prepared_data(
    data_dir: str | Path | None = None, val_fraction: float = 0.15, seed: int = 42, verbose: bool = True,
    raw: dict[str, np.ndarray] | None = None, split: str = "grouped", groups: np.ndarray | None = None,
    fold: int = 0,
) -> dict[str, np.ndarray]:
    """The train/validation/test arrays, from the cache if notebook 03 (or anyone) made them.

    ``split="grouped"`` (the default) holds out whole groups of near-copies
    (:func:`grouped_split`), so validation accuracy predicts test accuracy;
    ``split="random"`` is the naive image-by-image split (:func:`stratified_split`),
    kept to show how much it flatters a model; ``split="signers"`` holds out whole signers
    (:func:`grouped_split` over :func:`helpers.groups.training_signers`), as the test set
    (photos of other people) does, and adds ``signers_train`` and ``signers_val``.
    ``fold`` picks which groups (or signers) :func:`grouped_split` holds out (not for ``random``).

    Returns uint8 images (N, 28, 28) and int labels for ``train``, ``val`` and ``test``;
    ``groups_train`` and ``groups_val`` (the near-duplicate group id of each image);
    ``split``; and ``key`` (a string naming the data source and the split, used to name
    models trained on it: it differs between the two splits).
    The cache file is ``artifacts/data/sign_mnist_<source>_<split>_val<fraction>_seed<seed>[_fold<fold>].npz``.
    Pass ``raw`` (what :func:`load_dataset` returned for this folder) to skip parsing the CSVs again,
    and ``groups`` (:func:`helpers.groups.near_duplicate_groups` of ``raw``'s training set) to skip grouping.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if fold and split == "random":
        raise ValueError("fold applies to the grouped and signers splits; the random split varies with seed")
    folder = locate_dataset(data_dir)
    source = ("fixture-" if is_fixture(folder) else "") + data_fingerprint(folder)
    in_fold = f"-fold{fold}" if fold else ""
    key = f"{source}-{split}" + ("" if val_fraction == 0.15 else f"-val{val_fraction:g}") + in_fold
    cache = artifacts_dir() / "data" / f"sign_mnist_{source}_{split}_val{val_fraction:g}_seed{seed}{in_fold.replace('-', '_')}.npz"
    names = {"x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "groups_train", "groups_val"}
    if split == "signers":
        names |= {"signers_train", "signers_val"}
    if cache.is_file():
        try:
            arrays = load_npz(cache)
            missing = names - set(arrays)
            if missing:
                raise ValueError(f"missing arrays {sorted(missing)}")
            if verbose:
                print(f"Loaded cached arrays from {shown_path(cache)}")
            return {**arrays, "key": key, "split": split}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:  # a damaged cache is rebuilt, not trusted
            print(f"Cache {shown_path(cache)} is unreadable ({error}); rebuilding it.")
    raw = raw if raw is not None else load_dataset(folder)
    images, labels = raw["x_train"], raw["y_train"]
    groups = training_groups(folder, images, labels, verbose=verbose, groups=groups)
    if split == "grouped":
        train_index, val_index = grouped_split(labels, groups, val_fraction, seed, fold)
    elif split == "signers":
        from helpers.groups import training_signers

        signers = training_signers(labels, folder)  # checked against these labels: raises if it belongs to other data
        train_index, val_index = grouped_split(labels, signers, val_fraction, seed, fold)
    else:
        train_index, val_index = stratified_split(np.arange(len(labels)), labels, val_fraction, seed)[:2]
    arrays = {
        "x_train": images[train_index], "y_train": labels[train_index],
        "x_val": images[val_index], "y_val": labels[val_index],
        "x_test": raw["x_test"], "y_test": raw["y_test"],
        "groups_train": groups[train_index], "groups_val": groups[val_index],
    }
    if split == "signers":
        arrays |= {"signers_train": signers[train_index], "signers_val": signers[val_index]}
    save_npz_atomic(cache, **arrays)
    if verbose:
        print(f"Saved arrays ({split} split) to {shown_path(cache)}")
    return {**arrays, "key": key, "split": split}


def subsample(images: np.ndarray, labels: np.ndarray, n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """A stratified random subset of ``n`` images (all of them when ``n >= len``); used by fast mode."""
    if n >= len(labels):
        return images, labels
    if len(labels) - n < len(np.unique(labels)):  # too few left over to stratify: plain random subset
        keep = np.random.default_rng(seed).choice(len(labels), size=n, replace=False)
        return images[keep], labels[keep]
    from sklearn.model_selection import train_test_split

    images, _, labels, _ = train_test_split(images, labels, train_size=n, stratify=labels, random_state=seed)
    return images, labels


def _fast_val_size(fast_size: int) -> int:
    return max(fast_size // 10, 100)


def validation_groups(data: dict[str, np.ndarray], fast: bool = False, fast_size: int = 3000, seed: int = 42) -> np.ndarray:
    """The near-duplicate group id of each validation image of :func:`model_inputs` (same arguments, same order).

    Fast mode keeps the same stratified subset of the validation images as :func:`model_inputs` does.
    """
    groups, labels = np.asarray(data["groups_val"]), data["y_val"]
    if fast:
        groups, _ = subsample(groups, labels, _fast_val_size(fast_size), seed)
    return groups


def model_inputs(data: dict[str, np.ndarray], fast: bool = False, fast_size: int = 3000, seed: int = 42) -> dict[str, np.ndarray]:
    """Turn :func:`prepared_data` into what Keras wants: scaled images, one-hot labels.

    Returns ``x_train, y_train, x_val, y_val`` (one-hot) and ``x_test, labels_test``
    (integer labels, for metrics). Fast mode keeps ``fast_size`` training images and a
    tenth of that for validation and test, so the notebooks run in seconds in tests.
    """
    x_train, y_train = data["x_train"], data["y_train"]
    x_val, y_val, x_test, y_test = data["x_val"], data["y_val"], data["x_test"], data["y_test"]
    if fast:
        x_train, y_train = subsample(x_train, y_train, fast_size, seed)
        x_val, y_val = subsample(x_val, y_val, _fast_val_size(fast_size), seed)
        x_test, y_test = subsample(x_test, y_test, max(fast_size // 3, 200), seed)
    return {
        "x_train": preprocess(x_train), "y_train": one_hot(y_train),
        "x_val": preprocess(x_val), "y_val": one_hot(y_val),
        "x_test": preprocess(x_test), "labels_test": np.asarray(y_test),
    }
