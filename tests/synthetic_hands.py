"""Synthetic hands for the hand tests: 21 keypoints per hand, one distinct shape per letter."""

from __future__ import annotations

import numpy as np

from helpers.config import VALID_LABELS
from helpers.hands import mirror


def rotation_z(degrees: float) -> np.ndarray:
    t = np.deg2rad(degrees)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]], dtype=np.float32)


def base_hands(n_kinds: int, seed: int = 0) -> np.ndarray:
    """``n_kinds`` distinct synthetic hands (21 points each): a palm and five random finger directions."""
    rng = np.random.default_rng(seed)
    kinds = np.zeros((n_kinds, 21, 3), dtype=np.float32)
    knuckles = np.array([[-0.2, -0.6, 0], [0.2, -0.9, 0], [0.0, -1.0, 0], [-0.2, -0.95, 0], [-0.4, -0.85, 0]])
    for k in range(n_kinds):
        for finger in range(5):
            start = 1 + 4 * finger
            kinds[k, start] = knuckles[finger]
            direction = rng.normal(size=3) * [1, 1, 0.3]
            direction /= np.linalg.norm(direction)
            for joint in range(1, 4):
                kinds[k, start + joint] = kinds[k, start + joint - 1] + 0.3 * direction
    return kinds


def jittered(kinds: np.ndarray, per_kind: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Copies of each kind: noise, random position and size, and half of them mirrored (left hands)."""
    rng = np.random.default_rng(seed)
    landmarks, labels = [], []
    for k, hand in enumerate(kinds):
        for _ in range(per_kind):
            copy = hand + rng.normal(scale=0.02, size=hand.shape)
            copy = copy * rng.uniform(50, 300) + np.array([rng.uniform(0, 600), rng.uniform(0, 400), 0])
            landmarks.append(mirror(copy) if rng.random() < 0.5 else copy)
            labels.append(VALID_LABELS[k])
    return np.asarray(landmarks, dtype=np.float32), np.asarray(labels)
