"""The live page: build it with the classifier you trained in notebook 09, and serve it on this machine.

    python -m tools.live build [--out build/live] [--model artifacts/hands/hand_classifier.keras]
    python -m tools.live serve [--port 8765]      # make live: build, then serve on http://127.0.0.1:8765/
    python -m tools.live export --out hand_classifier.json   # the classifier alone, as the page reads it

The page's JavaScript lives in ``live/`` (``npm ci --prefix live`` installs the pinned hand landmarker);
``helpers.live`` assembles and serves it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.config import build_dir
from tools.cli import CommandFailed, run_command


def main(argv: list[str] | None = None) -> int:
    from helpers import live
    from helpers.quiet import quiet_tensorflow

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("build", "serve", "export"))
    parser.add_argument("--out", help="folder of the page (build, serve; default build/live) or the JSON file (export)")
    parser.add_argument("--model", help="the hand classifier (.keras); default: the one notebook 09 saved")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    from helpers.hands import load_classifier

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
    if args.action == "serve":
        print(f"Open http://127.0.0.1:{args.port}/ in Chrome, Edge or Firefox (this machine only). Ctrl+C stops it.")
        try:
            live.serve_live_page(folder, args.port, background=False)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    run_command(main, "python -m tools.live")
