"""Start TensorFlow without the C++ log lines a learner would read as errors.

TensorFlow prints notices such as ``Could not find cuda drivers`` or ``failed call to
cuInit`` straight to the process's standard error, below Python, when it is first
imported and first initialised. Jupyter shows them as red text. Setting
``TF_CPP_MIN_LOG_LEVEL`` hides most of them, but not those printed before TensorFlow's
logger starts, so :func:`quiet_tensorflow` also points file descriptor 2 at
``/dev/null`` for the duration of that first import. Python warnings and errors
raised afterwards are shown as usual.
"""

from __future__ import annotations

import contextlib
import os


@contextlib.contextmanager
def stderr_silenced():
    """Send what C/C++ code writes to file descriptor 2 to /dev/null, then restore it."""
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (some embedded interpreters)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_tensorflow() -> None:
    """Import TensorFlow and Keras once, with their start-up log lines silenced.

    Also sets ``TF_CPP_MIN_LOG_LEVEL=3`` (errors are raised as Python exceptions anyway), which
    keeps later C++ notices (e.g. ``NodeDef mentions attribute ...`` when ops run
    deterministically) out of the notebook too.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with stderr_silenced():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()  # the device probe (CUDA) happens here
        _ = tf.constant(1.0) + 1.0  # and the runtime starts here
