"""Interleaved A/B runs: every baseline measured beside its subject, in the same rounds.

A benchmark that runs all baselines first and all subjects after lets the machine's load
drift between them (on a shared 2-core machine, `models list` read as 10x bare Python that
way, 19-20x paired). Here each round runs every case once, in an order rotated from round to
round, and a subject's ratio is the median of its per-round ratios to the baseline.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping

__all__ = ["interleaved", "ratio"]


def interleaved(cases: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """`{label: [one measurement per round]}`, each round running every case once, the
    order rotated each round so no case always runs first (or right after another)."""
    labels = list(cases)
    results: dict[str, list[float]] = {label: [] for label in labels}
    for n in range(rounds):
        shift = n % len(labels)
        for label in labels[shift:] + labels[:shift]:
            results[label].append(cases[label]())
    return results


def ratio(subject: list[float], baseline: list[float]) -> float:
    """The median of the per-round ratios subject/baseline (paired, so shared noise cancels)."""
    return statistics.median(s / b for s, b in zip(subject, baseline, strict=True))
