"""The workload forecaster: a workgroup's arrivals and demanded work, minute by minute, over
the next 1 to 15 minutes.

The model is a robust seasonal profile corrected by what the last minutes showed:

- **Profile.** For each target minute, the same minute on earlier days of the same kind (the
  same weekday one to four weeks back, and the last days that were weekdays or weekend days
  like the target), each smoothed over a window of minutes, scaled by the week-over-week
  trend, and combined by their median, so one day's burst or outage does not become a
  pattern.
- **Level.** The ratio of what the last hour brought to what the profile expected for it,
  shrunk toward 1: today's traffic may run above or below its usual shape.
- **Burst.** The last few minutes' excess over the levelled profile, decaying with the
  horizon: a burst under way is likely to last a little longer.

With no earlier days at all (a new workgroup) the forecast is the recent mean. Time is an
absolute minute number; ``epoch_weekday`` says which weekday minute 0 fell on (Monday = 0;
1970-01-01, the Unix epoch, was a Thursday = 3).

Use one forecaster per series (arrivals, work). ``add`` accumulates into a minute, so a
caller may add a statement's predicted work when it arrives and the correction when it ends.
"""

from __future__ import annotations

import numpy as np

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
UNIX_EPOCH_WEEKDAY = 3


class WorkloadForecaster:
    """Per-minute forecasts of one series of one workgroup.

    Args:
        days: history kept (at least 28 for four weekly lags).
        smooth: half-width in minutes of the window each earlier day is averaged over.
        level_minutes: the recent window the level correction compares.
        level_shrink: how much of the observed level ratio is believed (0..1).
        burst_minutes: the recent window of the burst correction.
        burst_decay: the burst correction's factor per minute of horizon.
        epoch_weekday: the weekday of minute 0 (Monday = 0).
    """

    def __init__(
        self,
        *,
        days: int = 29,
        smooth: int = 7,
        level_minutes: int = 60,
        level_shrink: float = 0.7,
        burst_minutes: int = 3,
        burst_decay: float = 0.8,
        epoch_weekday: int = UNIX_EPOCH_WEEKDAY,
    ) -> None:
        self.size = days * MINUTES_PER_DAY
        self.smooth = smooth
        self.level_minutes = level_minutes
        self.level_shrink = level_shrink
        self.burst_minutes = burst_minutes
        self.burst_decay = burst_decay
        self.epoch_weekday = epoch_weekday
        self._values = np.zeros(self.size)
        self._minutes = np.full(self.size, -1, dtype=np.int64)
        self._first: int | None = None  # the earliest minute ever stored
        self._newest = -1

    # -- data -----------------------------------------------------------------------------
    def add(self, minute: int, amount: float) -> None:
        """Add ``amount`` to minute ``minute`` (a minute first touched starts at 0)."""
        self._span(minute, minute)
        i = minute % self.size
        if self._minutes[i] != minute:
            self._minutes[i] = minute
            self._values[i] = 0.0
        self._values[i] += amount

    def load(self, first_minute: int, values: np.ndarray) -> None:
        """Set consecutive minutes from ``first_minute`` on (history from a log)."""
        if not len(values):
            return
        minutes = np.arange(first_minute, first_minute + len(values), dtype=np.int64)
        self._span(first_minute, int(minutes[-1]))
        keep = minutes > minutes[-1] - self.size
        idx = minutes[keep] % self.size
        self._minutes[idx] = minutes[keep]
        self._values[idx] = np.asarray(values, dtype=float)[keep]

    def values(self, minutes: np.ndarray) -> np.ndarray:
        """The stored value of each minute; NaN where none is known. A minute inside the
        kept history that was never touched counts as 0 once a later minute is known (an
        idle minute leaves no record)."""
        minutes = np.asarray(minutes, dtype=np.int64)
        idx = minutes % self.size
        out = np.where(self._minutes[idx] == minutes, self._values[idx], np.nan)
        if self._first is not None:
            oldest = max(self._first, self._newest - self.size + 1)
            idle = np.isnan(out) & (minutes >= oldest) & (minutes <= self._newest)
            out[idle] = 0.0
        return out

    def _span(self, first: int, last: int) -> None:
        self._first = first if self._first is None else min(self._first, first)
        self._newest = max(self._newest, last)

    # -- forecasts ------------------------------------------------------------------------
    def forecast(self, now: int, horizon: int = 15) -> np.ndarray:
        """Forecasts for minutes ``now`` .. ``now + horizon - 1`` from the minutes before
        ``now`` (the current minute is still filling)."""
        targets = np.arange(now, now + horizon, dtype=np.int64)
        recent = np.arange(now - self.level_minutes, now, dtype=np.int64)
        profile = self.profile(np.concatenate([recent, targets]))
        past, ahead = profile[: len(recent)], profile[len(recent):]
        actual = self.values(recent)
        if np.all(np.isnan(ahead)):
            return np.full(horizon, _nanmean(actual[-15:]))
        seen = ~np.isnan(actual) & ~np.isnan(past)
        level = 1.0
        if seen.any():
            expected = float(past[seen].sum())
            ratio = (float(actual[seen].sum()) + 1.0) / (expected + 1.0)
            level = float(np.clip(1.0 + self.level_shrink * (ratio - 1.0), 0.25, 4.0))
        burst_actual = actual[-self.burst_minutes:]
        burst_expected = level * past[-self.burst_minutes:]
        excess = _nanmean(burst_actual - burst_expected)
        decay = self.burst_decay ** np.arange(1, horizon + 1)
        ahead = np.where(np.isnan(ahead), _nanmean(actual[-15:]), ahead)
        return np.maximum(0.0, level * ahead + excess * decay)

    def profile(self, minutes: np.ndarray) -> np.ndarray:
        """The seasonal profile at each minute (NaN where no earlier day is known)."""
        minutes = np.asarray(minutes, dtype=np.int64)
        days = self._same_kind_lags(minutes)
        offsets = np.arange(-self.smooth, self.smooth + 1, dtype=np.int64)
        growth = self._weekly_growth(int(minutes.min()))
        out = np.full(len(minutes), np.nan)
        samples = []
        for lag_days, mask in days:
            lagged = minutes[:, None] - lag_days * MINUTES_PER_DAY + offsets[None, :]
            window = self.values(lagged.ravel()).reshape(lagged.shape)
            sample = _nanmean_rows(window) * growth ** (lag_days / 7.0)
            samples.append(np.where(mask, sample, np.nan))
        if samples:
            stacked = np.vstack(samples)
            has = ~np.all(np.isnan(stacked), axis=0)
            out[has] = np.nanmedian(stacked[:, has], axis=0)
        return out

    def _same_kind_lags(self, minutes: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(lag in days, which minutes it applies to): the same weekday 1-4 weeks back, and
        each of the last six days whose kind (weekday, weekend) matches the target's."""
        weekday = (minutes // MINUTES_PER_DAY + self.epoch_weekday) % 7
        weekend = weekday >= 5
        lags: list[tuple[int, np.ndarray]] = [(7 * k, np.ones(len(minutes), bool))
                                              for k in range(1, 5)]
        for d in range(1, 7):
            lagged_weekend = (weekday - d) % 7 >= 5
            lags.append((d, lagged_weekend == weekend))
        return lags

    def _weekly_growth(self, now: int) -> float:
        """The mean of the last known week over the week before's, when both are mostly
        known (clipped to 0.5..2)."""
        end = min(now, self._newest + 1)
        last = self.values(np.arange(end - MINUTES_PER_WEEK, end, dtype=np.int64))
        before = self.values(np.arange(end - 2 * MINUTES_PER_WEEK, end - MINUTES_PER_WEEK,
                                       dtype=np.int64))
        if np.isnan(last).mean() > 0.1 or np.isnan(before).mean() > 0.1:
            return 1.0
        ratio = (_nanmean(last) + 1e-3) / (_nanmean(before) + 1e-3)
        return float(np.clip(ratio, 0.5, 2.0))


def _nanmean(a: np.ndarray) -> float:
    a = a[~np.isnan(a)]
    return float(a.mean()) if a.size else 0.0


def _nanmean_rows(a: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(a)).sum(axis=1)
    sums = np.nansum(a, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def seasonal_naive(series: np.ndarray, season: int) -> np.ndarray:
    """The seasonal-naive forecast of each minute of ``series``: the value one season before
    (NaN where the series does not reach back). It is the same for any horizon up to a season.

    >>> seasonal_naive(np.arange(6.0), 2).tolist()
    [nan, nan, 0.0, 1.0, 2.0, 3.0]
    """
    out = np.full(len(series), np.nan)
    out[season:] = series[:-season]
    return out


def mase(actual: np.ndarray, forecast: np.ndarray, baseline: np.ndarray) -> float:
    """Mean absolute error of ``forecast`` over that of ``baseline`` on the same minutes
    (below 1: better than the baseline).

    >>> mase(np.array([1.0, 2.0]), np.array([1.0, 3.0]), np.array([3.0, 2.0]))
    0.5
    """
    ok = ~(np.isnan(actual) | np.isnan(forecast) | np.isnan(baseline))
    errors = np.abs(actual[ok] - forecast[ok]).mean()
    return float(errors / np.abs(actual[ok] - baseline[ok]).mean())
