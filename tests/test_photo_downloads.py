"""Photo downloads (notebook 09 with internet): pinned URLs, checked bytes, a cache, and clear errors.

The real URLs cannot be reached from the machines that run these tests, so a local HTTP server plays the host.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import threading

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from helpers import photo_downloads
from helpers.config import REPO_ROOT


@pytest.fixture()
def host(tmp_path):
    """A folder served on 127.0.0.1 (the "remote" repository), its base URL, and a way to stop it."""
    remote = tmp_path / "remote"
    remote.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(remote))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield remote, f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()


def toy_set(remote, base, manifests, wrong_checksum=False):
    """Two small photos on the host and their manifest ``toy.csv``."""
    rows = []
    for i, letter in enumerate("AB"):
        path = remote / f"{letter}{i}.jpg"
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(path)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        rows.append({"file": f"p1/{letter}{i}.jpg", "letter": letter, "signer": "p1", "x_min": 1,
                     "url": f"{base}/{path.name}", "sha256": ("0" * 64 if wrong_checksum and i else digest),
                     "bytes": len(data)})
    manifests.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(manifests / "toy.csv", index=False)


def test_download_checks_caches_and_writes_labels(host, tmp_path, monkeypatch):
    remote, base, server = host
    monkeypatch.setattr(photo_downloads, "MANIFESTS", tmp_path / "manifests")
    toy_set(remote, base, tmp_path / "manifests")
    folder = photo_downloads.download_photo_set("toy", tmp_path / "photos")
    labels = pd.read_csv(folder / "labels.csv")
    assert list(labels.columns) == ["file", "letter", "signer", "x_min"] and list(labels["letter"]) == ["A", "B"]
    assert (folder / "p1" / "B1.jpg").read_bytes() == (remote / "B1.jpg").read_bytes()
    server.shutdown()  # the host is gone: a second run reads the checked copies
    assert photo_downloads.download_photo_set("toy", tmp_path / "photos") == folder


def test_bytes_that_differ_from_the_pinned_ones_are_refused(host, tmp_path, monkeypatch):
    remote, base, _ = host
    monkeypatch.setattr(photo_downloads, "MANIFESTS", tmp_path / "manifests")
    toy_set(remote, base, tmp_path / "manifests", wrong_checksum=True)
    with pytest.raises(photo_downloads.PhotoDownloadError, match="1 of 2 photos.*did not give the photo the course pinned"):
        photo_downloads.download_photo_set("toy", tmp_path / "photos")
    assert (tmp_path / "photos" / "p1" / "A0.jpg").is_file()  # the good one is kept for the rerun
    assert not (tmp_path / "photos" / "p1" / "B1.jpg").exists() and not list((tmp_path / "photos").rglob("*.part"))
    assert not (tmp_path / "photos" / "labels.csv").exists()


def test_offline_fails_at_once_and_the_notebook_goes_on(host, tmp_path, monkeypatch, capsys):
    remote, base, server = host
    monkeypatch.setattr(photo_downloads, "MANIFESTS", tmp_path / "manifests")
    toy_set(remote, base, tmp_path / "manifests")
    server.shutdown()
    server.server_close()
    with pytest.raises(photo_downloads.PhotoDownloadError, match="could not download p1/A0.jpg.*internet connection"):
        photo_downloads.download_photo_set("toy", tmp_path / "photos")
    monkeypatch.setattr("helpers.hand_photo_sets.PHOTO_SETS",
                        {"toy": {"env": "NO_SUCH_VARIABLE", "default": tmp_path / "nowhere"}})
    assert photo_downloads.folder_or_download("toy", None, download=False) is None
    monkeypatch.setattr(photo_downloads, "artifacts_dir", lambda: tmp_path / "artifacts")
    assert photo_downloads.folder_or_download("toy", None, download=True) is None
    assert "could not be downloaded" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="no manifest for the photo set 'nothing'"):
        photo_downloads.manifest("nothing")


@pytest.mark.parametrize("name, photos", [("signers", 1680), ("dev", 456)])
def test_the_committed_manifests_pin_every_photo(name, photos):
    table = photo_downloads.manifest(name)
    assert len(table) == photos and table["file"].is_unique
    assert table["sha256"].str.fullmatch(r"[0-9a-f]{64}").all() and (table["bytes"] > 1000).all()
    assert table["url"].map(lambda url: bool(re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/raw/[0-9a-f]{7,40}/\S+",
                                                            url))).all()
    assert set(table["letter"]) <= set("ABCDEFGHIKLMNOPQRSTUVWXY")
    assert (REPO_ROOT / "data" / "hand_photos" / "SOURCE.md").is_file()
