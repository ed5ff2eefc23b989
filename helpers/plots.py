"""The course's figures (matplotlib + seaborn). Each function returns its Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from helpers.config import LETTERS, VALID_LABELS


def image_grid(images: np.ndarray, titles: list[str], ncols: int = 6, size: float = 1.6, suptitle: str | None = None):
    """Show grayscale images in a grid, one title each."""
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + 0.3)), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    # images in [0, 1] share one grey scale, so brightness and contrast changes stay visible
    unit = np.issubdtype(np.asarray(images).dtype, np.floating) and np.min(images) >= 0 and np.max(images) <= 1
    scale = {"vmin": 0, "vmax": 1} if unit else {}
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(np.squeeze(image), cmap="gray", **scale)
        ax.set_title(title, fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def sample_grid(images: np.ndarray, labels: np.ndarray, n: int = 12, seed: int = 0, ncols: int = 6):
    """``n`` random images titled with their letters."""
    pick = np.random.default_rng(seed).choice(len(labels), size=min(n, len(labels)), replace=False)
    return image_grid(images[pick], [LETTERS[int(labels[i])] for i in pick], ncols=ncols)


def class_distribution(y_train: np.ndarray, y_test: np.ndarray):
    """Bar chart of images per letter, train and test side by side."""
    frame = pd.concat(
        [
            pd.DataFrame({"letter": [LETTERS[int(y)] for y in y_train], "split": "train"}),
            pd.DataFrame({"letter": [LETTERS[int(y)] for y in y_test], "split": "test"}),
        ]
    )
    fig, ax = plt.subplots(figsize=(12, 3.5))
    sns.countplot(data=frame, x="letter", hue="split", order=[LETTERS[k] for k in VALID_LABELS], ax=ax)
    ax.set_title("Images per letter (no J and no Z: they need motion)")
    fig.tight_layout()
    return fig


def mean_images(images: np.ndarray, labels: np.ndarray, ncols: int = 8):
    """The average image of each letter."""
    present = [k for k in VALID_LABELS if np.any(labels == k)]
    means = [images[labels == k].mean(axis=0) for k in present]
    return image_grid(np.array(means), [LETTERS[k] for k in present], ncols=ncols, suptitle="Mean image per letter")


def pixel_histogram(images: np.ndarray, other: np.ndarray | None = None, names: tuple[str, str] = ("train", "test"),
                    width: int = 4):
    """Histogram of all pixel intensities as the share of pixels in each bin of ``width`` gray levels
    (so a bigger set does not dwarf a smaller one); with ``other``, both sets overlaid."""
    fig, ax = plt.subplots(figsize=(7, 3))
    bins = np.arange(0, 256 + width, width)
    sets = [(images, names[0])] + ([(other, names[1])] if other is not None else [])
    for values, name in sets:
        counts, _ = np.histogram(np.asarray(values), bins=bins)
        ax.stairs(counts / counts.sum(), bins, linewidth=2, label=name)
    ax.yaxis.set_major_formatter(PercentFormatter(1, decimals=1))
    ax.set(xlabel="pixel intensity (0 = black, 255 = white)", ylabel=f"share of pixels\nper bin of {width} levels",
           title="Pixel intensities")
    if other is not None:
        ax.legend()
    fig.tight_layout()
    return fig


def training_curves(history: pd.DataFrame, title: str = ""):
    """Accuracy and loss per epoch, training vs validation."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    epochs = history["epoch"] + 1 if "epoch" in history else np.arange(1, len(history) + 1)
    for ax, metric in zip(axes, ("accuracy", "loss")):
        ax.plot(epochs, history[metric], marker="o", label="train")
        ax.plot(epochs, history[f"val_{metric}"], marker="o", label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=f"{title} {metric}".strip())
        ax.legend()
    fig.tight_layout()
    return fig


def confusion_heatmap(matrix: pd.DataFrame, title: str = "Confusion matrix", ax=None):
    """Seaborn heatmap of a confusion matrix with letter tick labels."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 8))
    sns.heatmap(matrix, annot=False, cmap="Blues", square=True, cbar=True, ax=ax, linewidths=0.2)
    ax.set(title=title, xlabel="predicted letter", ylabel="true letter")
    return fig if fig is not None else ax.figure


def compare_confusions(matrices: dict[str, pd.DataFrame]):
    """Several confusion matrices side by side, errors only (the diagonal is hidden)."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(8 * len(matrices), 7))
    for ax, (name, matrix) in zip(np.atleast_1d(axes), matrices.items()):
        errors = matrix.copy()
        np.fill_diagonal(errors.values, 0)
        labels = np.where(errors.values > 0, errors.values.astype(str), "")  # counts, blanks for zero
        sns.heatmap(errors, cmap="Reds", square=True, ax=ax, annot=labels, fmt="",
                    cbar=False, linewidths=0.2, annot_kws={"size": 7})
        ax.set(title=f"{name}: errors ({int(errors.values.sum())})", xlabel="predicted", ylabel="true")
    fig.tight_layout()
    return fig


def misclassified_grid(images: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, n: int = 18, seed: int = 0):
    """A grid of wrongly classified images titled "true → predicted"."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    if len(wrong) == 0:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "No misclassified images", ha="center")
        return fig
    pick = np.random.default_rng(seed).choice(wrong, size=min(n, len(wrong)), replace=False)
    titles = [f"{LETTERS[int(y_true[i])]} → {LETTERS[int(y_pred[i])]}" for i in pick]
    return image_grid(images[pick], titles, suptitle="Misclassified (true → predicted)")


def explanation_grid(images: np.ndarray, saliencies: list, cams: list, titles: list[str]):
    """One row per image: the image, its saliency map, its Grad-CAM heat map over the image."""
    n = len(images)
    fig, axes = plt.subplots(n, 3, figsize=(6.5, 2.2 * n), squeeze=False)
    for row, (image, saliency, cam, title) in enumerate(zip(images, saliencies, cams, titles)):
        axes[row, 0].imshow(np.squeeze(image), cmap="gray")
        axes[row, 0].set_title(title, fontsize=9)
        axes[row, 1].imshow(saliency, cmap="hot")
        axes[row, 1].set_title("saliency", fontsize=9)
        axes[row, 2].imshow(np.squeeze(image), cmap="gray")
        axes[row, 2].imshow(cam, cmap="jet", alpha=0.45)
        axes[row, 2].set_title("Grad-CAM", fontsize=9)
        for ax in axes[row]:
            ax.axis("off")
    fig.tight_layout()
    return fig


def embedding_scatter(points: np.ndarray, labels: np.ndarray, highlight: tuple[str, ...] = ("M", "N", "R", "U", "S", "T")):
    """2-D embedding coloured by letter, each letter's name at its centre; ``highlight`` letters in bold."""
    fig, ax = plt.subplots(figsize=(10, 8))
    palette = sns.color_palette("husl", len(VALID_LABELS))
    for colour, k in zip(palette, VALID_LABELS):
        mask = labels == k
        if not mask.any():
            continue
        ax.scatter(points[mask, 0], points[mask, 1], s=6, color=colour, alpha=0.6)
        cx, cy = np.median(points[mask], axis=0)
        strong = LETTERS[k] in highlight
        ax.text(cx, cy, LETTERS[k], fontsize=16 if strong else 11, weight="bold" if strong else "normal",
                ha="center", va="center", bbox={"facecolor": "yellow" if strong else "white", "alpha": 0.7, "pad": 1})
    ax.set(title="Penultimate-layer features of the test set (t-SNE)", xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def nearest_correlation_histograms(train_to_train: np.ndarray, test_to_train: np.ndarray, threshold: float = 0.95):
    """How close is the nearest training image? Top: training images (their nearest *other* training image);
    bottom: test images. Same x axis, the near-copy ``threshold`` marked. (Added for notebook 03.)"""
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.6), sharex=True)
    low = min(float(np.min(train_to_train)), float(np.min(test_to_train)), threshold - 0.05)
    bins = np.linspace(low, 1.0, 60)
    for ax, values, name, colour in (
        (axes[0], train_to_train, "training image → nearest other training image", "tab:blue"),
        (axes[1], test_to_train, "test image → nearest training image", "tab:orange"),
    ):
        ax.hist(values, bins=bins, color=colour)
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
        ax.set_title(f"{name}: median {np.median(values):.4f}, {np.mean(values > threshold):.1%} above {threshold}",
                     fontsize=10)
        ax.set_ylabel("images")
    axes[1].set_xlabel("Pearson correlation of pixels with the nearest training image (dashed: near-copy threshold)")
    fig.tight_layout()
    return fig
