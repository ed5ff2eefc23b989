"""`make second-look-study`: can a second look lift the groups `make hands` reads worst (issue 23)?

Leave one person out with the recipe of ``make hands`` (same seed, epochs and folds); only the input changes.
In the dev photos, many of the recipe's mistakes on easy letters are hands whose landmarks came out wrong
(squeezed into a blob, or on part of the hand), and many others are closed fists that differ by a thumb. Two kinds of
second look, each a row:

- **other framings for the detector**: each photo also tried as it is, padded with a border, at half size and at
  half size padded, keeping the hand with the largest box of those and of ``make hands``' own detection; and the
  landmarker run again on a square twice the first hand's box ("look again", as MediaPipe's video mode follows a
  hand from frame to frame);
- **the pixels of the hand**: the course's own CNN (notebook 06's, trained on Sign Language MNIST) reads the hand's
  box framed as Sign Language MNIST is (``predict.photo_to_input``), and its probabilities multiply the landmark
  classifier's. Sign Language MNIST is made from the 7 signers' photos, so that CNN has seen them: the row is scored
  on the other people only.

    python -m tools.second_look_study   # build/second_look_study.json and .md (about 20 minutes on 2 cores the
                                        # first time: the detector runs 5 more times per photo, then cached)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from helpers.config import NUM_CLASSES, artifacts_dir
from tools.cli import run_command, write_record

#: The framings tried on every photo: (scale, padded with a border).
FRAMINGS = ((1.0, False), (1.0, True), (0.5, False), (0.5, True))
LOOK_AGAIN_SIDE = 2.0  # the second look's square, in units of the first hand's longer side
#: Groups whose photos made Sign Language MNIST: the course's CNN is not held out from them.
IN_SIGN_MNIST = "signers:"


def largest_hand(landmarks: np.ndarray) -> np.ndarray:
    """The hand with the largest box among ``landmarks`` (hands, 21, 3), or 21 NaN points when there is none."""
    if not len(landmarks):
        return np.full((21, 3), np.nan, np.float32)
    spans = np.ptp(landmarks[:, :, :2], axis=1).prod(axis=1)
    return landmarks[int(np.argmax(spans))]


def look_again_box(points: np.ndarray, side: float = LOOK_AGAIN_SIDE) -> tuple[int, int, int, int]:
    """A square around a found hand, ``side`` times its box's longer side (at least 20 pixels), as a PIL crop box."""
    low, high = points[:, :2].min(0), points[:, :2].max(0)
    centre, half = (low + high) / 2, side * max(float((high - low).max()), 20.0) / 2
    return tuple(int(round(v)) for v in (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half))


def detect_framings(folder: Path, photos, first: np.ndarray, detector) -> np.ndarray:
    """(photos, 5, 21, 3): the largest hand of each framing in :data:`FRAMINGS`, then of the second look around
    ``first`` (the photo's first detection; NaN where it found none), in pixels of the photo; NaN where none."""
    from PIL import Image

    from helpers.hand_landmarks import MAX_SIDE, open_photo

    out = np.full((len(photos), len(FRAMINGS) + 1, 21, 3), np.nan, np.float32)
    for i, name in enumerate(photos):
        picture = open_photo(Path(folder) / str(name))
        if max(picture.size) > MAX_SIDE:
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        for j, (scale, padded) in enumerate(FRAMINGS):
            out[i, j] = largest_hand(detector.detect_framed(picture, scale, padded)[0])
        if not np.isnan(first[i]).any():
            box = look_again_box(first[i])
            again = largest_hand(detector.detect_framed(picture.crop(box))[0])
            out[i, -1] = again + np.array([box[0], box[1], 0], np.float32)
    return out


def cached_framings(name: str, folder: Path, arrays: dict, task: Path) -> np.ndarray:
    """:func:`detect_framings` of one photo set, cached beside ``make hands``' landmarks."""
    from helpers.data import load_npz, save_npz_atomic
    from helpers.hand_landmarks import HandDetector
    from helpers.hand_photo_sets import cache_key

    files = [str(f) for f in arrays["photo"]]
    cache = artifacts_dir() / "hands" / f"framings_{Path(folder).name}_{cache_key(Path(folder), files, task)}.npz"
    if cache.is_file():
        return load_npz(cache)["framings"]
    print(f"Detecting the {name} photos in {len(FRAMINGS) + 1} more framings ({len(files)} photos)...", flush=True)
    with HandDetector(task) as detector:
        framings = detect_framings(folder, files, arrays["landmarks"], detector)
    cache.parent.mkdir(parents=True, exist_ok=True)
    save_npz_atomic(cache, framings=framings)
    return framings


def choose_largest(candidates: np.ndarray) -> np.ndarray:
    """(photos, k, 21, 3) → (photos, 21, 3): each photo's candidate hand with the largest box (NaN if none)."""
    spans = np.ptp(candidates[..., :2], axis=2).prod(axis=-1)
    spans = np.where(np.isnan(spans), -1.0, spans)
    return candidates[np.arange(len(candidates)), spans.argmax(axis=1)]


def with_landmarks(arrays: dict, landmarks: np.ndarray) -> dict:
    """The arrays with other landmarks (and ``found`` where they are not NaN)."""
    return {**arrays, "landmarks": landmarks, "found": ~np.isnan(landmarks).any(axis=(1, 2))}


def crop_probabilities(paths, landmarks: np.ndarray, model, batch: int = 256) -> np.ndarray:
    """The course CNN's probabilities (photos, 25) for the box of each found hand; zeros where none was found."""
    from helpers.predict import photo_to_input

    out = np.zeros((len(paths), NUM_CLASSES))
    found = np.flatnonzero(~np.isnan(landmarks).any(axis=(1, 2)))
    for start in range(0, len(found), batch):
        rows = found[start:start + batch]
        boxes = [(*landmarks[i, :, :2].min(0), *landmarks[i, :, :2].max(0)) for i in rows]
        x = np.stack([photo_to_input(paths[i], box=box) for i, box in zip(rows, boxes)])
        out[rows] = np.asarray(model.predict(x, verbose=0))
    return out


def multiply(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two classifiers' probabilities multiplied and renormalised, per photo; zeros where either has none."""
    product = first * second
    total = product.sum(axis=1, keepdims=True)
    return np.divide(product, total, out=np.zeros_like(product), where=total > 0)


def row(arrays: dict, probabilities: np.ndarray, groups) -> dict:
    """Mean, median and worst top-1 over people (misses count wrong), and each of ``groups``' top-1."""
    from helpers.hand_eval import per_person, spread_over_people

    table = per_person(arrays["letter"], probabilities, arrays["found"], arrays["signer"])
    return {**spread_over_people(table), "groups": {g: round(float(table.loc[g, "top1"]), 4) for g in groups}}


def study(everyone: dict, framings: np.ndarray, crop: np.ndarray | None, seed: int = 0, epochs: int = 60,
          batch_size: int = 256) -> dict:
    """The rows: the recipe, the two detector framings, and (where ``crop`` is given) the recipe times the CNN."""
    from helpers.hand_eval import leave_one_signer_out
    from tools.hands_report import ABLATION, RECIPE_ROW

    recipe = ABLATION[RECIPE_ROW]
    others = sorted(g for g in set(everyone["signer"]) if not g.startswith(IN_SIGN_MNIST))
    inputs = {
        "the recipe (make hands' landmarks)": everyone,
        "detector: the largest hand of four framings and the first detection": with_landmarks(
            everyone, choose_largest(np.concatenate([everyone["landmarks"][:, None], framings[:, :-1]], axis=1))),
        "detector: look again, a square twice the first hand's box": with_landmarks(
            everyone, np.where(np.isnan(framings[:, -1]).any(axis=(1, 2))[:, None, None],
                               everyone["landmarks"], framings[:, -1])),
    }
    rows, recipe_probabilities = {}, None
    for title, arrays in inputs.items():
        start = time.perf_counter()
        probabilities = leave_one_signer_out(arrays, "keras", seed, epochs, batch_size=batch_size, **recipe)
        recipe_probabilities = probabilities if recipe_probabilities is None else recipe_probabilities
        rows[title] = {**row(arrays, probabilities, others), "seconds": round(time.perf_counter() - start, 1)}
        print(f"{title}: mean {rows[title]['mean_top1']:.3f}, worst {rows[title]['worst_top1']:.3f}", flush=True)
    if crop is not None:
        keep = ~np.char.startswith(everyone["signer"].astype(str), IN_SIGN_MNIST)
        subset = {key: value[keep] for key, value in everyone.items()}
        for title, probabilities in {
            "the course's CNN alone, on the hand's box": crop,
            "the recipe × the course's CNN on the hand's box": multiply(recipe_probabilities, crop),
            "the recipe, on the same people": recipe_probabilities,
        }.items():
            rows[title] = {**row(subset, probabilities[keep], others), "seconds": None,
                           "scored_on": "the people not in Sign Language MNIST"}
    return {"rows": rows, "groups": others}


def markdown(record: dict) -> str:
    groups = record["groups"]
    lines = [f"# {record['title']}", "", f"Run of {record['date']}: `{record['command']}` ({record['seconds']} s).", "",
             record["how"], "", "| row | people | top-1, mean over people | worst | " + " | ".join(groups) + " |",
             "|---|---:|---:|---|" + "---:|" * len(groups)]
    for title, r in record["rows"].items():
        lines.append(f"| {title} | {r['people']} | {100 * r['mean_top1']:.1f}% | {100 * r['worst_top1']:.1f}% "
                     f"({r['worst_person']}) | " + " | ".join(f"{100 * r['groups'][g]:.1f}%" for g in groups) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    from helpers.hand_landmarks import landmarker_path
    from helpers.hand_photo_sets import detect_photo_set, join_sets, photo_folder
    from helpers.quiet import quiet_tensorflow
    from tools.hands_report import people

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--model", help="the course CNN (.keras) that reads the hand's box (default: the newest "
                        "full-mode improved_cnn of `make course`; without one the pixel rows are left out)")
    args = parser.parse_args(argv)
    quiet_tensorflow()
    start = time.perf_counter()
    task = landmarker_path()
    sets, framings, paths = {}, [], []
    for name in ("signers", "dev", "webcam"):
        folder = photo_folder(name)
        if folder is None:
            raise SystemExit(f"the {name} photos were not found: this study needs every photo set (see make hands)")
        arrays = detect_photo_set(folder, task=task)
        sets[name] = {**arrays, "signer": people(name, arrays)}
        framings.append(cached_framings(name, folder, arrays, task))
        paths += [folder / str(f) for f in arrays["photo"]]
    everyone = join_sets(*sets.values())
    crop = model_path = None
    try:
        from helpers.predict import find_trained_model, load_model

        model_path = Path(args.model) if args.model else find_trained_model(prefer=("improved_cnn",))
        crop = crop_probabilities(paths, everyone["landmarks"], load_model(model_path))
    except FileNotFoundError as error:
        print(f"The pixel rows are left out: {error}")
    result = study(everyone, np.concatenate(framings), crop, args.seed, args.epochs)
    record = {"title": "A second look for the groups the recipe reads worst (issue 23)",
              "command": "python -m tools.second_look_study" + (f" --seed {args.seed}" if args.seed else ""),
              "how": (f"Leave one person out over {len(set(everyone['signer']))} groups (each person; the dev photos, "
                      f"whose people are not given, as one group) with `make hands`' recipe (seed {args.seed}, "
                      f"{args.epochs} epochs); a photo without a found hand counts as wrong. The pixel rows use "
                      f"{model_path.parent.name if crop is not None else 'no CNN'} and are scored on the people not in Sign "
                      "Language MNIST only (its CNN has seen the 7 signers)."),
              "model": str(model_path) if crop is not None else None, **result}
    return write_record("second_look_study", record, markdown, start)


if __name__ == "__main__":
    run_command(main, "python -m tools.second_look_study")
