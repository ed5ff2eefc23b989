"""`python -m tools.photo_manifests`: a photo folder's labels plus each file's pinned URL, size and checksum."""

from __future__ import annotations

import hashlib

import pandas as pd

from tools import photo_manifests


def test_a_manifest_pins_each_file_of_a_set(tmp_path):
    (tmp_path / "user_3").mkdir()
    (tmp_path / "user_3" / "A0.jpg").write_bytes(b"not really a jpeg")
    pd.DataFrame({"file": ["user_3/A0.jpg"], "letter": ["A"], "signer": ["user_3"], "x_min": [5]}).to_csv(
        tmp_path / "labels.csv", index=False)
    row = photo_manifests.set_manifest("signers", tmp_path).iloc[0]
    assert row["url"] == "https://github.com/SahilKuchlous/SignFlow/raw/ca93add/datasets/user_3/A0.jpg"
    assert row["sha256"] == hashlib.sha256(b"not really a jpeg").hexdigest() and int(row["bytes"]) == 17
    assert row["x_min"] == "5"  # the labels' own columns stay


def test_a_set_that_names_each_files_origin_keeps_it(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    pd.DataFrame({"file": ["a.jpg"], "letter": ["B"], "person": ["kenneth"], "repo": ["o/r"], "commit": ["abc1234"],
                  "source_path": ["data/B/0.jpg"]}).to_csv(tmp_path / "labels.csv", index=False)
    table = photo_manifests.set_manifest("webcam", tmp_path)
    assert list(table.columns) == ["file", "letter", "signer", "url", "sha256", "bytes"]
    assert table.iloc[0]["url"] == "https://github.com/o/r/raw/abc1234/data/B/0.jpg" and table.iloc[0]["signer"] == "kenneth"
