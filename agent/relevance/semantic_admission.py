"""How a day's semantic scores become admissions, 0-10 scores and plain-words reasons.

The linear model's decision values mean nothing to a reader and drift with the library and the background, so
everything a report shows is relative to two references:
- the library: each library paper scored by a model trained without it (leave-one-out); the library bar is the
  score that keeps `library_recall` of them;
- the day: most of a day's candidates are off topic, so the day's median and spread (median absolute deviation)
  describe an ordinary paper. The day bar asks for DAY_BAR_Z spreads above the median.
A paper is admitted offline when it clears both bars, best first, up to the daily cap. Its score grows with its
margin above the higher bar, so scores follow the ranking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Chosen on the dev days (2025-10-22 and 2025-10-23, with 2025-10-24 left out of libraries and backgrounds too):
# 3.5 spreads above the day's median kept P ≥ 0.7 on three of the four dev profile-days at R ≥ 0.6.
DAY_BAR_Z = 3.5
MIN_DAY_FOR_BAR = 20  # a median and spread over fewer papers say little about an ordinary paper
MAX_SEMANTIC_SCORE = 9.0  # the top is left to what a model or the user decides
SPREADS_TO_TWO_THIRDS = 4.0  # 4 spreads above the bar cover about two thirds of the way from the bar to the top


@dataclass(frozen=True)
class DayCalibration:
    median: float
    spread: float  # robust standard deviation of the day's scores (1.4826 × MAD)
    library_bar: float | None  # None: too few library papers to admit anything offline
    day_bar_applies: bool

    @classmethod
    def of(cls, day_scores: list[float], library_bar: float | None) -> DayCalibration:
        values = np.asarray(day_scores, dtype=float)
        if not len(values):
            return cls(0.0, 1.0, library_bar, False)
        median = float(np.median(values))
        spread = float(np.median(np.abs(values - median)) * 1.4826) or float(values.std()) or 1.0
        return cls(median, spread, library_bar, len(values) >= MIN_DAY_FOR_BAR)

    def spreads_above_median(self, score: float) -> float:
        return (score - self.median) / self.spread

    @property
    def bar(self) -> float | None:
        """The admission bar: the higher of the library bar and (on a day big enough) the day bar."""
        if self.library_bar is None:
            return None
        if not self.day_bar_applies:
            return self.library_bar
        return max(self.library_bar, self.median + DAY_BAR_Z * self.spread)

    @property
    def day_bar_binds(self) -> bool:
        return self.bar is not None and self.day_bar_applies and self.bar > self.library_bar

    def admits(self, score: float) -> bool:
        return self.bar is not None and score >= self.bar

    def admission_score(self, score: float, threshold: float) -> float:
        """0-10: the relevance threshold at the bar, rising towards MAX_SEMANTIC_SCORE with the margin above it and
        never reaching it, so that even the day's best-ranked papers keep their order."""
        bar = self.bar if self.bar is not None else score
        margin = max(0.0, (score - bar) / self.spread)
        return round(threshold + (MAX_SEMANTIC_SCORE - threshold) * (1 - math.exp(-margin / SPREADS_TO_TWO_THIRDS)), 1)


def top_share(place: int, of: int) -> int:
    """The percentage a place belongs to, rounded up: 1 of 187 is the top 1 %, 10 of 187 the top 6 %."""
    return max(1, math.ceil(100 * place / of)) if of else 100
