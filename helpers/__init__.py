"""The course's library: the code the notebooks teach and import, nothing else.

Each module, one line, in the order the course builds on them: every module imports only
modules listed above it, and the number is the first notebook that imports it (a test checks
both). The commands that run, measure, test and publish the course live in ``tools``.

- ``config`` (01): where things live, the letters, the repository; the bottom layer
- ``quiet`` (03): start TensorFlow without C++ log lines a learner would read as errors
- ``groups`` (03): near-copy groups among the training images (correlation graph)
- ``data`` (01): find, download, check, load, split and preprocess the CSVs; the cache
- ``model`` (04): the CNN builders, from the tutorial's baseline to the improved CNN
- ``train`` (04): seeded, resumable training with Keras callbacks
- ``evaluate`` (01): accuracy, confusion matrix, per-letter report, standard errors
- ``plots`` (01): the course's figures (matplotlib + seaborn)
- ``robustness`` (06): the perturbations (brightness, contrast, rotation, shift, noise)
- ``records`` (05): the course's recorded runs, as notebooks show them
- ``interpret`` (07): saliency, Grad-CAM, filters, feature maps, embeddings
- ``export`` (08): TensorFlow Lite files (float and int8) and their runtime
- ``predict`` (08): a letter from any picture with the trained CNN
- ``photos`` (08): the CNN scored on real photos of hands, and a photo head
- ``hand_landmarks`` (09): MediaPipe's 21 keypoints per hand, found in a photo and drawn on it
- ``hand_photo_sets`` (09): photo sets of hands and their landmarks (cached, or shipped with the course)
- ``photo_downloads`` (09): the photo sets downloaded from pinned URLs, checked by SHA-256, cached
- ``hands`` (09): features of the keypoints, the hand classifier, a letter from a photo, calibration to one person
- ``hand_eval`` (09): the hand classifier measured on people it never saw
- ``live`` (09): the live page: the classifier exported for the browser, the page assembled and served
- ``exercises`` (01): the checked exercises, one module per notebook
"""

__version__ = "1.0.0"
