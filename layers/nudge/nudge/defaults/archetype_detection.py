"""Archetype detection: a weighted, explainable heuristic over nine behavioral signals.

Configuration lives in one object, `ArchetypeConfig`; `DEFAULT_ARCHETYPE_CONFIG` holds the defaults below.

Signals and normalisation. Each signal becomes a level in 0..1 (values outside the range are clipped,
so huge ratios, zeros, negative or infinite values cannot break the arithmetic; an unknown or NaN
signal is neutral, 0.5):

- Economic (weight 0.40)
  - average_transaction_value: the average amount in the user's main currency (the one with the most
    transactions; ties go to the alphabetically first) divided by that currency's reference value
    (USD 500, EUR 460, GBP 400), mapped linearly from 0.5x..1.5x to 0..1. A currency without a
    reference leaves the signal unknown: neutral, and confidence drops.
  - offer_to_list_ratio: the average offered / listed price, mapped from 0.8..1.2 to 0..1.
  - price_rejection_rate: rejected / answered requests, already in 0..1.
- Behavioral (weight 0.35)
  - average_response_time_seconds: faster is higher, on a log scale: 5 minutes or less -> 1,
    24 hours or more -> 0 (a log scale because 5 vs 30 minutes says more than 20 vs 21 hours).
  - acceptance_rate: accepted / answered requests, in 0..1.
  - request_frequency_per_30_days: mapped from 0..6 requests to 0..1.
- Flexibility (weight 0.25)
  - flexibility_score: accommodations / answered requests, in 0..1.
  - accommodations: the accommodation history, mapped from 0..10 accommodations to 0..1.
  - reciprocity_ratio: accommodations / (accommodations + own requests), in 0..1.

Scores. Per category, a big-spender part and a high-flexibility part:

    spend = mean(transaction value, offer ratio, 1 - price rejection)
    flex  = mean(flexibility score, accommodations, reciprocity)
    big_spender      = 0.40 * spend       + 0.35 * mean(speed, request frequency) + 0.25 * (1 - flex)
    high_flexibility = 0.40 * (1 - spend) + 0.35 * acceptance rate               + 0.25 * flex

(each divided by the sum of the weights, so the scores stay in 0..1 whatever the weights). Big
spenders pay above list, answer fast and ask often; flexible users are cost-conscious, accept and
accommodate.

Classification. Fewer than `min_history_events` (3) events -> new_user: one or two events describe
an incident, not a habit. Otherwise a score at or above its threshold (0.65 for both) wins; when both
are, the larger margin over its threshold wins (a tie goes to big_spender); else average_user. A
user whose signals are all neutral scores 0.5 on both; one who has also never accommodated anyone
scores 0.625 on big_spender (no accommodation counts as inflexible), still below the threshold.

Confidence, in 0..1 and rounded to 2 decimals, is the weighted mean of four terms:

- margin (0.40): how far the score is past its threshold, relative to the room above it
  ((score - threshold) / (1 - threshold)); for average_user, how far the nearer score is below its
  threshold relative to `average_margin_span` (0.15).
- history (0.20): events / `full_history_events` (20), capped at 1.
- agreement (0.25): 1 - (max - min) of the three category parts of the winning score (for
  average_user, of the higher score): spending that is high while flexibility is also high is a
  conflict, and lowers confidence.
- coverage (0.15): the share of the nine signals that are known.

A new user's confidence is `new_user_confidence` (0.5): that they are new is certain, but the default
chosen for them is a population-level guess.

Reasons: the verdict first (score against threshold, or the missing history), then what each signal
says when its level is at least `notable_deviation` (0.25) from neutral, then unknown signals, an
unknown currency, and a conflict note when agreement is below `conflict_below` (0.5).

Default price multipliers: big_spender 1.20, high_flexibility 0.90, average_user and new_user 1.00.
"""

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, NamedTuple

from pydantic import Field

from nudge.behavior.signals import TransactionValue, UserSignals
from nudge.defaults.archetype_names import ARCHETYPE_LABELS, ArchetypeType
from nudge.models import NudgeModel
from nudge.money import Amount

Range = tuple[float, float]

NEUTRAL = 0.5


_PRICE_MULTIPLIERS: dict[ArchetypeType, Decimal] = {
    "big_spender": Decimal("1.20"),
    "high_flexibility": Decimal("0.90"),
    "average_user": Decimal("1.00"),
    "new_user": Decimal("1.00"),
}


class ArchetypeConfig(NudgeModel):
    """Every weight, threshold and normalisation range of the detection; see the module docstring."""

    economic_weight: float = 0.40
    behavioral_weight: float = 0.35
    flexibility_weight: float = 0.25
    big_spender_threshold: float = Field(default=0.65, gt=0, lt=1)
    high_flexibility_threshold: float = Field(default=0.65, gt=0, lt=1)
    min_history_events: int = 3
    full_history_events: int = Field(default=20, ge=1)
    reference_transaction_values: dict[str, Annotated[Decimal, Field(gt=0)]] = Field(
        default_factory=lambda: {
            "USD": Decimal(500),
            "EUR": Decimal(460),
            "GBP": Decimal(400),
        }
    )
    transaction_value_ratio_range: Range = (0.5, 1.5)
    offer_to_list_ratio_range: Range = (0.8, 1.2)
    response_time_seconds_range: Range = (300.0, 86400.0)
    request_frequency_range: Range = (0.0, 6.0)
    accommodation_count_range: Range = (0.0, 10.0)
    average_margin_span: float = Field(default=0.15, gt=0)
    margin_confidence_weight: float = 0.40
    history_confidence_weight: float = 0.20
    agreement_confidence_weight: float = 0.25
    coverage_confidence_weight: float = 0.15
    new_user_confidence: float = 0.5
    # A level at least this far from neutral is worth a reason; agreement below `conflict_below` is reported.
    notable_deviation: float = 0.25
    conflict_below: float = 0.5
    default_price_multipliers: dict[ArchetypeType, Decimal] = Field(default_factory=_PRICE_MULTIPLIERS.copy)


# Built without validation: importing (cold start) should not pay for a schema; a unit test validates it.
DEFAULT_ARCHETYPE_CONFIG = ArchetypeConfig.model_construct()


class ArchetypeAssessment(NudgeModel):
    archetype: ArchetypeType
    confidence: float = Field(ge=0, le=1)
    default_price_multiplier: Amount
    scores: dict[str, float]
    signals: dict[str, float | None]
    reasons: list[str]


class _Reading(NamedTuple):
    raw: float | None
    level: float | None  # normalised to 0..1; None when unknown
    phrase: str  # what the raw value says, used as a reason when the level is notable


def _reading(raw: float | None, normalise: Callable[[float], float], phrase: Callable[[float], str]) -> _Reading:
    if raw is None or math.isnan(raw):
        return _Reading(None, None, "")
    return _Reading(raw, _clip(normalise(raw)), phrase(raw))


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _linear(bounds: Range) -> Callable[[float], float]:
    low, high = bounds
    return lambda value: (value - low) / (high - low)


def _speed(bounds: Range) -> Callable[[float], float]:
    low, high = bounds
    return lambda seconds: 1 - math.log(min(max(seconds, low), high) / low) / math.log(high / low)


def _identity(value: float) -> float:
    return value


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _relative(ratio: float) -> str:
    return f"{abs(ratio - 1):.0%} {'above' if ratio >= 1 else 'below'}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return "about a minute or less"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} minutes"
    if seconds < 129600:
        return f"about {seconds / 3600:.0f} hours"
    return f"about {seconds / 86400:.0f} days"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _main_transaction(signals: UserSignals) -> TransactionValue | None:
    """The transaction values in the currency with the most transactions (ties: alphabetical)."""
    return min(signals.transaction_values, key=lambda value: (-value.count, value.currency), default=None)


def _transaction_reading(signals: UserSignals, config: ArchetypeConfig) -> _Reading:
    main = _main_transaction(signals)
    reference = config.reference_transaction_values.get(main.currency) if main else None
    if main is None or reference is None:
        return _Reading(None, None, "")
    currency, scale = main.currency, float(reference)
    to_level = _linear(config.transaction_value_ratio_range)
    return _reading(
        float(main.average),
        lambda average: to_level(average / scale),
        lambda average: (
            f"Average transaction of {average:.2f} {currency} is {_relative(average / scale)} "
            f"the {reference} {currency} reference"
        ),
    )


def _economic(signals: UserSignals, config: ArchetypeConfig) -> dict[str, _Reading]:
    return {
        "average_transaction_value": _transaction_reading(signals, config),
        "offer_to_list_ratio": _reading(
            signals.average_offer_to_list_ratio,
            _linear(config.offer_to_list_ratio_range),
            lambda ratio: f"Offers on average {_relative(ratio)} the listed price",
        ),
        "price_rejection_rate": _reading(
            signals.price_rejection_rate, _identity, lambda rate: f"Rejects {_percent(rate)} of requests on price"
        ),
    }


def _behavioral(signals: UserSignals, config: ArchetypeConfig) -> dict[str, _Reading]:
    return {
        "average_response_time_seconds": _reading(
            signals.average_response_time_seconds,
            _speed(config.response_time_seconds_range),
            lambda seconds: f"Responds in {_duration(seconds)} on average",
        ),
        "acceptance_rate": _reading(
            signals.acceptance_rate, _identity, lambda rate: f"Accepts {_percent(rate)} of requests"
        ),
        "request_frequency_per_30_days": _reading(
            signals.request_frequency_per_30_days,
            _linear(config.request_frequency_range),
            lambda frequency: f"Makes {frequency:.1f} date-change requests per 30 days",
        ),
    }


def _flexibility(signals: UserSignals, config: ArchetypeConfig) -> dict[str, _Reading]:
    answers = signals.answers_accepted + signals.answers_rejected + signals.answers_countered
    return {
        "flexibility_score": _reading(
            signals.accommodations / answers if answers else None,
            _identity,
            lambda share: f"Accommodates the other side in {_percent(share)} of answers",
        ),
        "accommodations": _reading(
            float(signals.accommodations),
            _linear(config.accommodation_count_range),
            lambda count: f"Has accommodated {_plural(int(count), 'date change')}",
        ),
        "reciprocity_ratio": _reading(
            signals.reciprocity_ratio,
            _identity,
            lambda ratio: f"Accommodations are {_percent(ratio)} of their exchanges (the rest are own requests)",
        ),
    }


class _Parts(NamedTuple):
    """Category parts (economic, behavioral, flexibility) of one score, each in 0..1."""

    economic: float
    behavioral: float
    flexibility: float

    def score(self, config: ArchetypeConfig) -> float:
        weights = (config.economic_weight, config.behavioral_weight, config.flexibility_weight)
        return sum(weight * part for weight, part in zip(weights, self, strict=True)) / sum(weights)

    def agreement(self) -> float:
        return 1 - (max(self) - min(self))


def _parts(levels: dict[str, float]) -> dict[ArchetypeType, _Parts]:
    spend = (
        levels["average_transaction_value"] + levels["offer_to_list_ratio"] + 1 - levels["price_rejection_rate"]
    ) / 3
    flex = (levels["flexibility_score"] + levels["accommodations"] + levels["reciprocity_ratio"]) / 3
    pace = (levels["average_response_time_seconds"] + levels["request_frequency_per_30_days"]) / 2
    return {
        "big_spender": _Parts(spend, pace, 1 - flex),
        "high_flexibility": _Parts(1 - spend, levels["acceptance_rate"], flex),
    }


def _classify(scores: dict[ArchetypeType, float], config: ArchetypeConfig) -> tuple[ArchetypeType, float]:
    """The archetype and the margin term of its confidence."""
    thresholds: dict[ArchetypeType, float] = {
        "big_spender": config.big_spender_threshold,
        "high_flexibility": config.high_flexibility_threshold,
    }
    margins = {name: scores[name] - thresholds[name] for name in thresholds}
    best = max(margins, key=margins.__getitem__)  # insertion order: a tie goes to big_spender
    if margins[best] >= 0:
        return best, _clip(margins[best] / (1 - thresholds[best]))
    return "average_user", _clip(-margins[best] / config.average_margin_span)


def _confidence(margin: float, agreement: float, coverage: float, events: int, config: ArchetypeConfig) -> float:
    terms = (
        (config.margin_confidence_weight, margin),
        (config.history_confidence_weight, min(events / config.full_history_events, 1.0)),
        (config.agreement_confidence_weight, agreement),
        (config.coverage_confidence_weight, coverage),
    )
    return round(_clip(sum(weight * term for weight, term in terms) / sum(weight for weight, _ in terms)), 2)


def _verdict(archetype: ArchetypeType, scores: dict[ArchetypeType, float], events: int, config: ArchetypeConfig) -> str:
    if archetype == "new_user":
        history = f"Only {_plural(events, 'event')} so far" if events else "No events yet"
        return f"{history}; {config.min_history_events} are needed before classifying"
    if archetype == "average_user":
        return (
            f"Neither the big spender score ({scores['big_spender']:.2f}) nor the high flexibility score "
            f"({scores['high_flexibility']:.2f}) reaches its threshold "
            f"({config.big_spender_threshold:.2f} / {config.high_flexibility_threshold:.2f})"
        )
    threshold = config.big_spender_threshold if archetype == "big_spender" else config.high_flexibility_threshold
    return f"{ARCHETYPE_LABELS[archetype]} score {scores[archetype]:.2f} is at or above the {threshold:.2f} threshold"


def _notes(signals: UserSignals, readings: dict[str, _Reading], agreement: float, config: ArchetypeConfig) -> list[str]:
    notes = [
        reading.phrase
        for reading in readings.values()
        if reading.level is not None and abs(reading.level - NEUTRAL) >= config.notable_deviation
    ]
    main = _main_transaction(signals)
    if main and main.currency not in config.reference_transaction_values:
        notes.append(f"No reference transaction value for {main.currency}: transaction value treated as neutral")
    unknown = sum(reading.level is None for reading in readings.values())
    if unknown:
        notes.append(f"{unknown} of {len(readings)} signals unknown and treated as neutral")
    if agreement < config.conflict_below:
        notes.append("Spending and flexibility signals point in different directions, lowering confidence")
    return notes


def detect_archetype(signals: UserSignals, config: ArchetypeConfig = DEFAULT_ARCHETYPE_CONFIG) -> ArchetypeAssessment:
    """Classify a user from their signals; deterministic, and total over any `UserSignals`."""
    readings = _economic(signals, config) | _behavioral(signals, config) | _flexibility(signals, config)
    levels = {name: NEUTRAL if reading.level is None else reading.level for name, reading in readings.items()}
    parts = _parts(levels)
    scores = {name: part.score(config) for name, part in parts.items()}
    archetype, margin = _classify(scores, config)
    agreement = parts[max(scores, key=scores.__getitem__) if archetype == "average_user" else archetype].agreement()
    coverage = sum(reading.level is not None for reading in readings.values()) / len(readings)
    confidence = _confidence(margin, agreement, coverage, signals.events_count, config)
    if signals.events_count < config.min_history_events:
        archetype, confidence = "new_user", config.new_user_confidence
    return ArchetypeAssessment.model_construct(
        archetype=archetype,
        confidence=confidence,
        default_price_multiplier=config.default_price_multipliers[archetype],
        scores={name: round(score, 4) for name, score in scores.items()},
        signals={name: reading.raw for name, reading in readings.items()},
        reasons=[
            _verdict(archetype, scores, signals.events_count, config),
            *_notes(signals, readings, agreement, config),
        ],
    )
