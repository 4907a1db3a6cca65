from datetime import timedelta
from decimal import Decimal

from nudge.behavior.signals import SignalAggregates, apply_events, describe
from tests.builders import NOW, answered, created, transaction


def test_requests_add_counts_sums_and_ratios() -> None:
    batch = [
        transaction(created("r1", offered="540.00", listed="450.00")),
        transaction(created("r2", offered="400.00", listed="500.00")),
    ]

    result = apply_events(SignalAggregates(), batch, NOW)

    assert result.requests_created == 2
    assert result.offers_above_list == 1
    assert result.offer_to_list_ratio_total == Decimal("2.000000")  # 1.2 + 0.8
    assert result.transaction_value_totals == {"USD": Decimal("940.00")}
    assert result.transaction_counts == {"USD": 2}
    assert result.events_count == 2
    assert result.version == 1
    assert result.updated_at == NOW


def test_answers_count_by_outcome_with_response_time_and_accommodations() -> None:
    batch = [
        transaction(answered("a1", "accepted", response_time=100, accommodated=True)),
        transaction(answered("a2", "rejected", response_time=200)),
        transaction(answered("a3", "countered", response_time=300)),
    ]

    result = apply_events(SignalAggregates(), batch, NOW)

    assert (result.answers_accepted, result.answers_rejected, result.answers_countered) == (1, 1, 1)
    assert result.response_time_total_seconds == 600
    assert result.accommodations == 1
    assert result.requests_created == 0


def test_incremental_batches_equal_one_batch() -> None:
    events = [transaction(created(f"r{i}", offered=f"{400 + i}.00")) for i in range(5)] + [transaction(answered("a1"))]

    stepwise = apply_events(apply_events(SignalAggregates(), events[:2], NOW), events[2:], NOW)
    at_once = apply_events(SignalAggregates(), events, NOW)

    assert stepwise.model_dump(exclude={"version"}) == at_once.model_dump(exclude={"version"})
    assert stepwise.version == 2


def test_first_and_last_seen_track_occurrence_not_arrival_order() -> None:
    late = transaction(created("late", occurred_at=(NOW - timedelta(days=1)).isoformat()))
    early = transaction(created("early", occurred_at=(NOW - timedelta(days=9)).isoformat()))

    result = apply_events(SignalAggregates(), [late, early], NOW)

    assert result.first_event_at == NOW - timedelta(days=9)
    assert result.last_event_at == NOW - timedelta(days=1)


def test_apply_does_not_mutate_the_input() -> None:
    original = SignalAggregates()
    apply_events(original, [transaction(created("r1"))], NOW)
    assert original == SignalAggregates()


def test_describe_derives_rates_and_averages() -> None:
    batch = [
        transaction(created("r1", offered="540.00", listed="450.00", amount="540.00")),
        transaction(created("r2", offered="450.00", listed="450.00", amount="451.00")),
        transaction(
            created(
                "r3",
                offered="450.00",
                listed="450.00",
                amount="452.00",
                occurred_at=(NOW - timedelta(days=61)).isoformat(),
            )
        ),
        transaction(answered("a1", "accepted", response_time=60, accommodated=True)),
        transaction(answered("a2", "rejected", response_time=120)),
        transaction(answered("a3", "rejected", response_time=120)),
        transaction(answered("a4", "countered", response_time=100)),
    ]

    signals = describe("u1", apply_events(SignalAggregates(), batch, NOW))

    assert signals.acceptance_rate == 0.25
    assert signals.price_rejection_rate == 0.5
    assert signals.average_response_time_seconds == 100.0
    assert signals.above_list_offer_rate == 0.3333
    assert signals.average_offer_to_list_ratio == 1.0667  # (1.2 + 1 + 1) / 3
    assert signals.reciprocity_ratio == 0.25  # 1 accommodation / (1 + 3 requests)
    # three requests between the first event (61 days ago) and the last (1 hour ago): 3 * 30 / 60.958
    assert signals.request_frequency_per_30_days == 1.4764
    [usd] = signals.transaction_values
    assert (usd.count, usd.total, usd.average) == (3, Decimal("1443.00"), Decimal("481.00"))


def test_describe_with_no_history_has_no_rates() -> None:
    signals = describe("new", SignalAggregates())
    assert signals.events_count == 0
    assert signals.acceptance_rate is None
    assert signals.reciprocity_ratio is None
    assert signals.request_frequency_per_30_days is None
    assert signals.transaction_values == []


def test_short_history_frequency_uses_a_thirty_day_floor() -> None:
    batch = [transaction(created(f"r{i}")) for i in range(3)]
    signals = describe("u", apply_events(SignalAggregates(), batch, NOW))
    assert signals.request_frequency_per_30_days == 3.0


def test_amounts_serialize_as_json_numbers() -> None:
    signals = describe("u", apply_events(SignalAggregates(), [transaction(created("r1", amount="12.34"))], NOW))
    dumped = signals.model_dump(mode="json")
    assert dumped["transaction_values"][0]["total"] == 12.34
