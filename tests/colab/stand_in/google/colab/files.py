"""``google.colab.files.upload``: in Colab it waits for the learner to pick files.

Here it returns what ``COLAB_CHECK_UPLOAD`` names (a file path), or nothing, as if the
learner pressed Cancel: ``{filename: bytes}``, like Colab.
"""

import os
from pathlib import Path


def upload(*args, **kwargs) -> dict:
    path = os.environ.get("COLAB_CHECK_UPLOAD")
    if not path:
        return {}
    return {Path(path).name: Path(path).read_bytes()}


def download(filename: str) -> None:
    print(f"(colab-check) download of {filename} requested")
