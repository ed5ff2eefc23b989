# Sign Language MNIST CNN course. `make help` lists the targets.
# DATA: a folder holding sign_mnist_train.csv and sign_mnist_test.csv. Empty means:
#   check  -> the generated fixture, served through a seeded kagglehub cache (offline)
#   course -> kagglehub's download of the pinned version (network on first use)
DATA ?=
SEEDS ?= 3
JOBS ?= 2
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv check nbval browser readme-results test course benchmark photos lab student student-check colab-check site site-check length splits hands calibration-study second-look-study ablation robustness live live-benchmark clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  variables: DATA=/path/to/csv-folder  SEEDS=3  JOBS=2 (test processes for make check)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (sign-mnist course)" >/dev/null
	touch $(STAMP)

venv: $(STAMP) ## create/update .venv from requirements.txt and register its Jupyter kernel

check: $(STAMP) live/node_modules/.package-lock.json ## run every test: helpers unit tests, exercises, each notebook alone via papermill (fast mode)
	$(PY) -m nbstripout --verify notebooks/*.ipynb student/*.ipynb
	$(PY) -m pytest -n $(JOBS) --dist loadgroup tests $(if $(DATA),--data "$(DATA)")

nbval: $(STAMP) ## every notebook top to bottom with nbval, as saved (fast mode from the environment)
	$(PY) tools/notebook_env.py $(if $(DATA),--data "$(DATA)") -- $(PY) -m pytest --nbval-lax -p no:cacheprovider notebooks

browser: $(STAMP) ## every notebook in JupyterLab + headless Chromium (Run All, save, check outputs)
	$(PY) -m pytest tests/course/test_browser.py --browser-all -p no:cacheprovider $(if $(DATA),--data "$(DATA)")

readme-results: $(STAMP) ## put build/course (and site-check's fast run), build/benchmark, build/ablation, build/robustness_study and build/hands results into results/ and the README
	$(PY) -m tools.readme_results $(if $(wildcard build/course/results.json),--course build/course/results.json) $(if $(wildcard build/site-check/course/results.json),--course-fast build/site-check/course/results.json) $(if $(wildcard build/benchmark.json),--benchmark build/benchmark.json) $(if $(wildcard build/ablation.json),--ablation build/ablation.json) $(if $(wildcard build/robustness_study.json),--robustness-study build/robustness_study.json) $(if $(wildcard build/hands.json),--hands build/hands.json) $(if $(wildcard build/calibration_study.json),--calibration-study build/calibration_study.json) $(if $(wildcard build/second_look_study.json),--second-look-study build/second_look_study.json) $(if $(wildcard build/live.json),--live build/live.json)

test: check

course: $(STAMP) ## execute every notebook at full settings into build/course/ (DATA=... for a local copy)
	$(PY) -m tools.course $(if $(DATA),--data "$(DATA)")

benchmark: $(STAMP) ## train seed vs improved CNN per seed; write build/benchmark.json and .md
	$(PY) -m tools.benchmark $(if $(DATA),--data "$(DATA)") --seeds $(SEEDS)

ablation: $(STAMP) ## notebook 06's rows (final recipe + leave-one-out) over SEEDS seeds: build/ablation.json and .md
	$(PY) -m tools.benchmark --ablation $(if $(DATA),--data "$(DATA)") --seeds $(SEEDS)

robustness: $(STAMP) ## why BatchNorm broke under noise, and the fix chosen on perturbed validation: build/robustness_study.json and .md
	$(PY) -m tools.robustness_study $(if $(DATA),--data "$(DATA)") --seeds $(SEEDS) --candidate-seeds 3 --also-refit groupnorm_noise_0.05 groupnorm_noise_0.05_shift_0.15 groupnorm_noise_0.075_shift_0.15 groupnorm_noise_upto_0.1 groupnorm_noise_0.05_12_epochs groupnorm_noise_upto_0.1_12_epochs

live/node_modules/.package-lock.json: live/package-lock.json  # the live page's JavaScript packages (Node.js's npm)
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix live --no-audit --no-fund; \
	else echo "npm not found: install Node.js for the live page (make live, make site); its tests are skipped"; fi

live: $(STAMP) live/node_modules/.package-lock.json ## the live page with the classifier you trained in 09, on http://127.0.0.1:8765 (PORT=...)
	$(PY) -m tools.live serve $(if $(PORT),--port $(PORT))

live-benchmark: $(STAMP) live/node_modules/.package-lock.json ## frames per second of the live page in headless Chromium: build/live.json (MODEL=...)
	$(PY) -m tools.live benchmark $(if $(MODEL),--model "$(MODEL)")
	$(PY) -m tools.live letters

photos: $(STAMP) ## top-1/top-3 on real photos (PHOTOS=folder, MODEL=.keras; default: the trained improved CNN)
	$(PY) -m tools.photos_report $(if $(PHOTOS),--photos "$(PHOTOS)") $(if $(MODEL),--model "$(MODEL)")

student: $(STAMP) ## write the student edition (answers blanked) to student/ (commit it)
	$(PY) -m tools.student

student-check: $(STAMP) ## run each student notebook up to its first blank (fast mode)
	COURSE_STUDENT_RUN=1 $(PY) -m pytest tests/tools/test_student.py -k first_blank $(if $(DATA),--data "$(DATA)")

colab-check: $(STAMP) ## run every notebook as Google Colab would (Python 3.13, Colab's versions; COLAB_PYTHON=...)
	$(if $(DATA),,$(PY) -m tools.fixture build/colab-check/fixture >/dev/null)
	$(PYTHON) tests/colab/colab_check.py --data "$(or $(DATA),build/colab-check/fixture)" $(if $(ONLY),--only $(ONLY))

site: $(STAMP) live/node_modules/.package-lock.json ## the course website from make course's executed notebooks: build/site/index.html
	$(PY) -m tools.site

site-check: $(STAMP) live/node_modules/.package-lock.json ## build the website from a fast-mode course run and open every page in Chromium
	$(PY) -m tools.course --fast --out build/site-check/course $(if $(DATA),--data "$(DATA)") >/dev/null
	$(PY) -m tools.site --course build/site-check/course --out build/site-check/site
	$(PY) -m pytest tests/tools/test_site.py --site build/site-check/site -p no:cacheprovider

length: $(STAMP) ## words of prose and stated times per notebook: core path and Going deeper
	$(PY) -m tools.course_length

splits: $(STAMP) ## which signer made each image, then random/grouped/signers validation vs the test set: build/splits.json and .md
	$(PY) -m tools.signer_table $(if $(DATA),--data "$(DATA)")
	$(PY) -m tools.split_study $(if $(DATA),--data "$(DATA)") --seeds $(SEEDS) --signer-folds 7 --improved-folds 1

hands: $(STAMP) ## hand landmarks + classifier, by signer: build/hands.json and .md (HAND_LANDMARKER_TASK, ASL_PHOTOS_SIGNERS, ASL_PHOTOS_DEV)
	$(PY) -m tools.hands_report $(if $(SHIP),--ship)

calibration-study: $(STAMP) ## calibration to one person: the first method (prototypes) vs the refit last layer the course uses, same folds and draws: build/calibration_study.json and .md (about 3 min)
	$(PY) -m tools.calibration_study

second-look-study: $(STAMP) ## the groups make hands reads worst, looked at again: other detector framings, the course CNN on the hand's box: build/second_look_study.json and .md (about 20 min the first time)
	$(PY) -m tools.second_look_study

lab: $(STAMP) ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab notebooks

clean: ## remove build outputs and cached arrays/models (keeps .venv)
	rm -rf build artifacts .pytest_cache

distclean: clean ## also remove .venv
	rm -rf $(VENV)
