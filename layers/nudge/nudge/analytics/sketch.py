"""Time to complete as a mergeable quantile sketch: fixed log-scale buckets (DDSketch's mapping).

Bucket i holds durations in (GAMMA**(i-1), GAMMA**i] seconds, GAMMA = (1+a)/(1-a). Its count is a
plain counter, so a response adds 1 to one bucket (a DynamoDB ADD) and sketches merge by adding
counts. Any quantile comes back within relative error a of a duration of that rank. Durations are
at most 24 hours (a response's started_at bound), so there are at most ~290 buckets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

RELATIVE_ACCURACY = 0.02
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)


def bucket(seconds: float) -> int:
    """The bucket of a duration; under a second counts as one second (no survey is answered faster)."""
    return math.ceil(math.log(max(seconds, 1.0)) / math.log(GAMMA))


def representative(index: int) -> float:
    """The value of bucket `index` whose relative distance to every duration in it is at most a."""
    return 2 * GAMMA**index / (GAMMA + 1)


def quantile(buckets: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of the durations counted in `buckets`; None when there are none."""
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = q * (total - 1)
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen > rank:
            return representative(index)
    return representative(max(buckets))
