"""Stored archetypes: freshness, recomputation, and how an admin override is served."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from nudge.behavior.signals import SignalAggregates, apply_events
from nudge.defaults.archetype_detection import DEFAULT_ARCHETYPE_CONFIG, ArchetypeConfig
from nudge.defaults.archetype_state import (
    ArchetypeOverride,
    Resolution,
    StoredArchetype,
    UserState,
    compute,
    effective,
    is_stale,
    resolve,
)
from nudge.defaults.archetype_view import view
from tests.builders import NOW, answered, created, transaction

TTL = timedelta(hours=24)


def big_spender_signals() -> SignalAggregates:
    """Four requests well above list price, answered fast: a big spender (signals version 1)."""
    payloads = [created(f"r{i}", offered="600.00", listed="450.00", amount="700.00") for i in range(4)]
    payloads += [answered(f"a{i}", "accepted", response_time=300) for i in range(2)]
    return apply_events(SignalAggregates(), [transaction(payload) for payload in payloads], NOW)


def new_user_signals() -> SignalAggregates:
    """One event only (signals version 1): too little history to classify."""
    return apply_events(SignalAggregates(), [transaction(created("r1"))], NOW)


def stored(signals: SignalAggregates, computed_at: datetime) -> StoredArchetype:
    return compute("u1", signals, computed_at)


def override(archetype: str = "high_flexibility") -> ArchetypeOverride:
    return ArchetypeOverride.model_validate(
        {"archetype": archetype, "reason": "verified by support", "set_by": "ops", "set_at": NOW}
    )


# is_stale


def test_nothing_stored_is_stale() -> None:
    assert is_stale(None, 0, NOW, TTL) is True


def test_fresh_when_same_version_and_younger_than_the_ttl() -> None:
    current = stored(big_spender_signals(), NOW - timedelta(hours=1))
    assert is_stale(current, 1, NOW, TTL) is False


def test_another_signals_version_is_stale_even_when_just_computed() -> None:
    current = stored(big_spender_signals(), NOW)
    assert is_stale(current, 2, NOW, TTL) is True


def test_exactly_at_the_ttl_is_stale() -> None:
    current = stored(big_spender_signals(), NOW - TTL)
    assert is_stale(current, 1, NOW, TTL) is True


def test_just_below_the_ttl_is_fresh() -> None:
    current = stored(big_spender_signals(), NOW - TTL + timedelta(microseconds=1))
    assert is_stale(current, 1, NOW, TTL) is False


def test_the_ttl_is_the_one_given() -> None:
    current = stored(big_spender_signals(), NOW - timedelta(hours=2))
    assert is_stale(current, 1, NOW, timedelta(hours=1)) is True
    assert is_stale(current, 1, NOW, timedelta(hours=3)) is False


# compute


def test_compute_records_the_signals_version_and_time() -> None:
    signals = big_spender_signals()
    result = compute("u1", signals, NOW)
    assert result.assessment.archetype == "big_spender"
    assert result.signals_version == signals.version == 1
    assert result.computed_at == NOW


# resolve


def test_a_fresh_stored_archetype_is_returned_unchanged() -> None:
    # Stored as big spender for this very signals version; the signals now say new user. Fresh, so
    # the stored one is served as is: no recomputation.
    kept = stored(big_spender_signals(), NOW - timedelta(hours=1))
    state = UserState(signals=new_user_signals(), stored=kept, override=None)

    result = resolve("u1", state, NOW, TTL)

    assert result.current is kept
    assert result.current.assessment.archetype == "big_spender"
    assert result.changed is False
    assert result.override is None


def test_nothing_stored_is_computed_and_worth_writing() -> None:
    result = resolve("u1", UserState(signals=big_spender_signals(), stored=None, override=None), NOW, TTL)

    assert result.current.assessment.archetype == "big_spender"
    assert (result.current.signals_version, result.current.computed_at) == (1, NOW)
    assert result.changed is True


def test_a_new_user_without_any_signals_resolves_to_new_user() -> None:
    result = resolve("u1", UserState(signals=SignalAggregates(), stored=None, override=None), NOW, TTL)

    assert result.current.assessment.archetype == "new_user"
    assert result.current.assessment.confidence == 0.5
    assert result.current.signals_version == 0


def test_stale_by_version_is_recomputed_and_changed_when_the_result_differs() -> None:
    old = stored(new_user_signals(), NOW - timedelta(minutes=5))
    signals = big_spender_signals().model_copy(update={"version": 2})

    result = resolve("u1", UserState(signals=signals, stored=old, override=None), NOW, TTL)

    assert result.current.assessment.archetype == "big_spender"
    assert (result.current.signals_version, result.current.computed_at) == (2, NOW)
    assert result.changed is True


def test_stale_by_age_with_the_same_result_is_not_changed() -> None:
    signals = big_spender_signals()
    old = stored(signals, NOW - TTL - timedelta(seconds=1))

    result = resolve("u1", UserState(signals=signals, stored=old, override=None), NOW, TTL)

    assert result.current is not old
    assert result.current.computed_at == NOW
    assert result.current.assessment == old.assessment
    assert result.changed is False


def test_force_recomputes_a_fresh_archetype() -> None:
    kept = stored(big_spender_signals(), NOW - timedelta(hours=1))
    state = UserState(signals=new_user_signals(), stored=kept, override=None)

    result = resolve("u1", state, NOW, TTL, force=True)

    assert result.current.assessment.archetype == "new_user"
    assert result.current.computed_at == NOW
    assert result.changed is True


def test_force_with_the_same_result_is_not_changed() -> None:
    signals = big_spender_signals()
    kept = stored(signals, NOW - timedelta(hours=1))

    result = resolve("u1", UserState(signals=signals, stored=kept, override=None), NOW, TTL, force=True)

    assert result.current.computed_at == NOW
    assert result.changed is False


def test_resolve_passes_the_override_through() -> None:
    manual = override()
    fresh = stored(big_spender_signals(), NOW)
    state = UserState(signals=big_spender_signals(), stored=fresh, override=manual)

    assert resolve("u1", state, NOW, TTL).override == manual
    assert resolve("u1", state, NOW, TTL, force=True).override == manual


# effective and view


def test_without_an_override_the_computed_assessment_is_effective() -> None:
    current = stored(big_spender_signals(), NOW)
    resolution = Resolution(current, None, changed=False)

    assert effective(resolution) == current.assessment


def test_an_override_is_effective_with_full_confidence_and_its_multiplier() -> None:
    current = stored(big_spender_signals(), NOW)
    resolution = Resolution(current, override("high_flexibility"), changed=False)

    chosen = effective(resolution)

    assert chosen.archetype == "high_flexibility"
    assert chosen.confidence == 1.0
    assert chosen.default_price_multiplier == Decimal("0.90")
    assert chosen.reasons == ["Set by an administrator: verified by support"]
    assert chosen.scores == current.assessment.scores  # the evidence stays the computed one
    assert current.assessment.archetype == "big_spender"  # the stored assessment is not modified


def test_the_override_multiplier_comes_from_the_config() -> None:
    multipliers = {**DEFAULT_ARCHETYPE_CONFIG.default_price_multipliers, "average_user": Decimal("1.05")}
    config = ArchetypeConfig(default_price_multipliers=multipliers)
    resolution = Resolution(stored(big_spender_signals(), NOW), override("average_user"), changed=False)

    assert effective(resolution, config).default_price_multiplier == Decimal("1.05")


def test_view_of_an_override_shows_the_computed_archetype_too() -> None:
    current = stored(big_spender_signals(), NOW - timedelta(hours=3))
    manual = override("average_user")

    shown = view("u1", Resolution(current, manual, changed=False))

    assert shown.user_id == "u1"
    assert (shown.archetype, shown.source, shown.confidence) == ("average_user", "override", 1.0)
    assert shown.default_price_multiplier == Decimal("1.00")
    assert shown.reasons == ["Set by an administrator: verified by support"]
    assert shown.computed == current.assessment
    assert shown.computed.archetype == "big_spender"
    assert shown.computed_at == NOW - timedelta(hours=3)
    assert shown.signals_version == 1
    assert shown.override == manual


def test_view_without_an_override_is_the_computed_archetype() -> None:
    current = stored(big_spender_signals(), NOW)

    shown = view("u1", Resolution(current, None, changed=True))

    assert (shown.archetype, shown.source) == ("big_spender", "computed")
    assert shown.confidence == current.assessment.confidence
    assert shown.default_price_multiplier == Decimal("1.20")
    assert shown.reasons == current.assessment.reasons
    assert shown.override is None
