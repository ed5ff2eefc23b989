"""The live page: build it with the classifier you trained in notebook 09, and serve it on this machine.

    python -m tools.live build [--out build/live] [--model artifacts/hands/hand_classifier.keras]
    python -m tools.live serve [--port 8765]      # make live: build, then serve on http://127.0.0.1:8765/
    python -m tools.live export --out hand_classifier.json   # the classifier alone, as the page reads it
    python -m tools.live benchmark [--seconds 20]   # make live-benchmark: frames per second in headless Chromium
    python -m tools.live letters                    # make live-benchmark: which letters the page reads on strangers

The benchmark plays a photo of a hand (the Roboflow photos' first B, or a signer's) as Chromium's fake camera at
640×480, lets the page run, and writes frames per second and the time per frame of the hand landmarker and of
the classifier (the page's own moving averages) to ``build/live.json``.

The page's JavaScript lives in ``live/`` (``npm ci --prefix live`` installs the pinned hand landmarker);
``helpers.live`` assembles and serves it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from helpers.config import build_dir
from tools.cli import CommandFailed, run_command


def held_hand_photo() -> Path:
    """A photo of one hand for the benchmark's camera: a Roboflow photo of B, else a signer's photo of B."""
    from helpers import hand_photo_sets

    for name in ("dev", "signers"):
        folder = hand_photo_sets.photo_folder(name)
        if folder is not None:
            labels = hand_photo_sets.photo_set_labels(name, folder)
            return folder / labels.loc[labels["letter"] == "B", "file"].iloc[0]
    raise CommandFailed("no photo set here to hold in front of the fake camera: set ASL_PHOTOS_DEV or ASL_PHOTOS_SIGNERS")


def started_page(playwright, chromium: str, url: str, video: Path, frames: int = 10):
    """Headless Chromium with ``video`` as its camera, the page at ``url`` opened and started, once it has read
    ``frames`` frames. Returns (browser, page)."""
    browser = playwright.chromium.launch(executable_path=chromium, args=[
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--no-sandbox",
        f"--use-file-for-fake-video-capture={video}"])
    page = browser.new_page()
    page.goto(url)
    page.click("#start")
    deadline = time.monotonic() + 60
    while not page.evaluate(f"window.liveStats.frames > {frames}"):
        if time.monotonic() > deadline:
            raise CommandFailed(f"the page did not start: {page.inner_text('#status')}")
        time.sleep(0.2)
    return browser, page


def measured(page, seconds: float) -> dict:
    """Frames per second over ``seconds``, and the medians of the page's per-frame moving averages, sampled each second."""
    samples, start = [], page.evaluate("[performance.now(), window.liveStats.frames]")
    for _ in range(int(seconds)):
        time.sleep(1.0)
        samples.append(page.evaluate("({...window.liveStats})"))
    end = page.evaluate("[performance.now(), window.liveStats.frames]")
    return {"fps": round((end[1] - start[1]) / ((end[0] - start[0]) / 1000), 1),
            "detect_ms_median": round(statistics.median(s["detectMs"] for s in samples), 1),
            "classify_ms_median": round(statistics.median(s["classifyMs"] for s in samples), 2),
            "letters_shown": sorted({s["letter"] for s in samples if s["letter"]})}


def benchmark(folder: Path, seconds: float = 20.0, warmup: float = 5.0) -> dict:
    """Frames per second of the live page in headless Chromium with a fake 640×480 camera holding one hand; then
    the same with no hand in the picture (the landmarker then only looks for a palm: what the hand itself costs)."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from helpers import live
    from tools.course import machine
    from tools.fake_camera import camera_frame, write_y4m

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise CommandFailed("Debian's chromium is not installed (apt-get install chromium)")
    photo = held_hand_photo()
    server = live.serve_live_page(folder, port=0)
    url = f"http://127.0.0.1:{server.server_port}/"
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        videos = {"hand": write_y4m(Path(tmp) / "hand.y4m", [(camera_frame(photo), 10.0)]),
                  "no_hand": write_y4m(Path(tmp) / "empty.y4m", [(Image.new("RGB", (640, 480), (200, 190, 180)), 2.0)])}
        for what, video in videos.items():
            browser, page = started_page(p, chromium, url, video)
            time.sleep(warmup)
            results[what] = measured(page, seconds)
            version = browser.version
            browser.close()
    server.shutdown()
    return {
        "title": "The live page in headless Chromium (issue 24)",
        "date": datetime.datetime.now().isoformat(timespec="seconds"), "command": "python -m tools.live benchmark",
        "machine": machine(), "chromium": version, "camera": "fake camera, 640×480 at 30 fps, one hand held still",
        "photo": photo.name, "settings": "hand landmarker in VIDEO mode, numHands 1, CPU delegate; a second "
        "landmarker (IMAGE mode, numHands 2) checks for a second hand every 0.5 s",
        "seconds": seconds, **results["hand"],
        "no_hand": {key: results["no_hand"][key] for key in ("fps", "detect_ms_median")},
    }


def letters_on_strangers(folder_for, per_letter: int = 5, seconds: float = 6.0) -> dict:
    """The page's answers on other people's hands: a classifier trained on the shipped landmarks of the 7 signers and
    the two webcam people reads the Roboflow photos (people it never saw), held in front of the fake camera, a
    video per letter with ``per_letter`` photos of it; every frame's answer counts ("no hand" counts wrong)."""
    from collections import Counter

    from playwright.sync_api import sync_playwright

    from helpers import hand_photo_sets, hands, live
    from tools.fake_camera import camera_frame, write_y4m

    folder = hand_photo_sets.photo_folder("dev")
    if folder is None:
        raise CommandFailed("the Roboflow photos are not here: set ASL_PHOTOS_DEV")
    known = hand_photo_sets.join_sets(*(hand_photo_sets.shipped_landmarks(n) for n in ("signers", "webcam")))
    found = known["found"]
    model = hands.train_hand_classifier(known["landmarks"][found], hands.letter_indices(known["letter"][found]), seed=0)
    page = folder_for(model)
    server = live.serve_live_page(page, port=0)
    url = f"http://127.0.0.1:{server.server_port}/"
    labels = hand_photo_sets.photo_set_labels("dev", folder)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    per_letter_answers = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        for letter in sorted(labels["letter"].unique()):
            files = labels.loc[labels["letter"] == letter, "file"].head(per_letter)
            video = write_y4m(Path(tmp) / f"{letter}.y4m", [(camera_frame(folder / f), 1.2) for f in files])
            browser, tab = started_page(p, chromium, url, video, frames=5)
            answers = Counter()
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                answers[tab.evaluate("window.liveStats.letter") or "no hand"] += 1
                time.sleep(0.1)
            browser.close()
            per_letter_answers[letter] = dict(answers.most_common())
    server.shutdown()
    rows = {letter: {"top1": round(a.get(letter, 0) / sum(a.values()), 3),
                     "most_often_instead": next((k for k in a if k != letter), None)}
            for letter, a in per_letter_answers.items()}
    return {"what": "the live page on the Roboflow photos (people the classifier never saw: trained on the shipped "
                    f"landmarks of the 7 signers and the two webcam people), {per_letter} photos per letter held "
                    f"1.2 s each, the page's letter sampled every 0.1 s for {seconds:g} s",
            "top1_mean_over_letters": round(sum(r["top1"] for r in rows.values()) / len(rows), 3),
            "per_letter": rows, "answers": per_letter_answers}


def main(argv: list[str] | None = None) -> int:
    from helpers import live
    from helpers.quiet import quiet_tensorflow

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("build", "serve", "export", "benchmark", "letters"))
    parser.add_argument("--seconds", type=float, default=20.0, help="benchmark: how long to measure")
    parser.add_argument("--out", help="folder of the page (build, serve; default build/live) or the JSON file (export)")
    parser.add_argument("--model", help="the hand classifier (.keras); default: the one notebook 09 saved")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    from helpers.hands import load_classifier

    if args.action == "letters":
        out = build_dir() / "live.json"
        record = json.loads(out.read_text()) if out.is_file() else {}
        record["letters_on_strangers"] = letters_on_strangers(
            lambda model: live.build_live_page(Path(tempfile.mkdtemp()) / "live", model))
        out.write_text(json.dumps(record, indent=2, ensure_ascii=False))
        weak = sorted(record["letters_on_strangers"]["per_letter"].items(), key=lambda kv: kv[1]["top1"])[:6]
        print(f"mean top-1 over letters {record['letters_on_strangers']['top1_mean_over_letters']}; weakest: "
              + ", ".join(f"{k} {v['top1']} (as {v['most_often_instead']})" for k, v in weak) + f". Wrote {out}")
        return 0
    try:
        model = load_classifier(args.model)
    except FileNotFoundError as error:
        raise CommandFailed(str(error)) from None
    if args.action == "export":
        print(f"wrote {live.export_hand_classifier(model, args.out or 'hand_classifier.json')}")
        return 0
    try:
        folder = live.build_live_page(Path(args.out) if args.out else build_dir() / "live", model)
    except FileNotFoundError as error:
        raise CommandFailed(str(error)) from None
    print(f"built the live page in {folder}")
    if args.action == "benchmark":
        record = benchmark(folder, args.seconds)
        record["command"] += f" --seconds {args.seconds:g}" + (f" --model {args.model}" if args.model else "")
        out = build_dir() / "live.json"
        out.write_text(json.dumps(record, indent=2, ensure_ascii=False))
        print(f"{record['fps']} frames per second; hand landmarks {record['detect_ms_median']} ms, classifier "
              f"{record['classify_ms_median']} ms per frame (medians). Wrote {out}")
    if args.action == "serve":
        print(f"Open http://127.0.0.1:{args.port}/ in Chrome, Edge or Firefox (this machine only). Ctrl+C stops it.")
        try:
            live.serve_live_page(folder, args.port, background=False)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    run_command(main, "python -m tools.live")
