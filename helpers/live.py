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
from helpers.hands import CALIBRATION_SHARPNESS, CALIBRATION_WEIGHT, load_classifier

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
        "calibration": {"weight": CALIBRATION_WEIGHT, "sharpness": CALIBRATION_SHARPNESS},
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
