"""`product.launched` on Nudge's bus starts the product's launch campaign through the template's rule: email to
users interested in the category, once however often the event is delivered; without the launch template,
nothing is written."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.runtime import LocalStack
from tests.integration.conftest import Api
from tests.integration.test_campaigns_api import admin, gamer, new_id
from tests.integration.test_notification_admin_api import TEMPLATE

PRODUCT_TEMPLATE: dict[str, Any] = TEMPLATE | {
    "name": "Product launch",
    "email": {
        "subject": "New: {{product_name}}",
        "html": '<p>Hi {{first_name}}, <a href="{{url}}">{{product_name}}</a></p><a href="{{unsubscribe_url}}">x</a>',
        "text": "Hi {{first_name}}, {{product_name}}: {{url}}",
    },
    "sms": None,
    "whatsapp": None,
}


@pytest.fixture
def launch_template(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A launch template of this test's own, named to the trigger as ProductLaunchTemplateId would."""
    template_id = new_id("launch-tpl")
    function = stack.function("start_product_launch_campaign")
    monkeypatch.setitem(function.environment, "PRODUCT_LAUNCH_TEMPLATE_ID", template_id)
    stack.bridge.drain()  # earlier tests' launches are answered before this template exists
    yield template_id
    stack.bridge.drain()


def publish(stack: LocalStack, product_id: str, category: str = "GAMING") -> None:
    detail = {
        "event_id": f"product.launched:{product_id}",
        "product_id": product_id,
        "brand_id": "acme",
        "category": category,
        "name": "Acme Arcade",
        "url": "https://acme.nudge.example/arcade",
        "launched_at": "2026-12-01T08:59:00+00:00",
    }
    entry = {
        "EventBusName": stack.template.ref("NudgeEventBus"),
        "Source": "nudge.catalog",
        "DetailType": "product.launched",
        "Detail": json.dumps(detail),
    }
    stack.emulator.client("events").put_events(Entries=[entry])


def launch_results(stack: LocalStack) -> list[dict[str, Any]]:
    return [
        entry["result"] for entry in stack.bridge.delivered if entry["function"] == "StartProductLaunchCampaignFunction"
    ]


def test_a_launch_starts_one_campaign_to_the_categorys_fans(api: Api, stack: LocalStack, launch_template: str) -> None:
    user = new_id("gamer")
    gamer(api, user)
    product_id = f"arcade-{uuid.uuid4().hex[:8]}"
    campaign_id = f"product-launch-{product_id}"
    before = len(launch_results(stack))
    publish(stack, product_id)
    stack.bridge.drain()
    assert launch_results(stack)[before:] == [{"outcome": "no_template", "campaign_id": campaign_id}]
    assert admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").status == 404

    assert admin(api, "PUT", f"/v1/admin/templates/{launch_template}", PRODUCT_TEMPLATE).status == 200
    publish(stack, product_id)
    publish(stack, product_id)  # redelivered
    stack.bridge.drain()  # the rule's target, then the fan-out
    stack.run_schedule("sweep_due_notifications")
    stack.bridge.drain()

    outcomes = [result["outcome"] for result in launch_results(stack)[before + 1 :]]
    assert outcomes == ["started", "already_started"]
    campaign = admin(api, "GET", f"/v1/admin/campaigns/{campaign_id}").body
    assert (campaign["type"], campaign["channels"], campaign["template_id"]) == (
        "product_launch",
        ["email"],
        launch_template,
    )
    assert (campaign["segment_id"], campaign["status"]) == ("product-launch-gaming", "sent")
    assert campaign["data"] == {
        "product_name": "Acme Arcade",
        "survey_title": None,
        "url": "https://acme.nudge.example/arcade",
        "survey_id": None,
    }
    segment = admin(api, "GET", "/v1/admin/segments/product-launch-gaming").body
    assert segment["rules"]["categories"] == ["GAMING"]
    [notification] = api.call("GET", f"/v1/users/{user}/notifications", user=user).body["notifications"]
    assert (notification["campaign_id"], notification["channel"], notification["status"]) == (
        campaign_id,
        "email",
        "sent",
    )
    log = admin(api, "GET", "/v1/admin/audit-log?limit=100").body["records"]
    actions = [record["action"] for record in log if record["target"] == f"campaign:{campaign_id}"]
    assert sorted(actions) == ["campaign.create", "campaign.send"]
    assert {record["actor"] for record in log if record["target"] == f"campaign:{campaign_id}"} == {
        "trigger:product.launched"
    }


def test_a_malformed_launch_is_rejected_and_starts_nothing(stack: LocalStack, launch_template: str) -> None:
    before = len(launch_results(stack))
    publish(stack, "bad id!")
    stack.bridge.drain()
    [result] = launch_results(stack)[before:]
    assert (result["outcome"], result["field"]) == ("rejected", "detail.product_id")
