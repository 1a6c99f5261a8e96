"""Short-query acceleration: which statements may run in the pool's short-query lane.

A statement is short when its forecast's 90th percentile is under the lane's limit: the
median alone would send a statement that is short only on a good day into a lane sized for
short ones. A statement the forecaster knows nothing about (source ``prior``) is not
accelerated: Redshift's SQA also keeps statements it cannot estimate out of its queue.
"""

from __future__ import annotations

from policies.query_forecast import QueryForecast

# The default limit: a statement predicted (at its 90th percentile) to finish within this
# many seconds is short. Redshift's SQA picks its limit dynamically between 1 and 20 s for
# its much larger nodes; here a slot is one DuckDB statement at a time.
DEFAULT_MAX_SECONDS = 0.5


def is_short(forecast: QueryForecast, max_seconds: float = DEFAULT_MAX_SECONDS) -> bool:
    """Whether a statement with this forecast may use the short-query lane.

    >>> is_short(QueryForecast(0.01, 0.05, "history", 20))
    True
    >>> is_short(QueryForecast(0.01, 0.05, "prior", 0)), is_short(QueryForecast(0.3, 2, "plan", 0))
    (False, False)
    """
    return forecast.source != "prior" and forecast.p90_seconds <= max_seconds
