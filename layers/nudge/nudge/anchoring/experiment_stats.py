"""Experiment results per variant: conversion rate, lift against control, and a sample-ratio check.

Stdlib `math` only. With p = conversions / impressions (None without impressions) and c the control:

- lift = (p_v - p_c) / p_c; None for the control, and when either rate is None or p_c is 0.
- 95% interval of the lift: delta method on the log of the rate ratio RR = p_v / p_c,

      se(log RR) = sqrt(1/x_v - 1/n_v + 1/x_c - 1/n_c)        (x conversions, n impressions)
      interval   = exp(log RR -/+ 1.959964 x se) - 1

  None when either variant has no conversions (log RR undefined). The interval is asymmetric around
  the lift, as a ratio's should be.
- probability to beat control: P(q_v > q_c) with independent posteriors q ~ Beta(1 + x, 1 + n - x)
  (uniform prior), each approximated by a normal with the Beta's mean and variance:

      mean = a / (a + b),  var = a b / ((a + b)^2 (a + b + 1)),  P = Phi((mean_v - mean_c) / sqrt(var_v + var_c))

  Good to about a percentage point once each variant has a few dozen impressions; cheap and closed form.
  None for the control and when either variant has no impressions (the posterior would be the prior).

Sample ratio mismatch (SRM): a chi-square goodness-of-fit test of the assigned counts against the
configured traffic split, expected_i = total assigned x traffic_i / 100,

      chi2 = sum (observed_i - expected_i)^2 / expected_i      over variants with traffic > 0
      p    = Q((k - 1) / 2, chi2 / 2)                          (k = variants with traffic > 0)

where Q is the regularized upper incomplete gamma function (series for x < a + 1, Lentz's continued
fraction otherwise, as in Numerical Recipes). Mismatch when p < 0.001, the usual SRM threshold: strict,
because a real mismatch means the assignment is broken and small imbalances are expected at scale.
A variant with 0% traffic but assigned users is a mismatch outright (p = 0). None when nobody is
assigned yet. The check uses the current split: after a traffic change, sticky earlier assignments
follow the old one, so the check is only meaningful within one split.

Counts must be non-negative with conversions <= impressions; anything else is invalid input.
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

from nudge.errors import InvalidInput
from nudge.models import NudgeModel

Z_95 = 1.959963984540054
SRM_ALPHA = 0.001
SHOWN_PLACES = 4
_EPSILON = 1e-14
_TINY = 1e-300
_MAX_ITERATIONS = 10_000


class VariantCounts(NamedTuple):
    variant_id: str
    is_control: bool
    traffic_percentage: int
    assigned: int
    impressions: int
    selections: int
    conversions: int


class VariantResult(NudgeModel):
    variant_id: str
    is_control: bool
    assigned: int
    impressions: int
    selections: int
    conversions: int
    conversion_rate: float | None
    lift: float | None
    lift_ci_low: float | None
    lift_ci_high: float | None
    probability_to_beat_control: float | None


class SampleRatioCheck(NudgeModel):
    chi_square: float
    p_value: float
    mismatch: bool
    expected: dict[str, float]
    observed: dict[str, int]


class ExperimentResults(NudgeModel):
    variants: list[VariantResult]
    sample_ratio: SampleRatioCheck | None


def _lower_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its power series (x < a + 1)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPSILON:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by its continued fraction, modified Lentz (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = d if abs(d) > _TINY else _TINY
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPSILON:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), for a > 0."""
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_series(a, x))
    return _upper_fraction(a, x)


def chi_square_p_value(chi_square: float, degrees_of_freedom: int) -> float:
    """P(X >= chi_square) for X ~ chi-square with the given degrees of freedom."""
    if degrees_of_freedom <= 0:
        return 1.0
    return gamma_q(degrees_of_freedom / 2.0, chi_square / 2.0)


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _rate(counts: VariantCounts) -> float | None:
    return counts.conversions / counts.impressions if counts.impressions else None


def _lift_interval(variant: VariantCounts, control: VariantCounts) -> tuple[float | None, float | None]:
    if not variant.conversions or not control.conversions:
        return None, None
    log_ratio = math.log((variant.conversions / variant.impressions) / (control.conversions / control.impressions))
    variance = 1 / variant.conversions - 1 / variant.impressions + 1 / control.conversions - 1 / control.impressions
    margin = Z_95 * math.sqrt(max(variance, 0.0))
    return math.exp(log_ratio - margin) - 1, math.exp(log_ratio + margin) - 1


def _beta_moments(counts: VariantCounts) -> tuple[float, float]:
    a = 1.0 + counts.conversions
    b = 1.0 + counts.impressions - counts.conversions
    return a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))


def probability_to_beat(variant: VariantCounts, control: VariantCounts) -> float | None:
    """P(q_variant > q_control) under Beta(1 + x, 1 + n - x) posteriors, normal approximation."""
    if not variant.impressions or not control.impressions:
        return None
    mean_v, var_v = _beta_moments(variant)
    mean_c, var_c = _beta_moments(control)
    return _normal_cdf((mean_v - mean_c) / math.sqrt(var_v + var_c))


def _result(counts: VariantCounts, control: VariantCounts | None) -> VariantResult:
    rate = _rate(counts)
    control_rate = _rate(control) if control else None
    compared = control is not None and not counts.is_control
    lift = (rate - control_rate) / control_rate if compared and rate is not None and control_rate else None
    low, high = _lift_interval(counts, control) if compared and control and lift is not None else (None, None)
    return VariantResult(
        variant_id=counts.variant_id,
        is_control=counts.is_control,
        assigned=counts.assigned,
        impressions=counts.impressions,
        selections=counts.selections,
        conversions=counts.conversions,
        conversion_rate=_shown(rate),
        lift=_shown(lift),
        lift_ci_low=_shown(low),
        lift_ci_high=_shown(high),
        probability_to_beat_control=_shown(probability_to_beat(counts, control) if compared and control else None),
    )


def _shown(value: float | None) -> float | None:
    """Results are estimates: four decimals say all they can."""
    return None if value is None else round(value, SHOWN_PLACES)


def sample_ratio_check(counts: Sequence[VariantCounts]) -> SampleRatioCheck | None:
    """Chi-square test of assigned counts against the traffic split; None when nobody is assigned."""
    total = sum(c.assigned for c in counts)
    if not total:
        return None
    expected = {c.variant_id: total * c.traffic_percentage / 100 for c in counts}
    observed = {c.variant_id: c.assigned for c in counts}
    weighted = [c for c in counts if c.traffic_percentage > 0]
    chi_square = sum((c.assigned - expected[c.variant_id]) ** 2 / expected[c.variant_id] for c in weighted)
    unexpected = any(c.assigned for c in counts if c.traffic_percentage == 0)
    p_value = 0.0 if unexpected else chi_square_p_value(chi_square, len(weighted) - 1)
    return SampleRatioCheck(
        chi_square=chi_square, p_value=p_value, mismatch=p_value < SRM_ALPHA, expected=expected, observed=observed
    )


def _check_counts(counts: Sequence[VariantCounts]) -> None:
    for c in counts:
        if min(c.assigned, c.impressions, c.selections, c.conversions) < 0 or c.conversions > c.impressions:
            raise InvalidInput(
                f"variant {c.variant_id}: counts must be non-negative with conversions <= impressions", field="counts"
            )


def experiment_results(counts: Sequence[VariantCounts]) -> ExperimentResults:
    """Per-variant results against the control (the first variant flagged is_control), and the SRM check."""
    _check_counts(counts)
    control = next((c for c in counts if c.is_control), None)
    return ExperimentResults(variants=[_result(c, control) for c in counts], sample_ratio=sample_ratio_check(counts))
