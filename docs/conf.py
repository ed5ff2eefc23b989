"""Sphinx configuration of the course website (`make site`).

The pages are the notebooks executed by `make course`, shown with their outputs; nothing
is executed while the site is built (``nb_execution_mode = "off"``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from helpers.config import GITHUB_BRANCH, GITHUB_REPO  # noqa: E402

project = "Image classification with CNNs: Sign Language MNIST"
author = "the course authors"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # pages show what `make course` ran; the site never trains anything
nb_ipywidgets_js = {}  # upload widgets need a live kernel: no widget JavaScript from a CDN
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure", "myst.header"]
html_title = "Sign Language MNIST: a CNN course"
html_theme = "sphinx_book_theme"
html_context = {"default_mode": "light"}
html_static_path = ["_static"]
html_js_files = ["accessibility.js"]  # see the file: what axe-core found and how it is fixed
html_css_files = ["accessibility.css"]
html_theme_options = {
    "repository_url": f"https://github.com/{GITHUB_REPO}",
    "repository_branch": GITHUB_BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "show_toc_level": 2,
}
