"""A training run for tests/test_train.py to kill and resume.

    python tests/resumable_training.py FIXTURE_DIR RUN_DIR EPOCHS

Prints ``EPOCH_BEGIN k`` / ``EPOCH_END k`` as training goes, then ``DONE``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402

from helpers import data, model, train  # noqa: E402


class Announce(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        print(f"EPOCH_BEGIN {epoch}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        print(f"EPOCH_END {epoch}", flush=True)


fixture_dir, run_dir, epochs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
train.set_seed(0)
inputs = data.model_inputs(data.prepared_data(fixture_dir, seed=0, verbose=False))
train.fit(model.build_baseline_cnn(), inputs["x_train"], inputs["y_train"], inputs["x_val"], inputs["y_val"],
          run_dir, epochs, batch_size=64, extra_callbacks=[Announce()], verbose=0)
print("DONE", flush=True)
