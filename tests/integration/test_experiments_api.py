"""Tier-multiplier experiments (/v1/admin/experiments) against DynamoDB (moto): creation rules, the caller's
variant applied to offers and recorded, sticky assignment across traffic changes, stopping, and results.

At most one experiment runs at a time and the catalog is global, so every test that runs one does it through
`run_experiment`, which stops it at the end whatever happens; tests run one at a time. Experiment ids are
fixed per test (each session starts with empty tables), so the user ids below land in the same buckets on
every run and the split assertions are deterministic, with tolerances that would also hold for fresh ids.

Cost: on moto every TransactWriteItems deep-copies the tables it touches, so each offer costs tens of
milliseconds and more as the tables grow. The API is driven for a sample of users, each of whom must get
exactly the variant `choose_variant` gives; the split itself is then checked over 400 users of the same
experiment through that function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from nudge.anchoring.anchoring_table import AnchoringTable
from nudge.anchoring.experiment_assignment import Variant, bucket, choose_variant
from nudge.behavior.behavior_table import behavior_table
from tests.integration.conftest import Answer, Api
from tests.integration.test_pricing_tiers_api import ADMIN, new_booking, offered, select, settle

EXPERIMENTS = "/v1/admin/experiments"
CONTROL = {"variant_id": "control", "traffic_percentage": 50, "is_control": True}
TREATMENT = {"variant_id": "steeper", "traffic_percentage": 50, "multipliers": {"premium": 1.25, "budget": 0.85}}

RunExperiment = Callable[..., dict[str, Any]]


def experiment_body(experiment_id: str, *variants: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"experiment_id": experiment_id, "name": f"Experiment {experiment_id}", "variants": list(variants)} | fields


def create(api: Api, body: dict[str, Any], admin: bool = True) -> Answer:
    return api.call("POST", EXPERIMENTS, body, user=ADMIN if admin else "mallory", admin=admin)


def change(api: Api, experiment_id: str, body: dict[str, Any], admin: bool = True) -> Answer:
    return api.call("PATCH", f"{EXPERIMENTS}/{experiment_id}", body, user=ADMIN if admin else "mallory", admin=admin)


def listed(api: Api) -> dict[str, dict[str, Any]]:
    answer = api.call("GET", EXPERIMENTS, user=ADMIN, admin=True)
    assert answer.status == 200
    return {experiment["experiment_id"]: experiment for experiment in answer.body["experiments"]}


def results(api: Api, experiment_id: str) -> dict[str, Any]:
    answer = api.call("GET", f"{EXPERIMENTS}/{experiment_id}/results", user=ADMIN, admin=True)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def audit_for(api: Api, experiment_id: str) -> list[dict[str, Any]]:
    answer = api.call("GET", "/v1/admin/audit-log?limit=100", user=ADMIN, admin=True)
    assert answer.status == 200
    return [record for record in answer.body["records"] if record["target"] == f"experiment:{experiment_id}"]


def variants_of(experiment: dict[str, Any]) -> list[Variant]:
    return [Variant.model_validate(variant) for variant in experiment["variants"]]


def shown_variant(api: Api, user: str, **fields: Any) -> str | None:
    body = offered(api, user, **fields)
    return None if body["experiment"] is None else str(body["experiment"]["variant_id"])


def users_in(experiment: dict[str, Any], variant_id: str, count: int, prefix: str = "u") -> list[str]:
    """The first `count` users (by a fixed naming) that the experiment assigns to `variant_id`."""
    variants = variants_of(experiment)
    found: list[str] = []
    index = 0
    while len(found) < count:
        candidate = f"{experiment['experiment_id']}-{prefix}{index}"
        if choose_variant(experiment["experiment_id"], candidate, variants) == variant_id:
            found.append(candidate)
        index += 1
    return found


@pytest.fixture
def run_experiment(api: Api) -> Iterator[RunExperiment]:
    """Start experiments (none may be running before); every one started is stopped at the end."""
    running = [e["experiment_id"] for e in listed(api).values() if e["status"] == "running"]
    assert running == [], f"an earlier test left {running} running"
    started: list[str] = []

    def start(experiment_id: str, *variants: dict[str, Any]) -> dict[str, Any]:
        answer = create(api, experiment_body(experiment_id, *(variants or (CONTROL, TREATMENT))))
        assert answer.status == 200, answer.body
        started.append(experiment_id)
        return dict(answer.body)

    try:
        yield start
    finally:
        for experiment_id in started:
            stopped = change(api, experiment_id, {"status": "stopped"})
            assert stopped.status == 200, stopped.body


# Creating experiments


INVALID_EXPERIMENTS = [
    pytest.param(
        [CONTROL, TREATMENT | {"traffic_percentage": 40}], "traffic percentages must sum to 100, got 90", id="sum-90"
    ),
    pytest.param(
        [CONTROL, TREATMENT | {"traffic_percentage": 60}], "traffic percentages must sum to 100, got 110", id="sum-110"
    ),
    pytest.param(
        [CONTROL, TREATMENT | {"is_control": True}], "exactly one variant must be the control, got 2", id="two-controls"
    ),
    pytest.param(
        [CONTROL | {"is_control": False}, TREATMENT], "exactly one variant must be the control, got 0", id="no-control"
    ),
    pytest.param(
        [CONTROL, TREATMENT | {"variant_id": "control"}], "variant_id values must be unique", id="duplicate-variant-ids"
    ),
    pytest.param(
        [CONTROL, TREATMENT | {"multipliers": {"platinum": 1.5}}], "unknown tiers: platinum", id="unknown-tier"
    ),
]


@pytest.mark.parametrize(("variants", "problem"), INVALID_EXPERIMENTS)
def test_invalid_experiments_are_422_and_nothing_is_written(
    api: Api, variants: list[dict[str, Any]], problem: str
) -> None:
    experiment_id = "invalid_experiment"

    answer = create(api, experiment_body(experiment_id, *variants))

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "variants", "problem": problem}]
    assert experiment_id not in listed(api)
    assert audit_for(api, experiment_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            experiment_body("one_variant", CONTROL | {"traffic_percentage": 100}), "variants", id="one-variant"
        ),
        pytest.param(
            experiment_body("zero_mult", CONTROL, TREATMENT | {"multipliers": {"premium": 0}}),
            "variants[1].multipliers.premium",
            id="zero-multiplier",
        ),
        pytest.param(
            experiment_body(
                "traffic_101", CONTROL | {"traffic_percentage": 101}, TREATMENT | {"traffic_percentage": -1}
            ),
            "variants[0].traffic_percentage",
            id="traffic-out-of-range",
        ),
        pytest.param(experiment_body("Bad-Id", CONTROL, TREATMENT), "experiment_id", id="malformed-id"),
        pytest.param(experiment_body("extra_field", CONTROL, TREATMENT, owner="me"), "owner", id="unknown-field"),
        pytest.param(experiment_body("bad_status", CONTROL, TREATMENT, status="paused"), "status", id="unknown-status"),
    ],
)
def test_malformed_experiments_are_422_and_nothing_is_written(api: Api, body: dict[str, Any], field: str) -> None:
    answer = create(api, body)

    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == field
    assert body["experiment_id"] not in listed(api)


def test_a_second_running_experiment_is_409(api: Api, run_experiment: RunExperiment) -> None:
    run_experiment("first_running")

    second = create(api, experiment_body("second_running", CONTROL, TREATMENT))

    assert second.status == 409
    assert second.body["error"]["fields"] == [
        {"field": "status", "problem": "experiment 'first_running' is running; stop it first"}
    ]
    assert "second_running" not in listed(api)
    # A stopped one may be created, but not started while the other runs.
    parked = create(api, experiment_body("parked", CONTROL, TREATMENT, status="stopped"))
    assert (parked.status, parked.body["status"]) == (200, "stopped")
    started = change(api, "parked", {"status": "running"})
    assert started.status == 409
    assert listed(api)["parked"]["status"] == "stopped"
    duplicate = create(api, experiment_body("parked", CONTROL, TREATMENT, status="stopped"))
    assert duplicate.status == 409
    assert [record["action"] for record in audit_for(api, "parked")] == ["experiment.create"]


# Offers under an experiment


def test_offers_apply_the_callers_variant_and_selections_record_it(
    api: Api, stack: LocalStack, run_experiment: RunExperiment
) -> None:
    experiment = run_experiment("apply_variant")
    [control_user] = users_in(experiment, "control", 1)
    [treated_user] = users_in(experiment, "steeper", 1)

    control = offered(api, control_user)
    booking = new_booking()
    treated = offered(api, treated_user, booking)

    assert control["experiment"] == {"experiment_id": "apply_variant", "variant_id": "control"}
    assert treated["experiment"] == {"experiment_id": "apply_variant", "variant_id": "steeper"}
    assert [(t["tier_id"], t["multiplier"], t["calculated_price"]) for t in control["tiers"]] == [
        ("premium", 1.15, 517.50),
        ("recommended", 1.0, 450.00),
        ("budget", 0.9, 405.00),
    ]
    # 450 x 1.25 = 562.50 (2272.50, 80.15% of 2835); 450 x 0.85 = 382.50
    assert [
        (t["tier_id"], t["multiplier"], t["calculated_price"], t["savings_percentage"]) for t in treated["tiers"]
    ] == [
        ("premium", 1.25, 562.50, 80.15),
        ("recommended", 1.0, 450.00, 84.12),
        ("budget", 0.85, 382.50, 86.50),
    ]
    stored = behavior_table().get_state(treated_user, ["apply_variant"])
    assert stored.assignments == {"apply_variant": "steeper"}
    impression = AnchoringTable(stack.template.ref("AnchoringTable"), stack.emulator.client("dynamodb")).first_shown_at(
        treated_user, booking
    )
    assert impression is not None
    assert (impression[0].experiment_id, impression[0].variant_id) == ("apply_variant", "steeper")

    chosen = select(api, treated_user, booking, tier="premium")

    assert chosen.status == 200
    assert (chosen.body["multiplier"], chosen.body["final_price"], chosen.body["total_cost"]) == (1.25, 562.50, 567.50)
    assert (chosen.body["experiment_id"], chosen.body["variant_id"]) == ("apply_variant", "steeper")


def test_assignment_is_sticky_and_follows_the_split(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("sticky_split")
    variants = variants_of(experiment)
    users = [f"sticky_split-user{i}" for i in range(48)]

    first = {user: shown_variant(api, user) for user in users}

    assert first == {user: choose_variant("sticky_split", user, variants) for user in users}
    again = {user: shown_variant(api, user, archetype="average_user") for user in users[:8]}
    assert again == {user: first[user] for user in users[:8]}
    assert 12 <= list(first.values()).count("control") <= 36
    # The same assignment over many users: within 4 standard deviations (10) of 50/50.
    many = [choose_variant("sticky_split", f"sticky_split-user{i}", variants) for i in range(400)]
    assert abs(many.count("control") - 200) <= 40
    report = results(api, "sticky_split")["results"]
    assigned = {v["variant_id"]: (v["assigned"], v["impressions"]) for v in report["variants"]}
    control_count = list(first.values()).count("control")
    assert assigned == {
        "control": (control_count, control_count + list(again.values()).count("control")),
        "steeper": (48 - control_count, 48 - control_count + list(again.values()).count("steeper")),
    }
    assert report["sample_ratio"]["observed"] == {"control": control_count, "steeper": 48 - control_count}
    assert report["sample_ratio"]["expected"] == {"control": 24.0, "steeper": 24.0}

    changed = change(api, "sticky_split", {"traffic": {"control": 90, "steeper": 10}})

    assert changed.status == 200
    assert [(v["variant_id"], v["traffic_percentage"]) for v in changed.body["variants"]] == [
        ("control", 90),
        ("steeper", 10),
    ]
    new_split = variants_of(changed.body)
    # Users in `steeper` whose bucket the new split gives to `control` keep `steeper`.
    movers = [user for user in users if first[user] == "steeper" and bucket("sticky_split", user) < 9000]
    assert movers
    assert all(choose_variant("sticky_split", user, new_split) == "control" for user in movers)
    assert {user: shown_variant(api, user) for user in movers} == dict.fromkeys(movers, "steeper")
    # New users follow the new split.
    newcomers = [f"sticky_split-new{i}" for i in range(24)]
    later = {user: shown_variant(api, user) for user in newcomers}
    assert later == {user: choose_variant("sticky_split", user, new_split) for user in newcomers}
    assert list(later.values()).count("control") >= 16
    many_later = [choose_variant("sticky_split", f"sticky_split-new{i}", new_split) for i in range(400)]
    assert abs(many_later.count("control") - 360) <= 24  # 4 standard deviations (6)
    update = audit_for(api, "sticky_split")[0]
    assert update["action"] == "experiment.update"
    assert [v["traffic_percentage"] for v in update["before"]["variants"]] == [50, 50]
    assert [v["traffic_percentage"] for v in update["after"]["variants"]] == [90, 10]


@pytest.mark.parametrize(
    ("experiment_id", "body", "field", "problem"),
    [
        pytest.param(
            "change_sum",
            {"traffic": {"control": 60}},
            "variants",
            "traffic percentages must sum to 100, got 110",
            id="sum-110",
        ),
        pytest.param(
            "change_unknown", {"traffic": {"other": 50}}, "traffic", "unknown variants: other", id="unknown-variant"
        ),
        pytest.param(
            "change_range",
            {"traffic": {"control": 150, "steeper": -50}},
            "traffic",
            "traffic percentages must be 0 to 100: control, steeper",
            id="out-of-range",
        ),
        pytest.param("change_status", {"status": "paused"}, "status", None, id="unknown-status"),
        pytest.param("change_field", {"variants": []}, "variants", None, id="unknown-field"),
    ],
)
def test_invalid_changes_are_422_and_change_nothing(
    api: Api, run_experiment: RunExperiment, experiment_id: str, body: dict[str, Any], field: str, problem: str | None
) -> None:
    experiment = run_experiment(experiment_id)

    answer = change(api, experiment_id, body)

    assert answer.status == 422
    assert answer.body["error"]["fields"][0]["field"] == field
    if problem:
        assert answer.body["error"]["fields"] == [{"field": field, "problem": problem}]
    assert listed(api)[experiment_id] == experiment
    assert [record["action"] for record in audit_for(api, experiment_id)] == ["experiment.create"]
    # Offers still work: nothing invalid was stored in the catalog.
    assert shown_variant(api, f"{experiment_id}-user") in ("control", "steeper")


def test_a_stopped_experiment_leaves_the_offers(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("stop_me")
    [treated_user] = users_in(experiment, "steeper", 1)
    assert shown_variant(api, treated_user) == "steeper"

    stopped = change(api, "stop_me", {"status": "stopped"})

    assert (stopped.status, stopped.body["status"]) == (200, "stopped")
    body = offered(api, treated_user)
    assert body["experiment"] is None
    assert [t["multiplier"] for t in body["tiers"]] == [1.15, 1.0, 0.9]
    update, create_record = audit_for(api, "stop_me")
    assert (create_record["action"], create_record["before"], create_record["after"]["status"]) == (
        "experiment.create",
        None,
        "running",
    )
    assert (update["action"], update["before"]["status"], update["after"]["status"]) == (
        "experiment.update",
        "running",
        "stopped",
    )
    assert update["after"] == stopped.body
    assert listed(api)["stop_me"]["status"] == "stopped"


def test_changing_an_unknown_experiment_is_404(api: Api) -> None:
    assert change(api, "no_such_experiment", {"status": "stopped"}).status == 404
    assert api.call("GET", f"{EXPERIMENTS}/no_such_experiment/results", user=ADMIN, admin=True).status == 404
    assert audit_for(api, "no_such_experiment") == []


# Results


def shown(value: float) -> Any:
    """The expected figure, whether the API shows it in full or rounded to four decimals."""
    return pytest.approx(value, abs=5e-5)


def _probability_to_beat(conversions: tuple[int, int], impressions: tuple[int, int]) -> float:
    """The documented normal approximation of P(q_variant > q_control) with Beta(1 + x, 1 + n - x)."""
    moments = []
    for x, n in zip(conversions, impressions, strict=True):
        a, b = 1.0 + x, 1.0 + n - x
        moments.append((a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))))
    (mean_v, var_v), (mean_c, var_c) = moments
    return 0.5 * math.erfc(-((mean_v - mean_c) / math.sqrt(var_v + var_c)) / math.sqrt(2.0))


def test_results_per_variant_against_control(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("results")
    outcomes = {  # per user: the selection's fate, None for no selection
        "control": ["completed", "completed", "cancelled", None, None, None],
        "steeper": ["completed", "completed", "completed", "pending", None, None],
    }
    for variant_id, fates in outcomes.items():
        for user, fate in zip(users_in(experiment, variant_id, len(fates)), fates, strict=True):
            booking = new_booking()
            assert offered(api, user, booking)["experiment"]["variant_id"] == variant_id
            if fate is None:
                continue
            chosen = select(api, user, booking, tier="premium")
            assert chosen.status == 200
            assert chosen.body["variant_id"] == variant_id
            if fate != "pending":
                assert settle(api, chosen.body["selection_id"], fate, user).status == 200

    report = results(api, "results")

    assert report["experiment"]["experiment_id"] == "results"
    control, steeper = report["results"]["variants"]
    counts = [
        (v["variant_id"], v["is_control"], v["assigned"], v["impressions"], v["selections"], v["conversions"])
        for v in (control, steeper)
    ]
    assert counts == [("control", True, 6, 6, 3, 2), ("steeper", False, 6, 6, 4, 3)]
    assert control["conversion_rate"] == shown(2 / 6)
    assert steeper["conversion_rate"] == shown(3 / 6)
    assert (control["lift"], control["lift_ci_low"], control["lift_ci_high"]) == (None, None, None)
    assert control["probability_to_beat_control"] is None
    assert steeper["lift"] == shown(0.5)
    # 95% interval of the rate ratio 1.5 on the log scale: se = sqrt(1/3 - 1/6 + 1/2 - 1/6)
    margin = 1.959963984540054 * math.sqrt(1 / 3 - 1 / 6 + 1 / 2 - 1 / 6)
    assert steeper["lift_ci_low"] == shown(1.5 * math.exp(-margin) - 1)
    assert steeper["lift_ci_high"] == shown(1.5 * math.exp(margin) - 1)
    assert steeper["lift_ci_low"] < steeper["lift"] < steeper["lift_ci_high"]
    assert steeper["probability_to_beat_control"] == shown(_probability_to_beat((3, 2), (6, 6)))
    assert 0.5 < steeper["probability_to_beat_control"] < 1
    sample_ratio = report["results"]["sample_ratio"]
    assert sample_ratio["observed"] == {"control": 6, "steeper": 6}
    assert sample_ratio["expected"] == {"control": 6.0, "steeper": 6.0}
    assert (sample_ratio["chi_square"], sample_ratio["p_value"], sample_ratio["mismatch"]) == (0.0, 1.0, False)


def test_results_before_any_assignment_have_no_sample_ratio_check(api: Api, run_experiment: RunExperiment) -> None:
    run_experiment("untouched")

    report = results(api, "untouched")["results"]

    assert report["sample_ratio"] is None
    assert [(v["variant_id"], v["impressions"], v["conversion_rate"], v["lift"]) for v in report["variants"]] == [
        ("control", 0, None, None),
        ("steeper", 0, None, None),
    ]


def test_a_split_that_strays_from_the_traffic_is_flagged(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("skewed")
    for user in users_in(experiment, "control", 12):
        offered(api, user)
    report = results(api, "skewed")["results"]["sample_ratio"]

    assert report["observed"] == {"control": 12, "steeper": 0}
    assert report["chi_square"] == pytest.approx(12.0)  # (12 - 6)^2 / 6 x 2
    assert report["p_value"] < 0.001
    assert report["mismatch"] is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", EXPERIMENTS, None),
        ("POST", EXPERIMENTS, experiment_body("by_mallory", CONTROL, TREATMENT)),
        ("PATCH", f"{EXPERIMENTS}/parked", {"status": "running"}),
        ("GET", f"{EXPERIMENTS}/parked/results", None),
    ],
)
def test_non_admins_are_refused_and_nothing_is_written(
    api: Api, user: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = listed(api)

    answer = api.call(method, path, body, user=user)

    assert answer.status == 403
    assert answer.body["error"]["code"] == "forbidden"
    assert listed(api) == before
    assert "by_mallory" not in before
    assert audit_for(api, "by_mallory") == []


def test_an_empty_change_is_422_and_writes_nothing(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("exp_empty_change")
    records = len(audit_for(api, experiment["experiment_id"]))

    answer = change(api, experiment["experiment_id"], {})

    assert answer.status == 422
    assert answer.body["error"]["fields"] == [{"field": "body", "problem": "Value error, give status, traffic or both"}]
    assert len(audit_for(api, experiment["experiment_id"])) == records


def test_a_change_to_the_current_values_writes_no_audit_record(api: Api, run_experiment: RunExperiment) -> None:
    experiment = run_experiment("exp_same_change")
    records = len(audit_for(api, experiment["experiment_id"]))
    traffic = {variant["variant_id"]: variant["traffic_percentage"] for variant in experiment["variants"]}

    answer = change(api, experiment["experiment_id"], {"status": "running", "traffic": traffic})

    assert (answer.status, answer.body) == (200, experiment)
    assert len(audit_for(api, experiment["experiment_id"])) == records
