"""The product.launched trigger's reading of the event, without AWS: the campaign it derives from the product, and a
detail that is not a product launch rejected naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from nudge.errors import InvalidInput
from nudge.notifications.launch_trigger import handle_launch, launch_campaign_fields, launch_campaign_id, parse_launch

SAMPLE = Path(__file__).parents[2] / "events" / "start_product_launch_campaign" / "product_launched.json"


def sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(SAMPLE.read_text())
    return event


def test_the_campaign_is_named_after_the_product_and_sent_by_email_with_its_name_and_url() -> None:
    fields = launch_campaign_fields(parse_launch(sample()), "product-launch-tech_saas", "launch-template")

    assert (fields.campaign_id, fields.type, fields.channels) == (
        "product-launch-acme-cloud",
        "product_launch",
        ["email"],
    )
    assert (fields.segment_id, fields.template_id, fields.name) == (
        "product-launch-tech_saas",
        "launch-template",
        "Launch: Acme Cloud",
    )
    assert (fields.data.product_name, fields.data.url) == ("Acme Cloud", "https://acme.nudge.example/cloud")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "NOT_A_CATEGORY"}, "detail.category"),
        ({"product_id": "bad id"}, "detail.product_id"),
        ({"url": "http://acme.example"}, "detail.url"),
    ],
)
def test_a_detail_that_is_not_a_launch_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    event = sample()
    event["detail"] |= change
    with pytest.raises(InvalidInput) as raised:
        parse_launch(event)
    assert raised.value.field == field


def test_a_rejected_event_is_answered_not_raised() -> None:
    event = sample() | {"detail": None}
    answer = handle_launch(cast(Any, None), event, cast(Any, None))  # no port is touched
    assert (answer["outcome"], answer["field"]) == ("rejected", "detail")


def test_a_product_id_too_long_for_the_campaign_id_gives_its_hash() -> None:
    long_id = "p" * 128
    campaign_id = launch_campaign_id(long_id)
    assert len(campaign_id) == len("product-launch-") + 64
    assert campaign_id == launch_campaign_id(long_id) != launch_campaign_id("p" * 127)
    assert launch_campaign_id("p" * 113) == "product-launch-" + "p" * 113
