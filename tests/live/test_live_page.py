"""The live page in real Chromium with a fake camera: letters, the speller, no hand, a refused camera, privacy.

Chromium plays a ``.y4m`` video made here (``fake_camera.py``) as its camera. The page is built with a classifier
trained on the landmarks the course ships, and served on 127.0.0.1. With the Roboflow photos present
(``../shared/data/asl_photos_dev`` or ``$ASL_PHOTOS_DEV``) the video holds photos of known letters; without
them only the no-hand and refused-camera paths run. Every request the page makes must go to its own origin.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import hand_landmarks, hand_photo_sets, hands, live
from tools.fake_camera import camera_frame, write_y4m

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: the landmarker's WebAssembly writes its log lines to stderr, which the browser shows as console errors
LANDMARKER_LOG = "INFO: Created TensorFlow Lite XNNPACK delegate"
STORAGE_KEY = "sign-mnist-live-calibration-v1"  # live/src/app.js
REQUIRED = os.environ.get("REQUIRE_BROWSER", "").strip() not in ("", "0")


def skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def classifier():
    """A classifier trained on every hand the course ships landmarks of (as notebook 09's saved one, fewer epochs)."""
    every = hand_photo_sets.join_sets(*(hand_photo_sets.shipped_landmarks(n) for n in ("signers", "dev", "webcam")))
    found = every["found"]
    return hands.train_hand_classifier(every["landmarks"][found], hands.letter_indices(every["letter"][found]),
                                       epochs=20, seed=0)


@pytest.fixture(scope="module")
def site(classifier, tmp_path_factory):
    if CHROMIUM is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    if live.missing_files():
        skip_or_fail(f"the page's JavaScript package is not installed: npm ci --prefix live ({live.missing_files()})")
    folder = live.build_live_page(tmp_path_factory.mktemp("live"), classifier)
    server = live.serve_live_page(folder, port=0)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def open_page(playwright, url: str, video: Path | None, allow_camera: bool = True):
    """Chromium with ``video`` as its camera (or none), the page opened; every request and console error recorded."""
    args = ["--use-fake-device-for-media-stream", "--no-sandbox"]
    if video is not None:
        args.append(f"--use-file-for-fake-video-capture={video}")
    args.append("--use-fake-ui-for-media-stream" if allow_camera else "--deny-permission-prompts")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    context = browser.new_context()
    if allow_camera:
        context.grant_permissions(["camera"], origin=url.rstrip("/"))
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error"
            and not message.text.startswith(LANDMARKER_LOG) else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return browser, page


def wait_until(page, condition: str, timeout_s: float = 60):
    """Poll a JavaScript expression until it is true (Playwright's wait_for_function evaluates strings in the page,
    which the page's Content-Security-Policy rightly forbids; page.evaluate goes through the debugger instead)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {condition}; status: {page.inner_text('#status')!r}")
        page.wait_for_timeout(200)


def start_and_wait(page, condition: str, timeout_s: float = 60):
    page.click("#start")
    wait_until(page, condition, timeout_s)


def assert_private(page, url: str):
    outside = [r for r in page.requests if not r.startswith(url) and not r.startswith(("data:", "blob:"))]
    assert not outside, f"the page asked another origin: {outside}"


@pytest.fixture(scope="module")
def dev_photos(classifier):
    """Up to four dev photos of different letters that the Python pipeline reads right, each as a camera frame."""
    folder = hand_photo_sets.photo_folder("dev")
    if folder is None:
        pytest.skip("the Roboflow photos are not on this machine (../shared/data/asl_photos_dev or $ASL_PHOTOS_DEV)")
    labels = hand_photo_sets.photo_set_labels("dev", folder)
    chosen = []
    with hand_landmarks.HandDetector() as detector:
        for letter in "BLVWYICF":
            for file in labels.loc[labels["letter"] == letter, "file"].head(6):
                frame = camera_frame(folder / file)
                result = hands.predict_letter_from_photo(np.asarray(frame), classifier, detector)
                if result.letters and result.letters[0][0] == letter and result.letters[0][1] >= 0.8:
                    chosen.append((letter, frame))
                    break
            if len(chosen) == 4:
                break
    assert len(chosen) >= 3, f"too few dev photos read right in Python to test the page: {[c[0] for c in chosen]}"
    return chosen


def test_the_page_shows_the_letter_python_reads_for_each_held_photo(site, dev_photos, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        for letter, frame in dev_photos:
            video = write_y4m(tmp_path / f"{letter}.y4m", [(frame, 2.0)])
            browser, page = open_page(p, site, video)
            try:
                start_and_wait(page, "window.liveStats.frames > 20 && window.liveStats.letter !== null")
                page.wait_for_timeout(1000)
                shown = page.evaluate("window.liveStats")
                assert shown["letter"] == letter, (letter, shown["top3"], shown["message"])
                assert page.inner_text("#letter") == letter
                assert len(page.query_selector_all("#top3 li")) == 3
                assert_private(page, site)
                assert not page.errors, page.errors
            finally:
                browser.close()


def test_the_speller_types_the_letters_held_in_turn(site, dev_photos, tmp_path):
    from playwright.sync_api import sync_playwright

    blank = Image.new("RGB", (640, 480), (128, 128, 128))
    held = [(blank, 1.5)] + [(frame, 2.0) for _, frame in dev_photos[:3]] + [(blank, 30.0)]  # then no hand
    video = write_y4m(tmp_path / "word.y4m", held)
    word = "".join(letter for letter, _ in dev_photos[:3])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video)
        try:
            start_and_wait(page, f"document.querySelector('#text').textContent.length >= {len(word)}", timeout_s=90)
            page.wait_for_timeout(1500)  # the blank frames that follow type nothing
            assert page.inner_text("#text") == word
            page.click("#backspace")
            assert page.inner_text("#text") == word[:-1]
            page.keyboard.press("Escape")  # the keys work too
            assert page.inner_text("#text") == ""
            assert_private(page, site)
        finally:
            browser.close()


def test_calibration_changes_the_answer_stays_in_local_storage_and_resets(site, dev_photos, tmp_path):
    """Record a letter on the page, and its answer moves to the learner's examples; Reset gives the base back.

    The camera holds a photo of letter X. Stored beforehand (as a learner's earlier recording would be): the hand
    of a photo of letter Y, labelled X. Then the page records the hand it sees, labelled Y. Calibrated, the hand
    on camera is closest to the examples labelled Y, so the page reads Y (calibration weight 0.8 > 1/2).
    """
    from playwright.sync_api import sync_playwright

    (x, x_frame), (y, y_frame) = dev_photos[:2]
    with hand_landmarks.HandDetector() as detector:
        y_hand = detector.detect(np.asarray(y_frame)).landmarks[0]  # pixels of the 640×480 frame, as the page keeps
    video = write_y4m(tmp_path / f"{x}.y4m", [(x_frame, 2.0)])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video)
        try:
            start_and_wait(page, f"window.liveStats.frames > 20 && window.liveStats.letter === '{x}'")
            page.evaluate("([key, letter, hand]) => localStorage.setItem(key, JSON.stringify({[letter]: [hand]}))",
                          [STORAGE_KEY, x, y_hand.tolist()])
            page.select_option("#calibration-letter", y)
            page.click("#record")
            wait_until(page, "document.querySelector('#calibration-status').textContent.startsWith('Calibrated')")
            assert page.inner_text("#calibration-status") == f"Calibrated letters: {' '.join(sorted([x, y]))}."
            stored = page.evaluate(f"JSON.parse(localStorage.getItem('{STORAGE_KEY}'))")
            assert sorted(stored) == sorted([x, y]) and len(stored[y]) == 10  # ten frames of the hand on camera
            wait_until(page, f"window.liveStats.letter === '{y}'", timeout_s=10)
            page.click("#reset-calibration")
            assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None
            wait_until(page, f"window.liveStats.letter === '{x}'", timeout_s=10)
            assert page.inner_text("#calibration-status").startswith("No calibration")
            assert_private(page, site)
            assert not page.errors, page.errors
        finally:
            browser.close()


def test_no_hand_shows_the_message_and_no_letter(site, tmp_path):
    from playwright.sync_api import sync_playwright

    video = write_y4m(tmp_path / "empty.y4m", [(Image.new("RGB", (640, 480), (200, 190, 180)), 2.0)])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video)
        try:
            start_and_wait(page, "window.liveStats.frames > 30")
            stats = page.evaluate("window.liveStats")
            assert stats["letter"] is None and stats["message"].startswith("No hand")
            assert page.inner_text("#status").startswith("No hand") and page.inner_text("#letter") == "–"
            page.wait_for_timeout(1500)
            assert page.inner_text("#text") == ""  # nothing typed
            page.click("#record")  # a recording without a hand ends with a message, and stores nothing
            wait_until(page, "document.querySelector('#calibration-status').textContent.startsWith('Only 0 frames')",
                       timeout_s=15)
            assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None
            assert_private(page, site)
            assert not page.errors, page.errors
        finally:
            browser.close()


def test_a_refused_camera_gets_a_clear_sentence(site, tmp_path):
    from playwright.sync_api import sync_playwright

    video = write_y4m(tmp_path / "any.y4m", [(Image.new("RGB", (640, 480)), 1.0)])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video, allow_camera=False)
        try:
            start_and_wait(page, "document.querySelector('#status').textContent.includes('camera was refused')")
            assert page.is_enabled("#start")  # the learner can try again
            assert_private(page, site)
        finally:
            browser.close()


AXE = Path(__file__).resolve().parents[2] / "live" / "node_modules" / "axe-core" / "axe.min.js"


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (axe runs through the debugger, which
    the page's Content-Security-Policy does not restrict)."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_the_page_is_accessible_and_works_from_the_keyboard(site, tmp_path):
    from playwright.sync_api import sync_playwright

    if not AXE.is_file():
        skip_or_fail("axe-core is not installed: npm ci --prefix live")
    video = write_y4m(tmp_path / "empty.y4m", [(Image.new("RGB", (640, 480), (200, 190, 180)), 2.0)])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video)
        try:
            assert serious_accessibility_problems(page) == []
            assert page.get_attribute("#status", "aria-live") == "polite"  # messages are announced
            assert page.get_attribute("#letter", "aria-live") == "polite"  # and the letter
            page.keyboard.press("Tab")  # the first control is the start button: Enter starts the camera
            assert page.evaluate("document.activeElement.id") == "start"
            page.keyboard.press("Enter")
            wait_until(page, "window.liveStats.frames > 10")
            assert serious_accessibility_problems(page) == []  # running, with messages and a drawn canvas
        finally:
            browser.close()


def test_the_landmarkers_usage_log_is_refused_by_the_page_and_never_sent(site, tmp_path):
    """MediaPipe's library posts a usage log to a Google server every 60 s and when a landmarker closes (Stop).
    The page's Content-Security-Policy (connect-src 'self') makes the browser refuse it before any request."""
    from playwright.sync_api import sync_playwright

    video = write_y4m(tmp_path / "empty.y4m", [(Image.new("RGB", (640, 480), (200, 190, 180)), 2.0)])
    with sync_playwright() as p:
        browser, page = open_page(p, site, video)
        try:
            page.evaluate("window.refused = []; document.addEventListener('securitypolicyviolation', "
                          "(e) => window.refused.push([e.violatedDirective, e.blockedURI]))")
            start_and_wait(page, "window.liveStats.frames > 10")
            page.click("#stop")
            wait_until(page, "window.refused.length > 0", timeout_s=30)
            refused = page.evaluate("window.refused")
            assert all(directive.startswith("connect-src") for directive, _ in refused), refused
            assert any("googleapis.com" in uri for _, uri in refused), refused  # the attempt was made, and refused
            assert_private(page, site)  # and no request left the page's origin
        finally:
            browser.close()


COLAB_STAND_IN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Colab view</title></head><body>
<script>
// Colab's channel to the kernel, stood in for: it records each frame and answers as read_frame would
window.framesSent = 0;
window.google = {colab: {kernel: {invokeFunction: async (name, [frame]) => {
  if (name !== "CALLBACK" || !frame.startsWith("data:image/jpeg")) throw new Error("unexpected call " + name);
  window.framesSent += 1;
  await new Promise((resolve) => setTimeout(resolve, 20));  // the round trip to the kernel
  const hand = Array.from({length: 21}, (_, i) => [0.3 + 0.01 * i, 0.6 - 0.01 * i]);
  return {data: {"application/json": {hands: [hand], letters: [["B", 0.91], ["F", 0.05], ["W", 0.02]],
                                      message: "Top-3: B 91%, F 5%, W 2%."}}};
}}}};
</script>
VIEW
</body></html>"""


def test_the_colab_camera_view_shows_the_kernels_answer_and_stops(tmp_path):
    """The JavaScript of notebook 09's Colab view (helpers.live.COLAB_VIEW) in Chromium with a fake camera; Colab's
    kernel channel is a stand-in that answers every frame with the letter B."""
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    folder = tmp_path / "colab"
    folder.mkdir()
    view = live.COLAB_VIEW.replace("CALLBACK", live.COLAB_CALLBACK)
    (folder / "index.html").write_text(COLAB_STAND_IN.replace("CALLBACK", live.COLAB_CALLBACK).replace("VIEW", view))
    server = live.serve_live_page(folder, port=0)
    url = f"http://127.0.0.1:{server.server_port}/"
    video = write_y4m(tmp_path / "any.y4m", [(Image.new("RGB", (640, 480), (200, 190, 180)), 1.0)])
    try:
        with sync_playwright() as p:
            browser, page = open_page(p, url, video)
            try:
                page.click("#sign-live-start")
                wait_until(page, "window.framesSent > 3", timeout_s=30)
                assert page.inner_text("#sign-live-letter") == "B"
                assert page.inner_text("#sign-live-top3") == "B 91%, F 5%, W 2%"
                page.click("#sign-live-stop")
                sent = page.evaluate("window.framesSent")
                page.wait_for_timeout(1000)
                assert page.evaluate("window.framesSent") <= sent + 1  # the frame in flight, then none
                assert page.inner_text("#sign-live-status").startswith("Camera stopped")
                assert page.is_enabled("#sign-live-start")
                assert not page.errors, page.errors
            finally:
                browser.close()
    finally:
        server.shutdown()
