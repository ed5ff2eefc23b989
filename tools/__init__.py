"""The course's tools: the commands that run, measure, test and publish the course.

Learners never import these; they import ``helpers`` (which imports nothing from here).
Each module, one line, with the ``make`` target that runs it (a test checks the list):

- ``course``: ``make course``: every notebook at full settings, in order, with papermill
- ``benchmark``: ``make benchmark``, ``make ablation``: the CNNs trained per seed, measured
- ``photos_report``: ``make photos``: a trained CNN scored on real photos, per letter
- ``hands_report``: ``make hands``: the hand classifier measured by person
- ``calibration_study``: ``make calibration-study``: calibration to one person, the first method (prototypes) vs the refit last layer
- ``second_look_study``: ``make second-look-study``: the worst-read groups looked at again (detector framings, the course CNN on the hand's box)
- ``readme_results``: ``make readme-results``: the README's results tables from recorded runs
- ``site``: ``make site``: the course website from the executed notebooks
- ``course_length``: ``make length``: words and stated times of the core path and the Going-deeper parts
- ``student``: ``make student``: the student edition, answers blanked
- ``badges``: ``python -m tools.badges``: every notebook's Colab badge for a fork
- ``signer_table``: ``make splits``: which of the 7 signers made each training image (data/signers)
- ``split_study``: ``make splits``: random vs near-copy vs signer validation splits, gap to the test set
- ``robustness_study``: ``make robustness``: why the improved CNN broke under noise, one change at a time; the fix chosen on perturbed grouped validation
- ``live``: ``make live``, ``make live-benchmark``: the live page (camera → hand landmarks → classifier) built and served on 127.0.0.1
- ``photo_manifests``: ``python -m tools.photo_manifests``: the download lists of notebook 09's photo sets (data/hand_photos)
- ``fixture``: ``make colab-check``: a tiny synthetic stand-in for the data set, for tests
- ``fake_camera``: shared by the commands: videos of photos for Chromium's fake camera (the live page's tests and benchmark)
- ``cli``: shared by the commands: an error told in a few lines, the kernel's log kept aside
- ``notebook_env``: ``make nbval``: the offline, fast-mode environment notebooks run in under test
"""
