"""The photo sets of notebook 09, downloaded from pinned public URLs and checked, for a learner with internet.

Each set has a manifest in ``data/hand_photos/<set>.csv`` (committed: file names, letters, signers, URLs and
SHA-256 checksums, no pixel): every URL names a fixed commit of the public repository the photos come from
(sources in ``data/hand_photos/SOURCE.md``). :func:`download_photo_set` fetches the photos into
``artifacts/photos/<set>/``, checks each file's size and checksum, writes ``labels.csv`` when every photo is
there, and skips the photos already downloaded, so a second run reads the cache. A failed download raises
:class:`PhotoDownloadError`, which says which photo, from where, and what to do.
"""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from helpers.config import REPO_ROOT, artifacts_dir
from helpers.hand_photo_sets import file_sha256, photo_folder

MANIFESTS = REPO_ROOT / "data" / "hand_photos"
MANIFEST_COLUMNS = ("file", "letter", "signer", "url", "sha256", "bytes")  # and the labels' other columns (boxes)
TIMEOUT_SECONDS = 30
PARALLEL_DOWNLOADS = 8


class PhotoDownloadError(RuntimeError):
    """A photo could not be downloaded, or its bytes are not the ones the manifest names."""


def manifest(name: str) -> pd.DataFrame:
    """The manifest of photo set ``name``: one row per photo (:data:`MANIFEST_COLUMNS`)."""
    path = MANIFESTS / f"{name}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in MANIFESTS.glob("*.csv"))
        raise FileNotFoundError(f"{path}: no manifest for the photo set {name!r} (the course has {known})")
    table = pd.read_csv(path, dtype={"signer": str})
    missing = set(MANIFEST_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}")
    return table


def is_intact(path: Path, row) -> bool:
    """Whether ``path`` holds exactly the photo of manifest row ``row`` (its size, then its checksum)."""
    return path.is_file() and path.stat().st_size == int(row.bytes) and file_sha256(path) == row.sha256


def fetch(row, folder: Path) -> None:
    """Download one photo into ``folder`` (written under a temporary name, renamed once its checksum is right)."""
    target = folder / row.file
    if is_intact(target, row):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(row.url, timeout=TIMEOUT_SECONDS) as response, open(part, "wb") as out:
            out.write(response.read())
    except OSError as error:  # URLError, HTTPError, timeouts and disk errors are all OSErrors
        part.unlink(missing_ok=True)
        raise PhotoDownloadError(f"could not download {row.file} from {row.url} ({error})") from None
    if not is_intact(part, row):
        part.unlink(missing_ok=True)
        raise PhotoDownloadError(f"{row.url} did not give the photo the course pinned ({row.file}: size or SHA-256 "
                                 "differs); the source may have changed")
    os.replace(part, target)


def download_photo_set(name: str, folder: str | Path | None = None) -> Path:
    """Download photo set ``name`` (checked, cached) and return its folder, which then has a ``labels.csv``.

    Raises :class:`PhotoDownloadError` if a photo cannot be fetched or is not the pinned one; the photos already
    checked stay, so a rerun fetches only what is missing.
    """
    rows = manifest(name)
    folder = Path(folder) if folder is not None else artifacts_dir() / "photos" / name
    folder.mkdir(parents=True, exist_ok=True)
    first = _attempt(next(rows.itertuples()), folder)  # offline or blocked: say so at once, not after every photo
    if first:
        raise PhotoDownloadError(f"{first}. Check the internet connection, or get the {name} set by hand as "
                                 "data/hand_photos/SOURCE.md says.")
    with ThreadPoolExecutor(PARALLEL_DOWNLOADS) as pool:
        failures = [error for error in pool.map(lambda row: _attempt(row, folder), rows.itertuples()) if error]
    if failures:
        raise PhotoDownloadError(
            f"{len(failures)} of {len(rows)} photos of the {name} set could not be downloaded, e.g. {failures[0]}. "
            f"Run again to retry (the {len(rows) - len(failures)} photos already checked are kept in {folder}), "
            f"or get the set by hand as data/hand_photos/SOURCE.md says.")
    labels = rows.drop(columns=["url", "sha256", "bytes"])  # file, letter, signer and the hand's box where known
    part = folder / "labels.csv.part"
    labels.to_csv(part, index=False)
    os.replace(part, folder / "labels.csv")
    return folder


def _attempt(row, folder: Path) -> str | None:
    try:
        fetch(row, folder)
    except PhotoDownloadError as error:
        return str(error)
    return None


def folder_or_download(name: str, folder: str | Path | None, download: bool) -> Path | None:
    """Photo set ``name``'s folder if it is here (:func:`helpers.hand_photo_sets.photo_folder`), else, when
    ``download``, the downloaded copy; None (after saying why) when neither works out."""
    found = photo_folder(name, folder)
    if found is not None or not download:
        return found
    try:
        return download_photo_set(name)
    except PhotoDownloadError as error:
        print(f"The {name} photos could not be downloaded: {error} The notebook goes on with the landmarks that ship "
              "with the course.")
        return None
