"""Nudge benchmarks, printed as figures (run with `make bench`).

1. Cold start: in a fresh interpreter, import each handler and serve its first request; compared
   with a plain-boto3 floor handler (floor_handlers.py) making the same DynamoDB calls, against
   the same moto server in the same run. Target: at most 1.5x the floor. A library floor (library_floor.py:
   pydantic and Powertools' Logger around one GetItem) shows what the required libraries alone cost, and
   `cold-own` measures each case with those libraries already imported: Nudge's own share.
2. POST /v1/events with 10 events (transactions; engagement with and without behavioral-tracking
   consent): DynamoDB calls per request (target: one read with the consent, one write) and
   in-process latency p50/p99, plus GET /v1/users/{user_id}/signals for comparison.
3. POST /v1/transaction-recommendations: DynamoDB calls per request (target: one read for the
   user's state, one write for the log) and in-process latency p50/p99.
4. The nightly recalculation (recalculation_job.py): users per minute for one worker (target at
   least 50,000) and DynamoDB write calls per 1,000 users.
5. POST /v1/pricing-tiers: DynamoDB calls per request with the tier catalog cached (target: at most
   one read for the user's state, one write for the impression), in-process p50/p99, with and
   without a running experiment, and the cost of one variant assignment.
6. Erasure (erasure_job.py): users erased per minute by one worker and DynamoDB calls per erased user.
7. Brands' survey analytics (survey_analytics.py): GET .../analytics with 1,000 and 100,000 responses
   (calls and p50/p99: must not grow), and a consenting response's write cost (calls, transaction items).
8. GET /v1/users/{user_id}/product-recommendations (product_recommendations.py) with 10,000 and then
   100,000 products in the catalog: DynamoDB calls per request (target: 2 whatever the catalog size)
   and p50/p99, beside Gorse's cached recommendation read.
9. Campaign fan-out (campaign_fanout.py): DynamoDB calls and Nudge's own time per recipient for one
   worker, and the workers a 1,000,000-recipient campaign needs to be handed to the senders in 10 minutes.
10. Delivery feedback (delivery_feedback.py): 10,000 SES events and WhatsApp statuses of one campaign, with
   duplicates and events that fail until their deliveries exist, through RecordDeliveryFeedbackFunction's
   handler from concurrent threads (it has no batch path): DynamoDB calls per event, events/s, the failed
   invocations retried, and the campaign's counters against the distinct events.

Figures are against moto on loopback, so absolute latencies include moto's own work; the ratios
and call counts are what carry over to AWS.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "nudge")]

from local_runtime.lambdas import LocalFunction  # noqa: E402 - path set just above
from local_runtime.runtime import LocalStack  # noqa: E402

# More runs narrow a case's interval where one run leaves it open: `COLD_RUNS=40 benchmarks/run.py cold:get_survey`.
COLD_RUNS = int(os.environ.get("COLD_RUNS", "15"))
OWN_COST_RUNS = 5
PHASES = ("cold", "cold-own", "warm", "job", "erasure", "analytics", "recs", "campaign", "feedback")
WARM_REQUESTS = 200
EVENTS_PER_REQUEST = 10
JOB_USERS = 20_000
JOB_SEGMENTS = 16
ERASURE_USERS = 300
CAMPAIGN_RECIPIENTS = 2_000
CAMPAIGN_SEGMENTS = 4
FEEDBACK_EVENTS = 10_000
FEEDBACK_THREADS = 4
FLOOR = ROOT / "benchmarks" / "floor_handlers.py"
LIBRARY_FLOOR = ROOT / "benchmarks" / "library_floor.py"


def _sample(folder: str, name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "events" / folder / name).read_text()))


def _fresh_api_event(folder: str, name: str) -> dict[str, Any]:
    """The sample event for a new user, with new event ids and a new Idempotency-Key."""
    event = _sample(folder, name)
    user = f"bench-{uuid.uuid4().hex[:10]}"
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    if event.get("pathParameters"):
        event["pathParameters"]["user_id"] = user
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/v1/users/{user}/signals"
    if event.get("body"):
        body = json.loads(event["body"])
        for index, item in enumerate(body["events"]):
            item["event_id"] = f"{user}-{index}"
        event["body"] = json.dumps(body)
    if "idempotency-key" in event["headers"]:
        event["headers"]["idempotency-key"] = uuid.uuid4().hex
    return event


def _fresh_bridge_event() -> dict[str, Any]:
    event = _sample("ingest_bridge_events", "host_transaction.json")
    user = f"bench-{uuid.uuid4().hex[:10]}"
    event["detail"] |= {"user_id": user, "event_id": f"{user}-bridge"}
    return event


def _fresh_user_event(folder: str, name: str, with_profile: bool = False) -> dict[str, Any]:
    """The sample event of a /v1/users/{user_id}/... route for a new user; with a profile stored for
    them first when the route reads one."""
    event = _sample(folder, name)
    user = f"bench-{uuid.uuid4().hex[:10]}"
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    event["pathParameters"]["user_id"] = user
    event["rawPath"] = event["requestContext"]["http"]["path"] = event["rawPath"].replace("demo-user", user)
    if with_profile:
        from datetime import UTC, datetime

        from nudge.profiles.profile import ProfileFields
        from nudge.profiles.user_profiles import profile_writes, replace_profile
        from nudge.users.actor import Actor

        profile = ProfileFields.model_validate_json(_sample("put_user_profile", "put_profile.json")["body"])
        replace_profile(profile_writes(), Actor(user, False), user, profile, datetime.now(UTC))
    return event


def _sensitive_event(folder: str, name: str, stated: bool) -> dict[str, Any]:
    """The sample event for a new user; `stated`: the user has stored the attribute already (one sealed item,
    so a read decrypts one value and a delete finds one)."""
    event = _sample(folder, name)
    user = f"bench-{uuid.uuid4().hex[:10]}"
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = event["pathParameters"]["user_id"] = user
    if stated:
        from datetime import UTC, datetime

        from nudge.sensitive.attribute_models import SensitiveAttributeRequest
        from nudge.sensitive.attributes import set_attribute
        from nudge.sensitive.envelope import kms_data_keys
        from nudge.sensitive.sensitive_table import sensitive_attribute_table
        from nudge.users.actor import Actor

        request = SensitiveAttributeRequest(value="Buddhist", consent=True)
        keys, table, now = kms_data_keys(), sensitive_attribute_table(), datetime.now(UTC)
        set_attribute(table, keys, Actor(user, is_admin=False), user, "religion", request, now)
    return event


def _admin_event(folder: str, name: str, parameter: str, identifier: str | None = None) -> dict[str, Any]:
    """The sample admin event for a document of its own (a new id each time unless `identifier` is given)."""
    event = _sample(folder, name)
    chosen = identifier or f"bench-{uuid.uuid4().hex[:10]}"
    path = event["rawPath"].replace(event["pathParameters"][parameter], chosen)
    event["pathParameters"][parameter] = chosen
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event


def _bench_segment() -> str:
    """A stored segment without rules (every profile matches), so the preview reads every scanned profile's consent."""
    from datetime import UTC, datetime

    from nudge.audit.audit_table import audit_table
    from nudge.notifications.admin import put_segment
    from nudge.notifications.notification_table import notification_table
    from nudge.notifications.segments import SegmentFields
    from nudge.users.actor import Actor

    fields = SegmentFields(name="Everyone")
    put_segment(
        notification_table(), audit_table(), Actor("bench-admin", True), "bench-everyone", fields, datetime.now(UTC)
    )
    return "bench-everyone"


def _reminder_schedule() -> dict[str, Any]:
    """The reminder job's schedule event with its template stored (the local seed's), nothing due: the template's
    GetItem, then one Query per shard."""
    import os
    from datetime import UTC, datetime

    from local_runtime.seed import DEMO_TEMPLATE
    from nudge.audit.audit_table import audit_table
    from nudge.notifications.admin import put_template
    from nudge.notifications.notification_table import notification_table
    from nudge.notifications.templates import TemplateFields
    from nudge.users.actor import Actor

    template_id, fields = os.environ["SURVEY_REMINDER_TEMPLATE_ID"], TemplateFields.model_validate(DEMO_TEMPLATE)
    put_template(
        notification_table(), audit_table(), Actor("bench-admin", True), template_id, fields, datetime.now(UTC)
    )
    return _sample("send_survey_reminders", "schedule.json")


def _bench_campaign() -> str:
    """A stored draft campaign of the bench segment and the local seed's template (stored here first)."""
    from datetime import UTC, datetime

    from local_runtime.seed import DEMO_CAMPAIGN, DEMO_TEMPLATE, DEMO_TEMPLATE_ID
    from nudge.audit.audit_table import audit_table
    from nudge.errors import Conflict
    from nudge.notifications.admin import put_template
    from nudge.notifications.campaign_admin import campaign_admin, create_campaign
    from nudge.notifications.campaigns import CampaignFields
    from nudge.notifications.notification_table import notification_table
    from nudge.notifications.templates import TemplateFields
    from nudge.users.actor import Actor

    admin, now = Actor("bench-admin", True), datetime.now(UTC)
    put_template(
        notification_table(), audit_table(), admin, DEMO_TEMPLATE_ID, TemplateFields.model_validate(DEMO_TEMPLATE), now
    )
    fields = CampaignFields.model_validate(
        DEMO_CAMPAIGN | {"campaign_id": "bench-campaign", "segment_id": _bench_segment()}
    )
    with contextlib.suppress(Conflict):  # stored by an earlier probe
        create_campaign(campaign_admin(), admin, fields, now)
    return "bench-campaign"


def _bench_template() -> str:
    from local_runtime.seed import DEMO_TEMPLATE_ID

    _bench_campaign()  # stores the template
    return DEMO_TEMPLATE_ID


def _create_campaign_event() -> dict[str, Any]:
    _bench_campaign()
    event = _sample("create_campaign", "create_campaign.json")
    body = json.loads(event["body"]) | {"campaign_id": f"bench-{uuid.uuid4().hex[:10]}", "segment_id": _bench_segment()}
    event["body"] = json.dumps(body)
    return event


def _preview_event() -> dict[str, Any]:
    """With one more stored profile each time: the scan page holds every profile stored so far."""
    _fresh_user_event("get_user_profile", "get_profile.json", with_profile=True)
    event = _admin_event("preview_segment", "get_segment_preview.json", "segment_id", _bench_segment())
    event["rawQueryString"], event["queryStringParameters"] = "limit=1000", {"limit": "1000"}
    return event


def _responder_event() -> dict[str, Any]:
    """The sample response from a new user who consented to behavioral tracking (so the engagement is written)."""
    from datetime import UTC, datetime

    from nudge.behavior.behavior_table import behavior_table
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.users.actor import Actor

    event = _sample("submit_survey_response", "submit_response.json")
    user = f"bench-{uuid.uuid4().hex[:10]}"
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    settings = ConsentSettings(behavioral_tracking=True)
    tables = (profile_table(), behavior_table())
    change_consent(*tables, Actor(user, is_admin=False), user, settings, datetime.now(UTC), "bench")
    return event


def _sharing_responder_event() -> dict[str, Any]:
    """A response with a text answer from a new user who shares analytics (and has demographics): the
    response's transaction adds to the survey's aggregates, and its text loads VADER and the stop words."""
    from datetime import UTC, datetime, timedelta

    from nudge.behavior.behavior_table import behavior_table
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.users.actor import Actor

    event = _fresh_user_event("put_user_profile", "put_profile.json", with_profile=True)
    user = event["pathParameters"]["user_id"]
    event = _sample("submit_survey_response", "submit_response.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    settings = ConsentSettings(behavioral_tracking=True, analytics_sharing=True)
    tables = (profile_table(), behavior_table())
    change_consent(*tables, Actor(user, is_admin=False), user, settings, datetime.now(UTC), "bench")
    answers = [{"question_id": "nps", "value": 9}, {"question_id": "why", "value": "Fast setup and a clear dashboard"}]
    started = (datetime.now(UTC) - timedelta(seconds=90)).isoformat()
    event["body"] = json.dumps({"answers": answers, "channel": "app", "started_at": started})
    return event


def _erasure_request_event() -> dict[str, Any]:
    """DELETE /v1/users/{user_id} by a new user with a profile (the address is read)."""
    event = _fresh_user_event("request_user_erasure", "delete_user.json", with_profile=True)
    event["requestContext"]["http"]["path"] = event["rawPath"]
    return event


def _erasure_message_event() -> dict[str, Any]:
    """The queued message of a new user's erasure (a profile with an address, so the confirmation is sent)."""
    from nudge import clients
    from nudge.privacy.erasure import request_erasure, request_ports

    user = _fresh_user_event("get_user_profile", "get_profile.json", with_profile=True)["pathParameters"]["user_id"]
    request_erasure(request_ports(), user, "user")
    queue = os.environ["ERASURE_QUEUE_URL"]
    # The request_user_erasure case leaves its runs' messages in the queue: take this user's, drop the rest.
    while True:
        for message in clients.sqs().receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            clients.sqs().delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            if json.loads(message["Body"]).get("user_id") == user:
                event = _sample("erase_user_data", "erasure_message.json")
                event["Records"][0]["body"] = message["Body"]
                return event


def _click_event() -> dict[str, Any]:
    """A new user's click (no tracking consent: the click is read, not written) on an allowed target."""
    from datetime import UTC, datetime

    from nudge.signing import STACK_KEY
    from nudge.subscribers.click_links import ClickLink, allowed_domains, click_token
    from nudge.subscribers.links import secret_key

    event = _sample("follow_click", "get_redirect.json")
    link = ClickLink(f"bench-{uuid.uuid4().hex[:10]}", "n-1", None, "https://nudge.example/s/1")
    token = click_token(secret_key(STACK_KEY), link, allowed_domains(), datetime.now(UTC))
    event["pathParameters"]["token"] = token
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/v1/r/{token}"
    return event


def _unsubscribe_event(folder: str, name: str) -> dict[str, Any]:
    """A new user with a profile who consented to marketing emails, and their link to stop them."""
    from datetime import UTC, datetime

    from nudge.behavior.behavior_table import behavior_table
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.subscribers.unsubscribe_links import link_key, unsubscribe_token
    from nudge.users.actor import Actor

    user = _fresh_user_event("get_user_profile", "get_profile.json", with_profile=True)["pathParameters"]["user_id"]
    settings = ConsentSettings(marketing_emails=True, behavioral_tracking=True)
    now = datetime.now(UTC)
    change_consent(profile_table(), behavior_table(), Actor(user, is_admin=False), user, settings, now, "bench")
    event = _sample(folder, name)
    token = unsubscribe_token(link_key(), user, "marketing", now, days=1)
    event["pathParameters"]["token"] = token
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/v1/unsubscribe/{token}"
    return event


def _draft_campaign_event(folder: str, name: str) -> dict[str, Any]:
    """A new draft campaign of the bench segment each time: sending or cancelling uses it up."""
    from datetime import UTC, datetime

    from local_runtime.seed import DEMO_CAMPAIGN
    from nudge.notifications.campaign_admin import campaign_admin, create_campaign
    from nudge.notifications.campaigns import CampaignFields
    from nudge.users.actor import Actor

    _bench_campaign()  # stores the template and the segment
    campaign_id = f"bench-{uuid.uuid4().hex[:10]}"
    fields = CampaignFields.model_validate(DEMO_CAMPAIGN | {"campaign_id": campaign_id, "segment_id": _bench_segment()})
    create_campaign(campaign_admin(), Actor("bench-admin", True), fields, datetime.now(UTC))
    return _admin_event(folder, name, "campaign_id", campaign_id)


def _suppressed_address_event() -> dict[str, Any]:
    """A new address on the suppression list each time: lifting it takes it off."""
    from datetime import UTC, datetime

    from nudge.subscribers.suppression import suppression_list

    address = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    suppression_list().record_hard_bounce(address, datetime.now(UTC))
    event = _sample("lift_suppression", "delete_suppression.json")
    event["queryStringParameters"] = {"email": address}
    event["rawQueryString"] = f"email={address}"
    return event


def _explanation_event() -> dict[str, Any]:
    """A new user with a sent delivery of the bench campaign, asking why they received it."""
    from datetime import UTC, datetime

    from nudge.notifications.delivery_table import DeliveryRecord, delivery_table

    event = _fresh_user_event("get_notification_explanation", "get_notification_explanation.json")
    user, now = event["pathParameters"]["user_id"], datetime.now(UTC)
    record = DeliveryRecord(
        user_id=user,
        campaign_id=_bench_campaign(),
        channel="email",
        status="sent",
        at=now,
        reason="You match the segment Everyone",
        notification_id=uuid.uuid4().hex,
        campaign_name="Bench campaign",
        updated_at=now,
    )
    delivery_table().claim(record)
    event["pathParameters"]["notification_id"] = record.notification_id
    path = f"/v1/users/{user}/notifications/{record.notification_id}/why"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event


def _trigger_template(template_id: str, category: str) -> None:
    """The plain email template a trigger's campaigns use, stored under the id the trigger's setting names."""
    from datetime import UTC, datetime

    from nudge.audit.audit_table import audit_table
    from nudge.notifications.admin import put_template
    from nudge.notifications.notification_table import notification_table
    from nudge.notifications.templates import TemplateFields
    from nudge.users.actor import Actor

    email = {
        "subject": "{{first_name}}, something new",
        "html": "<p>Hi {{first_name}},</p><p><small>{{reason}}</small></p>",
        "text": "Hi {{first_name}},\n{{reason}}",
    }
    fields = TemplateFields.model_validate({"name": "Bench trigger", "category": category, "email": email})
    put_template(
        notification_table(), audit_table(), Actor("bench-admin", True), template_id, fields, datetime.now(UTC)
    )


def _launch_event() -> dict[str, Any]:
    """A new product's launch: its campaign is created and sent."""
    _trigger_template("product-launch", "product")
    event = _sample("start_product_launch_campaign", "product_launched.json")
    product = f"bench-{uuid.uuid4().hex[:10]}"
    event["detail"] |= {"product_id": product, "event_id": f"product.launched:{product}"}
    return event


def _publication_event() -> dict[str, Any]:
    """A new survey's publication: its invite is created and sent."""
    _trigger_template("survey-invite", "product")
    event = _sample("start_survey_invite_campaign", "survey_published.json")
    survey = f"bench-{uuid.uuid4().hex[:10]}"
    event["detail"] |= {"survey_id": survey, "event_id": f"survey.published:{survey}"}
    return event


def _weekly_event() -> dict[str, Any]:
    """The schedule's run in a week of its own (a week's summary is started once)."""
    import random
    from datetime import datetime, timedelta

    _trigger_template("weekly-summary", "marketing")
    event = _sample("start_weekly_summary_campaign", "weekly_schedule.json")
    week = datetime(2030, 1, 7, 9) + timedelta(weeks=random.randrange(100_000))  # noqa: S311 - not a secret
    event["time"] = f"{week.isoformat()}Z"
    return event


def _empty_profile_table() -> None:
    """Every run's segment scan then reads one profile, its own: the profiles earlier cases stored (the floors'
    included, which Nudge cannot decode) would otherwise grow each run's work and fail its decoding."""
    from nudge import clients

    table = os.environ["PROFILE_TABLE_NAME"]
    for page in clients.dynamodb().get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
        for item in page["Items"]:
            clients.dynamodb().delete_item(TableName=table, Key=item)


def _campaign_segment_event() -> dict[str, Any]:
    """A new user consenting to email, and a new campaign to everyone started as one segment: the first request
    scans the profile table a page at a time (the stored profiles, each consenting one a delivery)."""
    from datetime import UTC, datetime

    from local_runtime.seed import DEMO_CAMPAIGN
    from nudge.behavior.behavior_table import behavior_table
    from nudge.notifications.campaign_admin import FanOut, campaign_admin, create_campaign, send_campaign
    from nudge.notifications.campaign_queue import campaign_queue
    from nudge.notifications.campaigns import CampaignFields
    from nudge.notifications.notification_table import notification_table
    from nudge.profiles.consent import ConsentSettings
    from nudge.profiles.profile_table import profile_table
    from nudge.profiles.user_consent import change_consent
    from nudge.users.actor import Actor

    _empty_profile_table()
    user = _fresh_user_event("get_user_profile", "get_profile.json", with_profile=True)["pathParameters"]["user_id"]
    settings = ConsentSettings.model_validate(
        {"personalized_notifications": {"enabled": True, "channels": {"email": True}}}
    )
    admin, now = Actor("bench-admin", True), datetime.now(UTC)
    change_consent(profile_table(), behavior_table(), Actor(user, is_admin=False), user, settings, now, "bench")
    _bench_campaign()  # stores the template and the segment
    campaign_id = f"bench-{uuid.uuid4().hex[:10]}"
    fields = CampaignFields.model_validate(DEMO_CAMPAIGN | {"campaign_id": campaign_id, "segment_id": _bench_segment()})
    create_campaign(campaign_admin(), admin, fields, now)
    send_campaign(campaign_admin(), FanOut(notification_table(), campaign_queue(), 1), admin, campaign_id, now)
    event = _sample("process_campaign_segment", "segment_message.json")
    event["Records"][0]["body"] = json.dumps({"campaign_id": campaign_id, "segment": 0, "total_segments": 1})
    return event


CASES: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
    ("ingest_events", "ingest_events", lambda: _fresh_api_event("ingest_events", "post_events.json")),
    ("get_user_signals", "get_user_signals", lambda: _fresh_api_event("get_user_signals", "get_signals.json")),
    ("ingest_bridge_events", "ingest_bridge_events", _fresh_bridge_event),
    (
        "recommend_transaction",
        "recommend_transaction",
        lambda: _sample("recommend_transaction", "post_recommendation.json"),
    ),
    # The first probe seeds the tier catalog; the measured ones read it once (a Query), as a fresh container does.
    ("offer_pricing_tiers", "offer_pricing_tiers", lambda: _sample("offer_pricing_tiers", "post_pricing_tiers.json")),
    # Before the profile floors write profile items Nudge cannot decode: its scan would fail on them.
    ("preview_segment", "preview_segment", _preview_event),
    ("put_user_profile", "put_user_profile", lambda: _fresh_user_event("put_user_profile", "put_profile.json")),
    (
        "get_user_profile",
        "get_user_profile",
        lambda: _fresh_user_event("get_user_profile", "get_profile.json", with_profile=True),
    ),
    (
        "patch_user_profile",
        "patch_user_profile",
        lambda: _fresh_user_event("patch_user_profile", "patch_profile.json", with_profile=True),
    ),
    ("put_user_consent", "put_user_consent", lambda: _fresh_user_event("put_user_consent", "put_consent.json")),
    ("get_user_consent", "get_user_consent", lambda: _fresh_user_event("get_user_consent", "get_consent.json")),
    (
        "export_user_data",
        "export_user_data",
        lambda: _fresh_user_event("export_user_data", "get_export.json", with_profile=True),
    ),
    ("request_user_erasure", "request_user_erasure", _erasure_request_event),
    ("erase_user_data", "erase_user_data", _erasure_message_event),
    # A day with nobody inactive: every shard's index page read, the analytics records' old pages read.
    ("apply_data_retention", "apply_data_retention", lambda: _sample("apply_data_retention", "daily_schedule.json")),
    ("get_user_erasure", "get_user_erasure", lambda: _sample("get_user_erasure", "get_erasure.json")),
    (
        "put_sensitive_attribute",
        "put_sensitive_attribute",
        lambda: _sensitive_event("put_sensitive_attribute", "put_attribute.json", stated=False),
    ),
    (
        "list_sensitive_attributes",
        "list_sensitive_attributes",
        lambda: _sensitive_event("list_sensitive_attributes", "get_attributes.json", stated=True),
    ),
    (
        "delete_sensitive_attribute",
        "delete_sensitive_attribute",
        lambda: _sensitive_event("delete_sensitive_attribute", "delete_attribute.json", stated=True),
    ),
    ("put_segment", "put_segment", lambda: _admin_event("put_segment", "put_segment.json", "segment_id")),
    (
        "get_segment",
        "get_segment",
        lambda: _admin_event("get_segment", "get_segment.json", "segment_id", _bench_segment()),
    ),
    ("list_segments", "list_segments", lambda: _sample("list_segments", "get_segments.json")),
    ("list_templates", "list_templates", lambda: _sample("list_templates", "get_templates.json")),
    ("list_campaigns", "list_campaigns", lambda: _sample("list_campaigns", "list_campaigns.json")),
    (
        "get_template",
        "get_template",
        lambda: _admin_event("get_template", "get_template.json", "template_id", _bench_template()),
    ),
    ("send_campaign", "send_campaign", lambda: _draft_campaign_event("send_campaign", "send_campaign.json")),
    ("cancel_campaign", "cancel_campaign", lambda: _draft_campaign_event("cancel_campaign", "cancel_campaign.json")),
    ("lift_suppression", "lift_suppression", _suppressed_address_event),
    ("get_notification_explanation", "get_notification_explanation", _explanation_event),
    ("put_template", "put_template", lambda: _admin_event("put_template", "put_template.json", "template_id")),
    ("create_campaign", "create_campaign", _create_campaign_event),
    (
        "get_campaign",
        "get_campaign",
        lambda: _admin_event("get_campaign", "get_campaign.json", "campaign_id", _bench_campaign()),
    ),
    (
        "get_user_notifications",
        "get_user_notifications",
        lambda: _fresh_user_event("get_user_notifications", "get_user_notifications.json"),
    ),
    # In this order: the product PUT creates what the survey names and the reads find; the first probe of
    # each PUT launches or publishes (an event), the measured ones replace what is announced already.
    ("put_brand_product", "put_brand_product", lambda: _sample("put_brand_product", "put_product.json")),
    ("get_product", "get_product", lambda: _sample("get_product", "get_product.json")),
    ("put_brand_survey", "put_brand_survey", lambda: _sample("put_brand_survey", "put_survey.json")),
    ("get_survey", "get_survey", lambda: _sample("get_survey", "get_survey.json")),
    ("submit_survey_response", "submit_survey_response", _responder_event),
    ("submit_survey_response", "submit_survey_response_shared", _sharing_responder_event),
    (
        "get_survey_analytics",
        "get_survey_analytics",
        lambda: _sample("get_survey_analytics", "get_survey_analytics.json"),
    ),
    # After the product PUT: the TECH_SAAS candidate list holds its product.
    (
        "get_product_recommendations",
        "get_product_recommendations",
        lambda: _fresh_user_event("get_product_recommendations", "get_recommendations.json", with_profile=True),
    ),
    (
        "post_recommendation_feedback",
        "post_recommendation_feedback",
        lambda: _fresh_user_event("post_recommendation_feedback", "not_interested.json"),
    ),
    (
        "delete_recommendation_feedback",
        "delete_recommendation_feedback",
        lambda: _fresh_user_event("delete_recommendation_feedback", "undo_not_interested.json"),
    ),
    # Nothing pending (no product views are posted here): the 8 shard Queries, as every quiet run.
    (
        "refresh_product_candidates",
        "refresh_product_candidates",
        lambda: _sample("refresh_product_candidates", "schedule.json"),
    ),
    ("follow_click", "follow_click", _click_event),
    ("show_unsubscribe", "show_unsubscribe", lambda: _unsubscribe_event("show_unsubscribe", "get_unsubscribe.json")),
    ("unsubscribe_user", "unsubscribe_user", lambda: _unsubscribe_event("unsubscribe_user", "one_click.json")),
    ("get_suppression", "get_suppression", lambda: _sample("get_suppression", "get_suppression.json")),
    ("process_campaign_segment", "process_campaign_segment", _campaign_segment_event),
    ("start_product_launch_campaign", "start_product_launch_campaign", _launch_event),
    ("start_survey_invite_campaign", "start_survey_invite_campaign", _publication_event),
    ("start_weekly_summary_campaign", "start_weekly_summary_campaign", _weekly_event),
    # Nothing due (no campaign scheduled, no delivery waiting): the due-campaign Query and one Query per shard.
    (
        "sweep_due_notifications",
        "sweep_due_notifications",
        lambda: _sample("sweep_due_notifications", "minute_schedule.json"),
    ),
    ("send_survey_reminders", "send_survey_reminders", _reminder_schedule),
]


def _probe(
    module: Path, handler: str, event: dict[str, Any], count: bool = False, preload: bool = False
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(event, handle)
    command = [sys.executable, str(ROOT / "benchmarks" / "cold_start_probe.py"), str(module), handler, handle.name]
    if module not in (FLOOR, LIBRARY_FLOOR):  # the floors have no Nudge to import
        command += ["--layer", str(ROOT / "layers" / "nudge")]
    if count:
        command.append("--count")
    if preload:
        command.append("--preload")
    finished = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    Path(handle.name).unlink()
    if finished.returncode != 0:
        raise RuntimeError(f"{module.name} {handler} failed:\n{finished.stderr}")
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


def _compile_bytecode() -> None:
    """Write the bytecode Lambda would load: the layer ships it precompiled (layers/nudge/Makefile), so the
    measured imports must not compile source, whatever PYTHONDONTWRITEBYTECODE says. Timestamp-checked
    .pyc files, so an edited source is never served stale."""
    import compileall

    for folder in (ROOT / "layers" / "nudge" / "nudge", ROOT / "functions"):
        compileall.compile_dir(folder, quiet=1)
    compileall.compile_file(FLOOR, quiet=1)
    compileall.compile_file(LIBRARY_FLOOR, quiet=1)


def cold_start(only: set[str]) -> None:
    """Every case, or only those whose floor handler is named in `only` (`run.py cold:get_survey_analytics`)."""
    _compile_bytecode()
    print(f"\nCold start: import + first request in a fresh interpreter, {COLD_RUNS} runs each, alternating")
    print("ratio: of the medians; paired: the median of each run's ratio to the floor run beside it, and its 90%")
    print("bootstrap interval; fastest: of the fastest runs (timeit's rule: the slower ones are other processes'")
    print("interference, which a Lambda sandbox does not share)")
    header = (
        f"{'function':<30}{'nudge ms':>10}{'floor ms':>10}{'ratio':>8}{'paired':>8}{'90%':>10}{'fastest':>9}"
        f"{'peak MB':>14}"
    )
    print(f"{header}  AWS calls (nudge / floor)")
    _library_floor_row()
    for folder, floor_handler, make_event in _selected_cases(only):
        ours_module = ROOT / "functions" / folder / "app.py"
        _probe(ours_module, "lambda_handler", make_event())  # warms the file cache, as a deployed layer is
        ours_calls = _probe(ours_module, "lambda_handler", make_event(), count=True)["calls"]
        floor_calls = _probe(FLOOR, floor_handler, make_event(), count=True)["calls"]
        ours, floor = _alternating_runs((ours_module, "lambda_handler"), (FLOOR, floor_handler), make_event)
        print(
            _cold_row(floor_handler, ours, floor)
            + f"  {len(ours_calls)} {ours_calls} / {len(floor_calls)}"
            + ("" if sorted(ours_calls) == sorted(floor_calls) else f" DIFFERENT CALLS: floor {floor_calls}")
        )


def _selected_cases(only: set[str]) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """Every case, or those whose floor handler `only` names; for a selection, the catalog cases' first probes run
    first, since they store the sample product and survey the other catalog cases read."""
    if only:
        for folder, floor_handler, make_event in CASES:
            if floor_handler in ("put_brand_product", "put_brand_survey"):
                _probe(ROOT / "functions" / folder / "app.py", "lambda_handler", make_event())
    return [case for case in CASES if not only or case[1] in only]


def _library_floor_row() -> None:
    """What pydantic and Powertools alone cost, measured like the cases: benchmarks/library_floor.py."""
    make_event = next(case[2] for case in CASES if case[1] == "get_user_signals")
    _probe(LIBRARY_FLOOR, "get_user_signals", make_event())
    libraries, floor = _alternating_runs((LIBRARY_FLOOR, "get_user_signals"), (FLOOR, "get_user_signals"), make_event)
    print(_cold_row("(library floor)", libraries, floor) + "  pydantic v2, Powertools' Logger, one GetItem")


def _alternating_runs(
    ours: tuple[Path, str], floor: tuple[Path, str], make_event: Callable[[], dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ours_runs, floor_runs = [], []
    for _ in range(COLD_RUNS):
        ours_runs.append(_probe(*ours, make_event()))
        floor_runs.append(_probe(*floor, make_event()))
    return ours_runs, floor_runs


def _cold_row(name: str, ours: list[dict[str, Any]], floor: list[dict[str, Any]]) -> str:
    ours_ms, floor_ms = (statistics.median(run["ms"] for run in runs) for runs in (ours, floor))
    ratios = [mine["ms"] / theirs["ms"] for mine, theirs in zip(ours, floor, strict=True)]
    low, high = _median_interval(ratios)
    fastest = min(run["ms"] for run in ours) / min(run["ms"] for run in floor)
    ours_mb, floor_mb = (max(run["peak_mb"] for run in runs) for runs in (ours, floor))
    return (
        f"{name:<30}{ours_ms:>10.1f}{floor_ms:>10.1f}{ours_ms / floor_ms:>7.2f}x{statistics.median(ratios):>7.2f}x"
        f"{low:>7.2f}-{high:.2f}{fastest:>8.2f}x{ours_mb:>7.0f} /{floor_mb:>4.0f}"
    )


def _median_interval(ratios: list[float]) -> tuple[float, float]:
    """A 90% bootstrap interval of the paired median: how much of a verdict this machine's noise leaves open
    (a fixed seed, so the same runs give the same interval)."""
    draws = random.Random(0)  # noqa: S311 - resampling, not secrets
    medians = [statistics.median(draws.choices(ratios, k=len(ratios))) for _ in range(2000)]
    return _percentile(medians, 0.05), _percentile(medians, 0.95)


def cold_start_own(only: set[str]) -> None:
    """Each case with boto3, pydantic, Powertools' Logger and the DynamoDB client loaded before the clock starts,
    the fastest of OWN_COST_RUNS: the difference to the floor is Nudge's own code (imports, first-use model
    builds, work), which machine noise moves far less than a whole cold start."""
    _compile_bytecode()
    print(f"\nCold start without the libraries' imports: fastest of {OWN_COST_RUNS} runs each, alternating")
    print(f"{'function':<34}{'nudge ms':>10}{'floor ms':>10}{'Nudge own ms':>14}")
    for folder, floor_handler, make_event in _selected_cases(only):
        ours_module = ROOT / "functions" / folder / "app.py"
        _probe(ours_module, "lambda_handler", make_event())
        ours, floor = [], []
        for _ in range(OWN_COST_RUNS):
            ours.append(_probe(ours_module, "lambda_handler", make_event(), preload=True)["ms"])
            floor.append(_probe(FLOOR, floor_handler, make_event(), preload=True)["ms"])
        print(f"{floor_handler:<34}{min(ours):>10.1f}{min(floor):>10.1f}{min(ours) - min(floor):>14.1f}")


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class _AwsCallMeter:
    """Counts DynamoDB calls and the time spent inside them, through botocore's event hooks."""

    def __init__(self, client: Any) -> None:
        self.calls: list[str] = []
        self.seconds = 0.0
        self._started = 0.0
        self.attach(client)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)
        self._started = time.perf_counter()

    def _after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started

    def reset(self) -> None:
        self.calls, self.seconds = [], 0.0


def _measure(
    label: str, function: LocalFunction, invoke: Callable[[int], dict[str, Any]], meter: _AwsCallMeter
) -> None:
    total, own, counts = [], [], []
    with function.warm():  # the function's environment stays in place: the runtime's switch is not timed
        for index in range(WARM_REQUESTS):
            meter.reset()
            started = time.perf_counter()
            result = invoke(index)
            elapsed = time.perf_counter() - started
            assert result["statusCode"] == 200, result
            total.append(elapsed * 1000)
            own.append((elapsed - meter.seconds) * 1000)
            counts.append(len(meter.calls))
    p50, p99 = _percentile(total, 0.5), _percentile(total, 0.99)
    own50, own99 = _percentile(own, 0.5), _percentile(own, 0.99)
    distinct = sorted(set(counts))
    calls = f"{distinct[0] if len(distinct) == 1 else distinct} ({', '.join(meter.calls)})"
    print(f"{label:<36}{p50:>10.2f}{p99:>10.2f}{own50:>10.2f}{own99:>10.2f}  {calls}")


def warm_requests(stack: LocalStack) -> None:
    from nudge import clients

    meter = _AwsCallMeter(clients.dynamodb())
    ingest, read = stack.function("ingest_events"), stack.function("get_user_signals")
    template = _sample("ingest_events", "post_events.json")
    first_event = json.loads(template["body"])["events"][0]

    def post(index: int, with_key: bool) -> dict[str, Any]:
        event = json.loads(json.dumps(template))
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"warm-{index % 30}"
        batch = [{**first_event, "event_id": uuid.uuid4().hex} for _ in range(EVENTS_PER_REQUEST)]
        event["body"] = json.dumps({"events": batch})
        event["headers"].pop("idempotency-key", None)
        if with_key:
            event["headers"]["idempotency-key"] = uuid.uuid4().hex
        return dict(ingest.invoke(event))

    def get(index: int) -> dict[str, Any]:
        event = _sample("get_user_signals", "get_signals.json")
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"warm-{index % 30}"
        event["pathParameters"]["user_id"] = f"warm-{index % 30}"
        return dict(read.invoke(event))

    print(f"\nWarm, in-process: {WARM_REQUESTS} requests each, {EVENTS_PER_REQUEST} events per POST, moto on loopback")
    print("total = handler wall time; nudge = total minus the time inside DynamoDB calls. moto deep-copies a")
    print("table for every item of a transaction, so totals for writes grow with the table: read the nudge columns.")
    print(f"{'request':<36}{'p50 ms':>10}{'p99 ms':>10}{'nudge p50':>10}{'nudge p99':>10}  dynamodb calls per request")
    _measure("POST /v1/events", ingest, lambda index: post(index, with_key=False), meter)
    _measure("POST /v1/events + Idempotency-Key", ingest, lambda index: post(index, with_key=True), meter)
    _measure("GET /v1/users/{user_id}/signals", read, get, meter)
    engagement_events(ingest, template, meter)
    profile_reads(stack, meter)
    recommend = stack.function("recommend_transaction")
    sample = _sample("recommend_transaction", "post_recommendation.json")

    def post_recommendation(index: int) -> dict[str, Any]:
        event = json.loads(json.dumps(sample))
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"warm-{index % 30}"
        return dict(recommend.invoke(event))

    _measure("POST /v1/transaction-recommendations", recommend, post_recommendation, meter)
    pricing_tiers(stack, meter)


def engagement_events(ingest: LocalFunction, template: dict[str, Any], meter: _AwsCallMeter) -> None:
    from datetime import UTC, datetime, timedelta

    from benchmarks.engagement import consent_to_tracking, engagement_batch

    occurred_at = datetime.now(UTC) - timedelta(hours=1)
    with ingest.warm():
        consenting = [consent_to_tracking(f"engaged-{index}") for index in range(30)]

    def post(index: int, users: list[str]) -> dict[str, Any]:
        event = json.loads(json.dumps(template))
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = users[index % len(users)]
        event["body"] = json.dumps({"events": engagement_batch(EVENTS_PER_REQUEST, occurred_at)})
        event["headers"].pop("idempotency-key", None)
        return dict(ingest.invoke(event))

    _measure("POST /v1/events, engagement, consent", ingest, lambda index: post(index, consenting), meter)
    strangers = [f"unconsenting-{index}" for index in range(30)]
    _measure("  ... without consent (not tracked)", ingest, lambda index: post(index, strangers), meter)


def profile_reads(stack: LocalStack, meter: _AwsCallMeter) -> None:
    from datetime import UTC, datetime

    from nudge.profiles.profile import ProfileFields
    from nudge.profiles.user_profiles import profile_writes, replace_profile
    from nudge.users.actor import Actor

    users = [f"engaged-{index}" for index in range(30)]  # their engagement is stored by engagement_events
    fields = ProfileFields.model_validate_json(_sample("put_user_profile", "put_profile.json")["body"])
    with stack.function("put_user_profile").warm():
        for user in users:
            replace_profile(profile_writes(), Actor(user, False), user, fields, datetime.now(UTC))
    sample = _sample("get_user_profile", "get_profile.json")

    def get(index: int) -> dict[str, Any]:
        event = json.loads(json.dumps(sample))
        user = users[index % len(users)]
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = event["pathParameters"]["user_id"] = user
        return dict(read.invoke(event))

    read = stack.function("get_user_profile")
    _measure("GET /v1/users/{user_id}/profile", read, get, meter)


def pricing_tiers(stack: LocalStack, meter: _AwsCallMeter) -> None:
    from datetime import UTC, datetime

    from benchmarks.anchoring import assignment_cost, start_experiment, stop_experiment

    offer = stack.function("offer_pricing_tiers")
    sample = _sample("offer_pricing_tiers", "post_pricing_tiers.json")

    def post(index: int, body_changes: dict[str, Any]) -> dict[str, Any]:
        event = json.loads(json.dumps(sample))
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"offer-{index}"
        event["body"] = json.dumps(json.loads(event["body"]) | body_changes | {"booking_id": f"booking-{index}"})
        return dict(offer.invoke(event))

    post(0, {})  # loads (and seeds) the tier catalog into the function's cache
    _measure("POST /v1/pricing-tiers", offer, lambda index: post(index, {}), meter)
    given = {"archetype": "big_spender", "urgency": "low"}
    _measure("  ... archetype and urgency given", offer, lambda index: post(index, given), meter)
    start_experiment(datetime.now(UTC))
    try:
        post(0, {})
        _measure("  ... with a running experiment", offer, lambda index: post(index + 1000, {}), meter)
    finally:
        stop_experiment(datetime.now(UTC))
    print(f"variant assignment (choose_variant, 2 variants): {assignment_cost():.2f} µs per call")


def recalculation(stack: LocalStack) -> None:
    from datetime import UTC, datetime

    from benchmarks.recalculation_job import job_throughput
    from local_runtime.emulator import provision
    from local_runtime.template import Template
    from nudge import clients

    # Tables of its own, so the run counts exactly the benchmark's users.
    template = Template.load(stack_name="bench-job")
    provision(stack.emulator, template)
    meter = _AwsCallMeter(clients.dynamodb())
    job_throughput(template, stack.emulator, meter, JOB_USERS, JOB_SEGMENTS, lambda: datetime.now(UTC))


def erasure(stack: LocalStack) -> None:
    from benchmarks.erasure_job import erasure_throughput
    from local_runtime.emulator import provision
    from local_runtime.template import Template
    from nudge import clients

    template = Template.load(stack_name="bench-erasure")
    provision(stack.emulator, template)
    erasure_throughput(template, stack.emulator, _AwsCallMeter(clients.dynamodb()), ERASURE_USERS)


def product_recommendations(stack: LocalStack) -> None:
    from benchmarks.product_recommendations import recommendation_reads
    from nudge import clients

    meter = _AwsCallMeter(clients.dynamodb())
    recommendation_reads(stack, lambda label, function, invoke: _measure(label, function, invoke, meter))


def survey_analytics(stack: LocalStack) -> None:
    from benchmarks.survey_analytics import analytics_event, now, survey_with_responses
    from nudge import clients

    client = clients.dynamodb()
    meter = _AwsCallMeter(client)
    read = stack.function("get_survey_analytics")
    sample = _sample("get_survey_analytics", "get_survey_analytics.json")
    print(f"\nBrands' survey analytics, warm, in-process: {WARM_REQUESTS} requests each, moto on loopback")
    print(f"{'request':<36}{'p50 ms':>10}{'p99 ms':>10}{'nudge p50':>10}{'nudge p99':>10}  dynamodb calls per request")
    for count in (1_000, 100_000):
        event = analytics_event(sample, survey_with_responses(count, now()))

        def get(_: int, event: dict[str, Any] = event) -> dict[str, Any]:
            return dict(read.invoke(event))

        _measure(f"GET analytics, {count:,} responses", read, get, meter)
    items: list[int] = []
    event_name = "provide-client-params.dynamodb.TransactWriteItems"
    client.meta.events.register(event_name, lambda params, **_: items.append(len(params["TransactItems"])))
    submit = stack.function("submit_survey_response")
    for folder, name in (("put_brand_product", "put_product.json"), ("put_brand_survey", "put_survey.json")):
        written = stack.function(folder).invoke(_sample(folder, name))  # the survey the sample response answers
        assert written["statusCode"] == 200, written
    events = [_sharing_responder_event() for _ in range(20)]
    calls: set[tuple[str, ...]] = set()
    with submit.warm():
        for event in events:
            meter.reset()
            assert submit.invoke(event)["statusCode"] == 201
            calls.add(tuple(meter.calls))
    print(f"POST a consenting response with text: calls {sorted(calls)}; items per transaction {sorted(set(items))}")


def campaign(stack: LocalStack) -> None:
    from benchmarks.campaign_fanout import campaign_throughput
    from local_runtime.emulator import provision
    from local_runtime.template import Template
    from nudge import clients

    template = Template.load(stack_name="bench-campaign")
    provision(stack.emulator, template)
    campaign_throughput(
        template, stack.emulator, _AwsCallMeter(clients.dynamodb()), CAMPAIGN_RECIPIENTS, CAMPAIGN_SEGMENTS
    )


def feedback(stack: LocalStack) -> None:
    from benchmarks.delivery_feedback import ThreadMeter, feedback_throughput
    from nudge import clients

    feedback_throughput(stack, ThreadMeter(clients.dynamodb()), FEEDBACK_EVENTS, FEEDBACK_THREADS)


def main() -> None:
    arguments = sys.argv[1:] or [
        "cold",
        "cold-own",
        "warm",
        "job",
        "erasure",
        "analytics",
        "recs",
        "campaign",
        "feedback",
    ]
    phases = {argument.split(":")[0] for argument in arguments}
    only = {name for argument in arguments if ":" in argument for name in argument.split(":")[1].split(",")}
    stack = LocalStack.start(seed=False, deliver_events=False)
    runs: dict[str, Callable[[], None]] = {
        "cold": lambda: cold_start(only),
        "cold-own": lambda: cold_start_own(only),
        "warm": lambda: warm_requests(stack),
        "job": lambda: recalculation(stack),
        "erasure": lambda: erasure(stack),
        "analytics": lambda: survey_analytics(stack),
        "recs": lambda: product_recommendations(stack),
        "campaign": lambda: campaign(stack),
        "feedback": lambda: feedback(stack),
    }
    try:
        for name, run in runs.items():
            if name in phases:
                run()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
