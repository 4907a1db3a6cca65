from collections import Counter
from decimal import Decimal

import pytest
from pydantic import ValidationError

from nudge.anchoring.experiment_assignment import Variant, bucket, check_variants, choose_variant
from nudge.errors import InvalidInput

USERS = [f"user-{i}" for i in range(10_000)]


def variants(*traffic: int, controls: tuple[int, ...] = (0,)) -> list[Variant]:
    return [
        Variant(variant_id=f"v{i}", traffic_percentage=share, is_control=i in controls)
        for i, share in enumerate(traffic)
    ]


def test_bucket_is_deterministic_and_pinned() -> None:
    # Pinned values: another service (or a replay) computing the same hash must agree.
    assert bucket("exp1", "user-1") == 9955
    assert bucket("exp2", "user-1") == 7271
    assert all(bucket("exp1", user) == bucket("exp1", user) for user in USERS[:100])
    assert all(0 <= bucket("exp1", user) < 10_000 for user in USERS)


def test_same_user_same_variant_on_repeat_calls() -> None:
    configured = variants(50, 50)
    first = [choose_variant("exp", user, configured) for user in USERS]
    again = [choose_variant("exp", user, configured) for user in USERS]
    assert first == again


@pytest.mark.parametrize("traffic", [(50, 50), (20, 30, 50)])
def test_split_follows_traffic_within_two_points(traffic: tuple[int, ...]) -> None:
    configured = variants(*traffic)
    counts = Counter(choose_variant("pricing_tiers_v2", user, configured) for user in USERS)
    for i, share in enumerate(traffic):
        assert abs(counts[f"v{i}"] / len(USERS) * 100 - share) <= 2


def test_zero_traffic_variant_is_never_chosen() -> None:
    configured = variants(0, 100)
    assert {choose_variant("exp", user, configured) for user in USERS[:2000]} == {"v1"}


def test_cumulative_ranges_in_the_given_order() -> None:
    configured = variants(20, 30, 50)
    for user in USERS[:500]:
        position = bucket("exp", user)
        expected = "v0" if position < 2000 else "v1" if position < 5000 else "v2"
        assert choose_variant("exp", user, configured) == expected


def test_experiments_are_independent() -> None:
    configured = variants(50, 50)
    same = sum(choose_variant("a", user, configured) == choose_variant("b", user, configured) for user in USERS)
    assert 4600 < same < 5400  # about half agree by chance, not all


def test_valid_variants_pass() -> None:
    check_variants(variants(20, 30, 50))
    check_variants(variants(*([10] * 10)))


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        (variants(50, 49), "sum to 100, got 99"),
        (variants(50, 51), "sum to 100, got 101"),
        (variants(50, 50, controls=(0, 1)), "exactly one variant must be the control, got 2"),
        (variants(50, 50, controls=()), "exactly one variant must be the control, got 0"),
        (variants(100), "2 to 10 variants, got 1"),
        (variants(*([9] * 11), 1), "2 to 10 variants, got 12"),
        ([], "2 to 10 variants, got 0"),
        (
            [
                Variant(variant_id="same", traffic_percentage=50, is_control=True),
                Variant(variant_id="same", traffic_percentage=50),
            ],
            "unique",
        ),
    ],
)
def test_invalid_variants(configured: list[Variant], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_variants(configured)
    assert caught.value.field == "variants"
    assert message in caught.value.message
    with pytest.raises(InvalidInput):
        choose_variant("exp", "user-1", configured)


def test_variant_model() -> None:
    variant = Variant.model_validate(
        {"variant_id": "variant_a", "traffic_percentage": 50, "multipliers": {"budget": "0.85", "premium": 1.2}}
    )
    assert variant.multipliers == {"budget": Decimal("0.85"), "premium": Decimal("1.2")}
    assert variant.is_control is False
    assert variant.model_dump(mode="json")["multipliers"] == {"budget": 0.85, "premium": 1.2}


@pytest.mark.parametrize(
    "payload",
    [
        {"variant_id": "A", "traffic_percentage": 50},
        {"variant_id": "a", "traffic_percentage": 101},
        {"variant_id": "a", "traffic_percentage": -1},
        {"variant_id": "a", "traffic_percentage": 50, "multipliers": {"budget": 0}},
        {"variant_id": "a", "traffic_percentage": 50, "other": 1},
    ],
)
def test_variant_model_rejects_bad_fields(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Variant.model_validate(payload)
