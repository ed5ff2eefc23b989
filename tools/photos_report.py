"""`make photos`: top-1 and top-3 of a trained model on real photos of hands, per letter.

Three ways, each printed per letter (see :mod:`helpers.photos`, which notebook 08 teaches):
zero-shot with the hand's box crop, zero-shot with a centre crop, and a photo head trained
on the CNN's features of the photos (5-fold cross-validated).

    python -m tools.photos_report [--photos DIR] [--model path.keras] [--from-yolo SPLIT_DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from helpers.photos import PHOTOS_SOURCE, from_yolo_export, photo_head, photos_dir, score
from helpers.predict import find_trained_model, load_model
from tools.cli import run_command


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Top-1/top-3 of a trained model on real photos.")
    parser.add_argument("--photos", help="the photo folder (default: $ASL_PHOTOS_DIR, else ../shared/data/asl_photos_dev)")
    parser.add_argument("--model", help="a .keras file (default: the newest trained improved CNN in artifacts/)")
    parser.add_argument("--from-yolo", metavar="SPLIT_DIR",
                        help="first lay out this split of the Roboflow YOLOv5 export into --photos")
    args = parser.parse_args(argv)
    folder = photos_dir(args.photos)
    if args.from_yolo:
        if folder is None:
            parser.error("--from-yolo needs --photos (the folder to write)")
        from_yolo_export(args.from_yolo, folder)
    if folder is None:
        parser.error(f"no photo folder: pass --photos or set ASL_PHOTOS_DIR. Source: {PHOTOS_SOURCE['roboflow']}")

    model_path = Path(args.model) if args.model else find_trained_model()
    model = load_model(model_path)
    print(f"model: {model_path}\nphotos: {folder}")
    runs = {
        "zero-shot, hand box crop (no photo used for training)": lambda: score(model, folder, True),
        "zero-shot, centre crop (no photo used for training)": lambda: score(model, folder, False),
        "photo head on CNN features, box crop (TRAINED ON THE PHOTOS, 5-fold cross-validated)":
            lambda: photo_head(model, folder)[:2],
    }
    summary = {}
    for title, run in runs.items():
        per_letter, overall = run()
        summary[title] = overall
        print(f"\n== {title}: top-1 {100 * overall['top1']:.1f}%, top-3 {100 * overall['top3']:.1f}% "
              f"over {overall['photos']} photos (chance: 4.2% / 12.5%)")
        print(per_letter.T.to_string())
    print("\n" + pd.DataFrame(summary).T.to_string())


if __name__ == "__main__":
    run_command(main, "make photos")
