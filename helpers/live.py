"""The live page (notebook 09, "Live"): the hand classifier exported for the browser, the page assembled, served.

The page itself is JavaScript in the repository's ``live/`` folder (``live/src/features.js`` computes
:func:`helpers.hands.classifier_features`, ``live/src/classifier.js`` runs the network). This module writes
what it reads: :func:`export_hand_classifier` saves the trained Keras classifier as plain JSON (the
standardisation's statistics and every Dense layer's weights); :func:`build_live_page` puts the page, the
classifier, MediaPipe's hand-landmarker bundle and the landmarker's WebAssembly (the npm package
``@mediapipe/tasks-vision``, pinned in ``live/package-lock.json``) in one folder; :func:`serve_live_page`
serves that folder on 127.0.0.1 only. Nothing is fetched from anywhere else at run time.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np

from helpers.config import LETTERS, REPO_ROOT
from helpers.hand_landmarks import landmarker_path
from helpers.hands import CALIBRATION_C, CALIBRATION_STEPS, CALIBRATION_WEIGHT, load_classifier

LIVE_SOURCE = REPO_ROOT / "live"
TASKS_VISION = LIVE_SOURCE / "node_modules" / "@mediapipe" / "tasks-vision"
#: the landmarker's files the page loads: the library, and its WebAssembly with and without SIMD
VENDOR_FILES = ("vision_bundle.mjs", "wasm/vision_wasm_internal.js", "wasm/vision_wasm_internal.wasm",
                "wasm/vision_wasm_nosimd_internal.js", "wasm/vision_wasm_nosimd_internal.wasm")
PAGE_FILES = ("index.html", "style.css", "src/app.js", "src/classifier.js", "src/features.js", "src/speller.js")
FORMAT = "sign-mnist-hand-classifier"


def classifier_as_json(model) -> dict:
    """The Keras hand classifier (``helpers.hands.build_hand_classifier``) as numbers the page's forward pass reads."""
    import keras

    standardise = model.get_layer("standardise")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense or dense[-1].name != "letter":
        raise ValueError(f"{model.name}: not a hand classifier of notebook 09 (no Dense output layer named 'letter')")
    as_list = lambda a: np.asarray(a, dtype=np.float64).round(8).tolist()  # noqa: E731 - float32 kept exactly enough
    return {
        "format": FORMAT,
        "features": "helpers.hands.classifier_features (hand_features, then palm_frame)",
        "n_features": int(model.input_shape[-1]),
        "letters": list(LETTERS),
        "mean": as_list(np.ravel(standardise.mean)),
        "variance": as_list(np.ravel(standardise.variance)),
        "epsilon": float(keras.backend.epsilon()),
        "layers": [{"kernel": as_list(layer.kernel), "bias": as_list(layer.bias),
                    "activation": layer.get_config()["activation"]} for layer in dense],
        "calibration": {"weight": CALIBRATION_WEIGHT, "steps": CALIBRATION_STEPS, "c": CALIBRATION_C},
    }


def export_hand_classifier(model=None, path: str | Path = "hand_classifier.json") -> Path:
    """Write the classifier (default: the one notebook 09 saved) as JSON for the live page; returns the path."""
    model = load_classifier() if model is None else model
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(classifier_as_json(model), separators=(",", ":")))
    return path


def missing_files() -> list[str]:
    """The landmarker's JavaScript and WebAssembly files the page needs that are not installed yet."""
    return [name for name in VENDOR_FILES if not (TASKS_VISION / name).is_file()]


def build_live_page(out: str | Path, model=None, landmarker: str | Path | None = None) -> Path:
    """Assemble the live page in ``out``: the page, its classifier, the landmarker bundle and its WebAssembly."""
    missing = missing_files()
    if missing:
        raise FileNotFoundError(
            f"{TASKS_VISION} lacks {', '.join(missing)}: install the page's JavaScript package with "
            "`npm ci --prefix live` (make live does it).")
    out = Path(out)
    for name in PAGE_FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LIVE_SOURCE / name, out / name)
    for name in VENDOR_FILES:
        target = out / "vendor" / "tasks-vision" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TASKS_VISION / name, target)
    (out / "models").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(landmarker_path(landmarker), out / "models" / "hand_landmarker.task")
    export_hand_classifier(model, out / "models" / "hand_classifier.json")
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".task": "application/octet-stream", ".json": "application/json"}

    def log_message(self, *args):  # quiet: a notebook cell or a terminal should not fill with request lines
        pass


def serve_live_page(folder: str | Path, port: int = 8765, host: str = "127.0.0.1", background: bool = True):
    """Serve ``folder`` on http://host:port/ (this machine only; ``port=0``: any free port, see ``server.server_port``).
    Returns the server; ``background=True`` serves from a daemon thread, ``False`` blocks until interrupted."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    if background:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    else:
        server.serve_forever()
    return server


# --------------------------------------------------------------------------- in Google Colab
# Colab's kernel runs on a Google server, far from your camera, and cannot serve a page to your browser. So in
# Colab the browser sends camera frames to the notebook's kernel through Colab's own channel
# (google.colab.kernel.invokeFunction), the kernel runs the Python pipeline of notebook 09 on each, and the answer
# is drawn in the cell's output. Slower than the live page (a round trip per frame), but it needs nothing else.
COLAB_CALLBACK = "sign_mnist.live_frame"


def read_frame(data_url: str, classifier, detector) -> dict:
    """One camera frame from the browser (a JPEG or PNG data URL) → what the Colab view shows: the top-3 letters,
    the message, and the hands' keypoints as fractions of the frame's width and height."""
    import base64

    from helpers.hands import predict_letter_from_photo

    header, _, encoded = data_url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise ValueError("expected a camera frame as a data:image/...;base64 URL")
    result = predict_letter_from_photo(base64.b64decode(encoded), classifier, detector)
    width, height = result.image.size
    keypoints = [[[float(x) / width, float(y) / height] for x, y, _ in hand] for hand in result.all_landmarks]
    return {"letters": [[letter, round(p, 4)] for letter, p in result.letters], "message": result.message,
            "hands": keypoints}


COLAB_VIEW = """
<div id="sign-live"><button id="sign-live-start" type="button">Start the camera</button>
<button id="sign-live-stop" type="button" disabled>Stop</button>
<span id="sign-live-status" role="status" aria-live="polite">Frames go to this notebook's kernel only.
The picture is shown as in a mirror.</span>
<div style="position:relative;width:480px;max-width:100%"><video id="sign-live-video" playsinline muted
 style="width:100%;transform:scaleX(-1)"></video><canvas id="sign-live-canvas"
 style="position:absolute;left:0;top:0;width:100%;height:100%;transform:scaleX(-1)"></canvas></div>
<p style="font-size:2.5rem;font-weight:700;margin:0" id="sign-live-letter" aria-live="polite">–</p>
<p id="sign-live-top3"></p></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const BONES = [[0,1],[1,2],[2,3],[3,4],[0,5],[5,6],[6,7],[7,8],[5,9],[9,10],[10,11],[11,12],[9,13],[13,14],
                 [14,15],[15,16],[13,17],[17,18],[18,19],[19,20],[0,17]];
  let running = false;
  let stream = null;
  function stop(message) {
    running = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    $("sign-live-start").disabled = false; $("sign-live-stop").disabled = true;
    $("sign-live-status").textContent = message;
  }
  async function start() {
    $("sign-live-start").disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: false});
    } catch (error) {
      $("sign-live-status").textContent = "The camera could not be started (" + error.name + "): allow it, then run the cell again.";
      return;
    }
    running = true;
    $("sign-live-stop").disabled = false;
    const video = $("sign-live-video");
    video.srcObject = stream;
    await video.play();
    const grab = document.createElement("canvas");
    grab.width = video.videoWidth; grab.height = video.videoHeight;
    const canvas = $("sign-live-canvas");
    canvas.width = grab.width; canvas.height = grab.height;
    while (running) {  // one frame at a time: the next leaves when the kernel has answered
      await new Promise(requestAnimationFrame);  // and the page has drawn the last answer
      grab.getContext("2d").drawImage(video, 0, 0);
      let data;
      try {
        const reply = await google.colab.kernel.invokeFunction("CALLBACK", [grab.toDataURL("image/jpeg", 0.8)], {});
        data = reply.data["application/json"];
      } catch (error) {
        stop("The kernel did not answer (was it restarted?): run the cell again.");
        return;
      }
      if (!running) return;
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#00e676"; ctx.lineWidth = 3;
      for (const hand of data.hands) {
        for (const [a, b] of BONES) {
          ctx.beginPath(); ctx.moveTo(hand[a][0] * canvas.width, hand[a][1] * canvas.height);
          ctx.lineTo(hand[b][0] * canvas.width, hand[b][1] * canvas.height); ctx.stroke();
        }
      }
      $("sign-live-letter").textContent = data.letters.length ? data.letters[0][0] : "–";
      $("sign-live-top3").textContent = data.letters.map(([l, p]) => l + " " + Math.round(100 * p) + "%").join(", ");
      $("sign-live-status").textContent = data.message;
    }
  }
  $("sign-live-start").addEventListener("click", start);
  $("sign-live-stop").addEventListener("click", () => stop("Camera stopped. Press Start the camera to go on."));
})();
</script>
"""


def colab_live_view(classifier, task=None):
    """In Colab: show the camera view in the cell's output, each frame read by ``classifier`` in this kernel.

    Returns at once (the view runs in the browser), so Run All goes on. The landmarker stays open for the view.
    """
    from google.colab import output  # only in Colab
    from IPython.display import HTML, JSON, display

    from helpers.hand_landmarks import HandDetector

    detector = HandDetector(task, retry_padded=False)  # camera frames: no slow retries on a frame without a hand
    output.register_callback(COLAB_CALLBACK, lambda data_url: JSON(read_frame(data_url, classifier, detector)))
    display(HTML(COLAB_VIEW.replace("CALLBACK", COLAB_CALLBACK)))
    return detector
