"""Quality of generated digits: class accuracy and within-class diversity.

A logistic-regression classifier is trained at run time on scikit-learn's digits (a couple of
seconds) and scores 8x8 grey-level images (values 0..16, as the digits model emits them).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import Any

import torch


@lru_cache(maxsize=1)
def digit_classifier() -> Any:
    """Logistic regression fitted on all of scikit-learn's digits (pixels scaled to 0..1)."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    data = load_digits()
    return LogisticRegression(max_iter=2000).fit(data.data / 16.0, data.target)


def class_accuracy(images: torch.Tensor, labels: list[int]) -> float:
    """Fraction of ``images`` ``[N, 8, 8]`` (0..16) that the classifier reads as their label."""
    if len(images) != len(labels):
        raise ValueError(f"images ({len(images)}) and labels ({len(labels)}) differ in length")
    pixels = images.reshape(len(images), -1).double().numpy() / 16.0
    predicted = digit_classifier().predict(pixels)
    return float((predicted == torch.as_tensor(labels).numpy()).mean())


def diversity(images: torch.Tensor, labels: list[int]) -> float | None:
    """Mean pairwise Euclidean distance (pixels scaled 0..1) between images of the same label,
    averaged over the labels that have at least two images; ``None`` when none has."""
    flat = images.reshape(len(images), -1).double() / 16.0
    per_class = []
    for label in sorted(set(labels)):
        rows = [i for i, y in enumerate(labels) if y == label]
        pairs = list(combinations(rows, 2))
        if pairs:
            first, second = zip(*pairs, strict=True)
            per_class.append((flat[list(first)] - flat[list(second)]).norm(dim=1).mean().item())
    return sum(per_class) / len(per_class) if per_class else None


def score(images: torch.Tensor, labels: list[int]) -> dict[str, float | None]:
    """``{"class_accuracy", "diversity"}`` for grey-level digit images and their labels."""
    return {
        "class_accuracy": class_accuracy(images, labels),
        "diversity": diversity(images, labels),
    }
