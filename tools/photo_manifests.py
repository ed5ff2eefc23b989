"""Write the download manifests of the photo sets (``data/hand_photos/<set>.csv``) from local copies of the photos.

Each row: the photo's path in the set, its labels (letter, signer, the hand's box where the set has one), the URL
of the same file at a fixed commit of its public repository, its size and SHA-256. Notebook 09 downloads the
photos from these URLs and checks them (:mod:`helpers.photo_downloads`). No pixel is written::

    python -m tools.photo_manifests [--signers DIR] [--dev DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from helpers.hand_photo_sets import file_sha256, photo_folder
from helpers.photo_downloads import MANIFESTS
from tools.cli import run_command

#: Where each set's files are, at a fixed commit (the commit the set's SOURCE.md names).
SOURCES = {
    "signers": ("SahilKuchlous/SignFlow", "ca93add", lambda file: f"datasets/{file}"),
    "dev": ("dnth/yolov5-deepsparse-blogpost", "f467abc4",
            lambda file: f"datasets/american_sign_language/train/images/{Path(file).name}"),
}


def github_url(repo: str, commit: str, path: str) -> str:
    return f"https://github.com/{repo}/raw/{commit}/{path}"


def set_manifest(name: str, folder: Path) -> pd.DataFrame:
    """The manifest of one local photo set (its ``labels.csv`` plus url, sha256 and bytes)."""
    labels = pd.read_csv(folder / "labels.csv", dtype=str)
    if "signer" not in labels.columns:
        labels.insert(2, "signer", labels.pop("person") if "person" in labels.columns else "unknown")
    if {"repo", "commit", "source_path"} <= set(labels.columns):  # the webcam set names each file's origin
        urls = [github_url(r, c, p) for r, c, p in zip(labels.pop("repo"), labels.pop("commit"), labels.pop("source_path"))]
    else:
        repo, commit, where = SOURCES[name]
        urls = [github_url(repo, commit, where(file)) for file in labels["file"]]
    labels["url"] = urls
    labels["sha256"] = [file_sha256(folder / file) for file in labels["file"]]
    labels["bytes"] = [(folder / file).stat().st_size for file in labels["file"]]
    return labels


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in SOURCES:
        parser.add_argument(f"--{name}", help=f"the {name} photo folder (default: its environment variable or ../shared)")
    args = parser.parse_args(argv)
    written = []
    for name in SOURCES:  # the sets whose photos notebook 09 shows (the webcam set: its landmarks only)
        folder = photo_folder(name, getattr(args, name))
        if folder is None:
            print(f"{name}: photos not found, manifest left as it is")
            continue
        table = set_manifest(name, folder)
        MANIFESTS.mkdir(parents=True, exist_ok=True)
        path = MANIFESTS / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
        print(f"{name}: {len(table)} photos, {table['bytes'].sum() / 1e6:.1f} MB -> {path}")
    return written


if __name__ == "__main__":
    run_command(main, "python -m tools.photo_manifests")
