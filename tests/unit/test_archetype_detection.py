from decimal import Decimal
from typing import Any

import pytest

from nudge.behavior.signals import SignalAggregates, TransactionValue, UserSignals, apply_events, describe
from nudge.defaults.archetype_detection import ArchetypeConfig, detect_archetype
from tests.builders import NOW, answered, created, transaction

NEUTRAL_BIG_SPENDER_SCORE = 0.625  # all signals neutral except no accommodation at all


def signals(**overrides: Any) -> UserSignals:
    """A user with 10 events whose every signal sits at the neutral level 0.5, unless overridden."""
    neutral: dict[str, Any] = {
        "user_id": "u1",
        "events_count": 10,
        "requests_created": 5,
        "answers_accepted": 5,
        "answers_rejected": 5,
        "answers_countered": 0,
        "acceptance_rate": 0.5,
        "price_rejection_rate": 0.5,
        "average_response_time_seconds": 300 * 288**0.5,  # geometric middle of 5 minutes .. 24 hours
        "transaction_values": [usd(500)],  # the USD reference
        "above_list_offer_rate": 0.0,
        "average_offer_to_list_ratio": 1.0,
        "accommodations": 5,  # flexibility score 5 / 10 answers, history 5 of 10
        "reciprocity_ratio": 0.5,
        "request_frequency_per_30_days": 3.0,
        "first_event_at": None,
        "last_event_at": None,
        "updated_at": None,
        "version": 1,
    }
    return UserSignals(**(neutral | overrides))


def usd(average: float, count: int = 5, currency: str = "USD") -> TransactionValue:
    value = Decimal(str(average))
    return TransactionValue(currency=currency, count=count, total=value * count, average=value)


def big_spender(**overrides: Any) -> UserSignals:
    return signals(
        **{
            "transaction_values": [usd(750)],
            "average_offer_to_list_ratio": 1.25,
            "price_rejection_rate": 0.0,
            "average_response_time_seconds": 300.0,
            "request_frequency_per_30_days": 6.0,
            "accommodations": 0,
            "reciprocity_ratio": 0.0,
            "events_count": 25,
        }
        | overrides
    )


def from_events(*payloads: dict[str, Any]) -> UserSignals:
    return describe("u1", apply_events(SignalAggregates(), [transaction(payload) for payload in payloads], NOW))


def test_neutral_signals_score_half_and_are_average() -> None:
    result = detect_archetype(signals())

    assert result.archetype == "average_user"
    assert result.scores == {"big_spender": 0.5, "high_flexibility": 0.5}
    assert result.default_price_multiplier == Decimal("1.00")
    assert result.reasons[0].startswith("Neither the big spender score (0.50)")


def test_big_spender_from_events() -> None:
    payloads = [created(f"r{i}", offered="600.00", listed="450.00", amount="700.00") for i in range(4)]
    payloads += [answered(f"a{i}", "accepted", response_time=300) for i in range(2)]

    result = detect_archetype(from_events(*payloads))

    assert result.archetype == "big_spender"
    assert result.default_price_multiplier == Decimal("1.20")
    assert result.signals["offer_to_list_ratio"] == 1.3333
    assert result.signals["average_transaction_value"] == 700.0
    assert "Offers on average 33% above the listed price" in result.reasons
    assert (
        result.reasons[0] == f"Big spender score {result.scores['big_spender']:.2f} is at or above the 0.65 threshold"
    )


def test_high_flexibility_from_events() -> None:
    payloads = [created("r1", offered="360.00", listed="450.00", amount="360.00")]
    payloads += [answered(f"a{i}", "accepted", accommodated=True) for i in range(6)]

    result = detect_archetype(from_events(*payloads))

    assert result.archetype == "high_flexibility"
    assert result.default_price_multiplier == Decimal("0.90")
    assert result.signals["reciprocity_ratio"] == pytest.approx(6 / 7, abs=1e-4)
    assert "Accommodates the other side in 100% of answers" in result.reasons
    assert "Average transaction of 360.00 USD is 28% below the 500 USD reference" in result.reasons


@pytest.mark.parametrize(("threshold", "expected"), [(0.949, "big_spender"), (0.951, "average_user")])
def test_big_spender_threshold_just_below_and_above(threshold: float, expected: str) -> None:
    # spend 1, pace 1, flexibility (0.3 + 0.3 + 0) / 3 = 0.2: score = 0.4 + 0.35 + 0.25 * 0.8 = 0.95
    user = big_spender(accommodations=3)

    result = detect_archetype(user, ArchetypeConfig(big_spender_threshold=threshold))

    assert result.scores["big_spender"] == 0.95
    assert result.archetype == expected


@pytest.mark.parametrize(("acceptance", "expected"), [(0.95, "average_user"), (0.97, "high_flexibility")])
def test_high_flexibility_threshold_just_below_and_above(acceptance: float, expected: str) -> None:
    # spend (0 + 0 + 0.5) / 3, full flexibility: score = 0.4 * 5/6 + 0.35 * acceptance + 0.25 * 1
    user = signals(
        transaction_values=[usd(250)],
        average_offer_to_list_ratio=0.8,
        accommodations=10,
        reciprocity_ratio=1.0,
        answers_accepted=10,
        answers_rejected=0,
        acceptance_rate=acceptance,
    )

    result = detect_archetype(user, ArchetypeConfig(high_flexibility_threshold=0.92))

    assert result.scores["high_flexibility"] == pytest.approx(0.4 * 5 / 6 + 0.25 + 0.35 * acceptance, abs=1e-4)
    assert result.archetype == expected


def test_neutral_user_without_accommodations_stays_below_the_big_spender_threshold() -> None:
    user = signals(accommodations=0, reciprocity_ratio=0.0)

    result = detect_archetype(user)

    assert result.scores["big_spender"] == NEUTRAL_BIG_SPENDER_SCORE
    assert result.archetype == "average_user"


@pytest.mark.parametrize("events", [0, 1, 2])
def test_below_min_history_is_new_user(events: int) -> None:
    result = detect_archetype(big_spender(events_count=events))

    assert result.archetype == "new_user"
    assert result.confidence == 0.5
    assert result.default_price_multiplier == Decimal("1.00")


def test_min_history_reached_is_classified() -> None:
    assert detect_archetype(big_spender(events_count=3)).archetype == "big_spender"


def test_user_with_no_events_is_new_with_neutral_scores() -> None:
    result = detect_archetype(describe("u1", SignalAggregates()))

    assert result.archetype == "new_user"
    assert result.reasons[0] == "No events yet; 3 are needed before classifying"
    assert set(result.signals.values()) == {None, 0.0}  # only the accommodation count is known
    assert "8 of 9 signals unknown and treated as neutral" in result.reasons


def test_one_event_reason_is_singular() -> None:
    result = detect_archetype(from_events(created("r1")))

    assert result.reasons[0] == "Only 1 event so far; 3 are needed before classifying"


def test_conflicting_signals_lower_confidence() -> None:
    clean = detect_archetype(big_spender())
    conflicting = detect_archetype(
        big_spender(accommodations=10, reciprocity_ratio=0.7, answers_accepted=10, answers_rejected=0)
    )

    assert clean.archetype == "big_spender"
    assert conflicting.confidence < clean.confidence - 0.2
    assert "Spending and flexibility signals point in different directions, lowering confidence" in conflicting.reasons
    assert "Spending and flexibility signals point in different directions, lowering confidence" not in clean.reasons


def test_missing_signals_lower_confidence() -> None:
    full = detect_archetype(big_spender())
    partial = detect_archetype(big_spender(acceptance_rate=None, price_rejection_rate=None, reciprocity_ratio=None))

    assert partial.confidence < full.confidence
    assert partial.signals["acceptance_rate"] is None
    assert "3 of 9 signals unknown and treated as neutral" in partial.reasons


def test_more_history_raises_confidence() -> None:
    assert detect_archetype(big_spender(events_count=5)).confidence < detect_archetype(big_spender()).confidence


def test_unknown_currency_is_neutral_and_lowers_confidence() -> None:
    known = detect_archetype(big_spender())
    unknown = detect_archetype(big_spender(transaction_values=[usd(750, currency="JPY")]))

    assert unknown.signals["average_transaction_value"] is None
    assert unknown.scores["big_spender"] < known.scores["big_spender"]
    assert unknown.confidence < known.confidence
    assert "No reference transaction value for JPY: transaction value treated as neutral" in unknown.reasons


def test_currency_with_most_transactions_is_used() -> None:
    user = signals(transaction_values=[usd(100, count=1, currency="EUR"), usd(900, count=4, currency="GBP")])

    assert detect_archetype(user).signals["average_transaction_value"] == 900.0


@pytest.mark.parametrize(
    "overrides",
    [
        {"average_offer_to_list_ratio": 1e12, "transaction_values": [usd(10**12)]},
        {"average_offer_to_list_ratio": 0.0, "transaction_values": [usd(0)]},
        {"average_response_time_seconds": 0.0, "request_frequency_per_30_days": float("inf")},
        {"average_response_time_seconds": -5.0, "acceptance_rate": float("nan"), "price_rejection_rate": 7.0},
        {"average_response_time_seconds": 1e15, "accommodations": 10**9, "reciprocity_ratio": -1.0},
    ],
)
def test_extreme_values_are_clipped_not_errors(overrides: dict[str, Any]) -> None:
    result = detect_archetype(signals(**overrides))

    assert 0 <= result.confidence <= 1
    assert all(0 <= score <= 1 for score in result.scores.values())


def test_huge_ratio_scores_like_the_top_of_the_range() -> None:
    capped = detect_archetype(big_spender(average_offer_to_list_ratio=1.2))
    huge = detect_archetype(big_spender(average_offer_to_list_ratio=1e12))

    assert huge.scores == capped.scores
    assert huge.signals["offer_to_list_ratio"] == 1e12


def test_nan_signal_is_reported_unknown() -> None:
    result = detect_archetype(signals(acceptance_rate=float("nan")))

    assert result.signals["acceptance_rate"] is None


def test_response_time_zero_counts_as_fastest() -> None:
    zero = detect_archetype(signals(average_response_time_seconds=0.0))
    five_minutes = detect_archetype(signals(average_response_time_seconds=300.0))

    assert zero.scores == five_minutes.scores
    assert "Responds in about a minute or less on average" in zero.reasons


def test_detection_is_deterministic() -> None:
    user = big_spender(accommodations=3)

    assert detect_archetype(user) == detect_archetype(user)


def test_clear_big_spender_confidence_is_exact() -> None:
    # margin 1, history 1 (25 events), agreement 1 (all parts 1), coverage 1
    result = detect_archetype(big_spender(transaction_values=[usd(1000)]))

    assert result.scores["big_spender"] == 1.0
    assert result.confidence == 1.0
