"""A stand-in for ``google.colab`` used by `make colab-check`.

Colab's kernel imports ``google.colab`` at start-up, which is how the notebooks' setup
cell knows it runs in Colab. Only what the course calls is provided.
"""

from google.colab import files, output  # noqa: F401
