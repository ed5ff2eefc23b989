"""`make photos` (tools.photos_report) says which of its rows trained on the photos."""

from __future__ import annotations

from synthetic_photos import photo_folder
from tools import photos_report


def test_make_photos_says_which_rows_trained_on_the_photos(tiny_model, tmp_path, capsys):
    net, _ = tiny_model
    photo_folder(tmp_path / "photos", per_letter=5)
    net.save(tmp_path / "tiny.keras")
    photos_report.main(["--photos", str(tmp_path / "photos"), "--model", str(tmp_path / "tiny.keras")])
    out = capsys.readouterr().out
    for line in out.splitlines():
        if "used for training" in line.lower():  # a "never/no photo used for training" claim
            assert "zero-shot" in line and "TRAINED ON THE PHOTOS" not in line, line
    assert "TRAINED ON THE PHOTOS" in out and out.count("no photo used for training") == 4  # 2 rows, twice each
