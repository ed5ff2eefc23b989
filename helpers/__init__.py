"""Helpers for the Sign Language MNIST CNN course.

The notebooks import these small modules so that no logic is copy-pasted between
them: ``config`` (paths, letters, repository), ``data`` (find, load, validate and
preprocess the CSVs), ``fixture`` (a tiny synthetic data set for tests), ``model``
(the CNN builders), ``train`` (seeded, resumable training), ``evaluate`` (metrics),
``plots`` (figures), ``robustness``, ``interpret``, ``export``, ``predict`` and
``photos`` (real photos); plus the commands behind ``make course`` (``course``),
``make benchmark`` (``benchmark``) and ``python -m helpers.badges``.
"""

__version__ = "1.0.0"
