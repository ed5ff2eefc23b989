"""Near-duplicate groups in the training set, and nearest-neighbour correlations.

Why: Sign Language MNIST's training CSV was made by writing many variants (small
crops, rotations, brightness changes) of each of far fewer source photos. Two
variants of one photo are near-copies, so a validation split drawn image by image
has a near-copy of almost every validation image in training, and its accuracy
says little about new photos (most test images are far from every training image).

How: each image is standardised (its mean subtracted, then divided by its norm),
so that the dot product of two standardised images is their Pearson correlation
and their cosine distance is ``1 - correlation``. Two images are linked when their
correlation exceeds ``threshold`` (0.95): scikit-learn's ``radius_neighbors_graph``
with the cosine metric and radius ``1 - threshold`` builds that threshold graph as a
sparse matrix, and SciPy's ``connected_components`` labels its components. A group
is one component: images joined by a chain of near-copies.

Speed: a graph over all 27,455 images costs 27,455² correlations. Measured on the
real data, no image correlates above 0.95 with an image of another letter, so by
default the graph is built within each letter (24 graphs of ~1,150 images, a few
seconds on 2 cores). Pass ``labels=None`` to build one graph over everything (on a
sample, this checks the claim that groups never mix letters).

Signers: the training images were cut from webcam photos of 7 signers.
:func:`training_signers` gives each image's signer (from a table shipped with the course), so a
validation split can hold out whole signers, as the test set (other signers) does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.config import REPO_ROOT

THRESHOLD = 0.95  # correlation above which two images count as near-copies


def standardize(images: np.ndarray) -> np.ndarray:
    """Flatten images to rows with zero mean and unit norm (float32, shape (N, pixels)).

    The dot product of two rows is the Pearson correlation of the two images. A
    constant image (no variation) becomes a row of zeros.
    """
    images = np.asarray(images)
    rows = images.reshape(len(images), -1).astype(np.float32)
    rows -= rows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def near_duplicate_groups(
    images: np.ndarray, labels: np.ndarray | None = None, threshold: float = THRESHOLD
) -> np.ndarray:
    """Group ids (int64, shape (N,)): images joined by a chain of correlations > ``threshold``.

    With ``labels``, a graph is built within each label only (fast; groups then
    never mix labels by construction); with ``labels=None``, one graph over all images.
    Ids run from 0 to (number of groups - 1).
    """
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import radius_neighbors_graph

    rows = standardize(images)
    if labels is None:
        parts = [np.arange(len(rows))]  # one graph over all images
    else:
        parts = [np.flatnonzero(np.asarray(labels) == label) for label in np.unique(labels)]  # one graph per label
    groups = np.zeros(len(rows), dtype=np.int64)
    next_id = 0
    for index in parts:
        # cosine distance of standardised rows = 1 - correlation: link pairs closer than 1 - threshold
        graph = radius_neighbors_graph(rows[index], radius=1 - threshold, metric="cosine", include_self=False)
        n_groups, ids = connected_components(graph, directed=False)
        groups[index] = ids + next_id
        next_id += n_groups
    return groups


def group_summary(groups: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """How many groups, their sizes (median, largest), and how many mix two or more labels."""
    groups, labels = np.asarray(groups), np.asarray(labels)
    sizes = np.bincount(groups)
    sizes = sizes[sizes > 0]
    labels_per_group = np.array([len(np.unique(labels[groups == g])) for g in np.unique(groups)])
    return {
        "images": int(len(groups)),
        "groups": int(len(sizes)),
        "median_size": float(np.median(sizes)),
        "largest": int(sizes.max()),
        "singletons": int((sizes == 1).sum()),
        "mixed_label_groups": int((labels_per_group > 1).sum()),
    }


def nearest_correlation(
    queries: np.ndarray, references: np.ndarray, exclude: np.ndarray | None = None, batch: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the highest Pearson correlation with any reference image, and its index.

    ``exclude[i]`` is a reference index that query ``i`` may not match (itself, when
    queries are drawn from the references); -1 or ``None`` excludes nothing.
    """
    queries, references = standardize(queries), standardize(references)
    best = np.empty(len(queries), dtype=np.float32)
    where = np.empty(len(queries), dtype=np.int64)
    for start in range(0, len(queries), batch):
        block = queries[start:start + batch] @ references.T
        if exclude is not None:
            own = np.asarray(exclude[start:start + batch])
            rows = np.flatnonzero(own >= 0)
            block[rows, own[rows]] = -np.inf
        where[start:start + batch] = block.argmax(axis=1)
        best[start:start + batch] = block[np.arange(len(block)), where[start:start + batch]]
    return best, where


def nearest_neighbour_correlations(
    x_train: np.ndarray, x_test: np.ndarray, sample: int | None = None, seed: int = 42
) -> dict[str, np.ndarray]:
    """Nearest-neighbour correlations for the two histograms: train→train (itself excluded) and test→train.

    The references are always the whole training set; ``sample`` draws that many
    query images from each set (all of them when ``None``), which keeps it fast.
    Returns ``train_to_train``, ``test_to_train`` (correlations) and the query and
    neighbour indices (``train_index``, ``train_neighbour``, ``test_index``, ``test_neighbour``).
    """
    rng = np.random.default_rng(seed)

    def pick(n: int) -> np.ndarray:
        return np.arange(n) if sample is None or sample >= n else np.sort(rng.choice(n, size=sample, replace=False))

    train_index, test_index = pick(len(x_train)), pick(len(x_test))
    train_corr, train_neighbour = nearest_correlation(x_train[train_index], x_train, exclude=train_index)
    test_corr, test_neighbour = nearest_correlation(x_test[test_index], x_train)
    return {
        "train_to_train": train_corr, "test_to_train": test_corr,
        "train_index": train_index, "train_neighbour": train_neighbour,
        "test_index": test_index, "test_neighbour": test_neighbour,
    }


# --------------------------------------------------------------------------- signers
#: A table of the signer of each training image, beside the CSVs (the synthetic fixture writes one).
SIGNERS_CSV = "signers.csv"
#: The table for Kaggle's training CSV (version 1), shipped with the course: data/signers/SOURCE.md.
SHIPPED_SIGNERS = REPO_ROOT / "data" / "signers" / "sign_mnist_train_signers.csv"


class SignerTableError(ValueError):
    """A signer table does not fit the training images. The message says what differs and how to fix it."""


def training_signers(labels: np.ndarray, data_dir: str | Path | None = None) -> np.ndarray:
    """The signer id (a string) of each training image, in the order of the training CSV.

    The table comes from ``data_dir/signers.csv`` when the data folder holds one (the synthetic
    fixture does), else from the course's table for Kaggle's training CSV (``data/signers``, made by
    matching every image to the 7 signers' source photos). Either way it is checked against ``labels``
    (the training labels, in file order): same number of rows, same label in every row. A table made
    for other images raises :class:`SignerTableError`, never a silent wrong answer.
    """
    import pandas as pd

    labels = np.asarray(labels)
    local = Path(data_dir) / SIGNERS_CSV if data_dir is not None else None
    path = local if local is not None and local.is_file() else SHIPPED_SIGNERS
    fix = (f"Put a {SIGNERS_CSV} with the columns row,label,signer (one line per training image, in file order) "
           "beside your CSVs, or use the unchanged Kaggle training CSV (datamunge/sign-language-mnist, version 1) "
           f"that the course's table {SHIPPED_SIGNERS.name} belongs to.")
    if not path.is_file():
        raise SignerTableError(f"No signer table: {path} is missing. {fix}")
    table = pd.read_csv(path)
    missing = {"row", "label", "signer"} - set(table.columns)
    if missing:
        raise SignerTableError(f"{path} lacks the column(s) {sorted(missing)}. {fix}")
    if len(table) != len(labels):
        raise SignerTableError(f"{path} has {len(table)} rows but there are {len(labels)} training images: "
                               f"it belongs to other data. {fix}")
    if not np.array_equal(table["row"].to_numpy(), np.arange(len(labels))):
        raise SignerTableError(f"{path}: the column row is not 0, 1, ..., {len(labels) - 1} in order. {fix}")
    differ = np.flatnonzero(table["label"].to_numpy() != labels)
    if len(differ):
        first = int(differ[0])
        raise SignerTableError(
            f"{path} belongs to other images: {len(differ)} of its {len(labels)} labels differ from the training "
            f"labels (first at row {first}: {table['label'].iloc[first]} in the table, {labels[first]} in the data). {fix}")
    return table["signer"].to_numpy().astype(str)
