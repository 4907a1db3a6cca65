import math

import pytest

from nudge.anchoring.experiment_stats import (
    VariantCounts,
    chi_square_p_value,
    experiment_results,
    gamma_q,
    sample_ratio_check,
)
from nudge.errors import InvalidInput


def counts(
    variant_id: str,
    assigned: int,
    impressions: int = 0,
    conversions: int = 0,
    *,
    control: bool = False,
    traffic: int = 50,
) -> VariantCounts:
    return VariantCounts(variant_id, control, traffic, assigned, impressions, conversions * 2, conversions)


@pytest.mark.parametrize(
    ("chi_square", "df", "p_value"),
    [
        (3.841459, 1, 0.05),
        (5.991465, 2, 0.05),
        (7.814728, 3, 0.05),
        (9.487729, 4, 0.05),
        (18.307038, 10, 0.05),
        (10.827566, 1, 0.001),
        (0.710723, 4, 0.95),
        (0.0, 3, 1.0),
    ],
)
def test_chi_square_p_value_known_values(chi_square: float, df: int, p_value: float) -> None:
    assert chi_square_p_value(chi_square, df) == pytest.approx(p_value, rel=1e-5)


def test_chi_square_rounded_table_values() -> None:
    assert chi_square_p_value(3.841, 1) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_p_value(5.991, 2) == pytest.approx(0.05, abs=1e-4)


@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 2.0, 3.0, 7.5, 20.0, 60.0])
def test_closed_forms(x: float) -> None:
    # df 1: p = erfc(sqrt(x / 2)); df 2: p = exp(-x / 2): both branches (series and fraction) are covered.
    assert chi_square_p_value(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-10)
    assert chi_square_p_value(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10)
    assert gamma_q(1.0, x) == pytest.approx(math.exp(-x), rel=1e-10)


def test_tiny_p_value() -> None:
    assert chi_square_p_value(100.0, 1) == pytest.approx(1.5239706e-23, rel=1e-6)


def test_srm_flags_5000_against_5400() -> None:
    check = sample_ratio_check([counts("a", 5000, control=True), counts("b", 5400)])
    assert check is not None
    # expected 5200 each: chi2 = 2 x 200^2 / 5200 = 15.3846
    assert check.chi_square == pytest.approx(15.384615, rel=1e-6)
    assert check.p_value == pytest.approx(8.7699e-5, rel=1e-3)
    assert check.mismatch is True
    assert check.expected == {"a": 5200.0, "b": 5200.0}
    assert check.observed == {"a": 5000, "b": 5400}


def test_srm_accepts_5000_against_5050() -> None:
    check = sample_ratio_check([counts("a", 5000, control=True), counts("b", 5050)])
    assert check is not None
    # expected 5025 each: chi2 = 2 x 25^2 / 5025 = 0.248756
    assert check.chi_square == pytest.approx(0.248756, rel=1e-5)
    assert check.p_value == pytest.approx(0.61795, rel=1e-4)
    assert check.mismatch is False


def test_srm_with_an_uneven_split() -> None:
    observed = [
        counts("a", 2000, control=True, traffic=20),
        counts("b", 3000, traffic=30),
        counts("c", 5100, traffic=50),
    ]
    check = sample_ratio_check(observed)
    assert check is not None
    # total 10100: expected 2020 / 3030 / 5050; chi2 = 400/2020 + 900/3030 + 2500/5050 = 0.990099
    assert check.expected == {"a": 2020.0, "b": 3030.0, "c": 5050.0}
    assert check.chi_square == pytest.approx(0.990099, rel=1e-5)
    assert check.p_value == pytest.approx(math.exp(-0.990099 / 2), rel=1e-5)
    assert check.mismatch is False


def test_srm_assignment_to_a_zero_traffic_variant_is_a_mismatch() -> None:
    check = sample_ratio_check([counts("a", 100, control=True, traffic=100), counts("b", 1, traffic=0)])
    assert check is not None
    assert (check.p_value, check.mismatch) == (0.0, True)


def test_no_srm_before_anyone_is_assigned() -> None:
    results = experiment_results([counts("a", 0, control=True), counts("b", 0)])
    assert results.sample_ratio is None
    assert [v.conversion_rate for v in results.variants] == [None, None]
    assert results.variants[1].probability_to_beat_control is None


def test_results_against_hand_computed_values() -> None:
    results = experiment_results(
        [counts("control", 1000, 1000, 100, control=True), counts("variant_a", 1000, 1000, 120)]
    )
    control, variant = results.variants
    assert (control.conversion_rate, control.lift, control.lift_ci_low, control.probability_to_beat_control) == (
        0.1,
        None,
        None,
        None,
    )
    assert variant.conversion_rate == pytest.approx(0.12)
    assert variant.lift == pytest.approx(0.2)
    # log RR = ln 1.2 = 0.182322; se = sqrt(1/120 - 1/1000 + 1/100 - 1/1000) = 0.127802;
    # exp(0.182322 -/+ 1.959964 x 0.127802) - 1 = -0.065894 / 0.541581
    assert variant.lift_ci_low == -0.0659  # shown to 4 decimals
    assert variant.lift_ci_high == 0.5416
    # Beta(121, 881) vs Beta(101, 901): means 0.120758 / 0.100798, variances 1.058580e-4 / 9.036702e-5;
    # z = 0.019960 / 0.014008 = 1.424906, Phi(z) = 0.922907
    assert variant.probability_to_beat_control == 0.9229
    assert (variant.assigned, variant.impressions, variant.selections, variant.conversions) == (1000, 1000, 240, 120)
    assert results.sample_ratio is not None
    assert results.sample_ratio.mismatch is False


def test_worse_variant() -> None:
    results = experiment_results([counts("c", 500, 500, 50, control=True), counts("v", 500, 500, 40)])
    variant = results.variants[1]
    assert variant.lift == pytest.approx(-0.2)
    assert variant.lift_ci_low is not None
    assert variant.lift_ci_high is not None
    assert variant.lift_ci_low < -0.2 < variant.lift_ci_high
    assert variant.probability_to_beat_control is not None
    assert variant.probability_to_beat_control < 0.5


def test_identical_variants_are_a_coin_flip() -> None:
    results = experiment_results([counts("c", 500, 500, 50, control=True), counts("v", 500, 500, 50)])
    variant = results.variants[1]
    assert (variant.lift, variant.probability_to_beat_control) == (0.0, 0.5)
    # symmetric on the log scale: low = -high / (1 + high), to the 4 decimals shown
    assert variant.lift_ci_low == pytest.approx(-variant.lift_ci_high / (1 + variant.lift_ci_high), abs=1e-4)  # type: ignore[operator]


def test_undefined_lift() -> None:
    no_control_conversions = experiment_results([counts("c", 10, 10, 0, control=True), counts("v", 10, 10, 3)])
    assert no_control_conversions.variants[1].lift is None
    assert no_control_conversions.variants[1].lift_ci_low is None
    assert no_control_conversions.variants[1].probability_to_beat_control is not None
    no_variant_conversions = experiment_results([counts("c", 10, 10, 2, control=True), counts("v", 10, 10, 0)])
    assert no_variant_conversions.variants[1].lift == -1.0
    assert no_variant_conversions.variants[1].lift_ci_low is None
    no_impressions = experiment_results([counts("c", 10, 10, 2, control=True), counts("v", 10, 0, 0)])
    assert no_impressions.variants[1].conversion_rate is None
    assert no_impressions.variants[1].lift is None
    assert no_impressions.variants[1].probability_to_beat_control is None


def test_without_a_control_there_is_no_comparison() -> None:
    results = experiment_results([counts("a", 10, 10, 2), counts("b", 10, 10, 3)])
    assert [(v.lift, v.probability_to_beat_control) for v in results.variants] == [(None, None), (None, None)]


@pytest.mark.parametrize(
    "bad",
    [
        VariantCounts("v", False, 50, 10, 5, 6, 6),
        VariantCounts("v", False, 50, -1, 0, 0, 0),
        VariantCounts("v", False, 50, 10, 10, -1, 0),
    ],
)
def test_inconsistent_counts_are_invalid(bad: VariantCounts) -> None:
    with pytest.raises(InvalidInput) as caught:
        experiment_results([counts("c", 10, 10, 1, control=True), bad])
    assert caught.value.field == "counts"


def test_results_serialise() -> None:
    results = experiment_results([counts("c", 1000, 1000, 100, control=True), counts("v", 1000, 1000, 120)])
    dumped = results.model_dump(mode="json")
    assert dumped["variants"][0]["conversion_rate"] == 0.1
    assert dumped["sample_ratio"]["observed"] == {"c": 1000, "v": 1000}
