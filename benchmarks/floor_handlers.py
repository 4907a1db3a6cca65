"""Floor handlers for the cold-start benchmark: plain boto3, the same DynamoDB calls, nothing else.

Each makes exactly the calls its Nudge counterpart makes (the benchmark checks the counts), with
no validation, no framework and no models: the least any handler doing this work could cost.
"""

from __future__ import annotations

import json
import os
import time
from functools import cache
from typing import Any

import boto3

dynamodb = boto3.client("dynamodb")
BEHAVIOR_TABLE = os.environ.get("BEHAVIOR_TABLE_NAME", "")
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE_NAME", "")
RECOMMENDATION_TABLE = os.environ.get("RECOMMENDATION_TABLE_NAME", "")
PRICING_TABLE = os.environ.get("PRICING_TABLE_NAME", "")
ANCHORING_TABLE = os.environ.get("ANCHORING_TABLE_NAME", "")
PROFILE_TABLE = os.environ.get("PROFILE_TABLE_NAME", "")
SENSITIVE_TABLE = os.environ.get("SENSITIVE_ATTRIBUTE_TABLE_NAME", "")
SENSITIVE_KEY = os.environ.get("SENSITIVE_ATTRIBUTE_KEY", "")


def _user(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"])


def _signals_key(user: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user}"}, "sk": {"S": "SIGNALS"}}


# Engagement events update the engagement aggregates (under the consent read), transaction events the signals.
ENGAGEMENT_TYPES = frozenset(
    {"product_view", "product_bookmark", "survey_start", "survey_complete", "survey_response", "notification_click"}
)


def _versioned_put(table: str, item: dict[str, Any], found: dict[str, Any] | None) -> dict[str, Any]:
    """A Put conditional on the item still being at the version read (absent when none was)."""
    version = int(found["version"]["N"]) if found else 0
    put: dict[str, Any] = {"TableName": table, "Item": {**item, "version": {"N": str(version + 1)}}}
    if version:
        put["ConditionExpression"] = "version = :previous"
        put["ExpressionAttributeValues"] = {":previous": {"N": str(version)}}
    else:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}


def _ingest(user: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One BatchGetItem (signals, engagement, consent) and one transaction writing what Nudge's does: the
    activity, the aggregates each kind of event changes (versioned), a consent check for engagement, a
    completed survey's reminder and each event, conditional on being new."""
    key = {"pk": {"S": f"USER#{user}"}}
    request: dict[str, Any] = {
        BEHAVIOR_TABLE: {"Keys": [_signals_key(user), {**key, "sk": {"S": "ENGAGEMENT"}}], "ConsistentRead": True},
        PROFILE_TABLE: {"Keys": [{**key, "sk": {"S": "CONSENT"}}], "ConsistentRead": True},
    }
    responses = dynamodb.batch_get_item(RequestItems=request)["Responses"]
    found = {item["sk"]["S"]: item for table in responses.values() for item in table}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    items: list[Any] = [
        {"Put": {"TableName": PROFILE_TABLE, "Item": {**key, "sk": {"S": "ACTIVITY"}, "last_active_at": {"S": now}}}}
    ]
    engagement = [event for event in events if event["type"] in ENGAGEMENT_TYPES]
    if len(engagement) < len(events):
        counts = {"events_count": {"N": str(len(events) - len(engagement))}}
        items.append(_versioned_put(BEHAVIOR_TABLE, {**_signals_key(user), **counts}, found.get("SIGNALS")))
    if engagement:
        counts = {"events_count": {"N": str(len(engagement))}, "last_active_at": {"S": now}}
        items.append(
            _versioned_put(BEHAVIOR_TABLE, {**key, "sk": {"S": "ENGAGEMENT"}, **counts}, found.get("ENGAGEMENT"))
        )
        consent = found["CONSENT"]["version"]
        check = {"ConditionExpression": "version = :version", "ExpressionAttributeValues": {":version": consent}}
        items.append({"ConditionCheck": {"TableName": PROFILE_TABLE, "Key": {**key, "sk": {"S": "CONSENT"}}, **check}})
    items += [
        _reminder_completed(user, event["survey_id"], now) for event in events if event["type"] == "survey_complete"
    ]
    for event in events:
        item = {**key, "sk": {"S": f"EVENT#{event['event_id']}"}, "type": {"S": event["type"]}}
        items.append(
            {"Put": {"TableName": BEHAVIOR_TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        )
    dynamodb.transact_write_items(TransactItems=items)
    return {"user_id": user, "accepted_event_ids": [event["event_id"] for event in events]}


def _reminder_completed(user: str, survey_id: str, now: str) -> dict[str, Any]:
    values = {":survey": {"S": survey_id}, ":completed": {"S": "completed"}, ":now": {"S": now}}
    return {
        "Update": {
            "TableName": DELIVERY_TABLE,
            "Key": {"pk": {"S": f"USER#{user}"}, "sk": {"S": f"REMINDER#{survey_id}"}},
            "UpdateExpression": "SET survey_id = :survey, outcome = if_not_exists(outcome, :completed), "
            "decided_at = if_not_exists(decided_at, :now) REMOVE reminder_shard, reminder_started_at",
            "ExpressionAttributeValues": values,
        }
    }


def ingest_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = _user(event)
    body = json.loads(event["body"])
    key = event["headers"].get("idempotency-key")
    record = {"pk": {"S": f"USER#{user}"}, "sk": {"S": f"ingest_events#{key}"}}
    if key:
        expiry = {"N": str(int(time.time()) + 3600)}
        dynamodb.put_item(
            TableName=IDEMPOTENCY_TABLE,
            Item={**record, "status": {"S": "INPROGRESS"}, "expiration": expiry},
            ConditionExpression="attribute_not_exists(pk)",
        )
    result = _ingest(user, body["events"])
    if key:
        dynamodb.update_item(
            TableName=IDEMPOTENCY_TABLE,
            Key=record,
            UpdateExpression="SET #status = :done, #data = :data",
            ExpressionAttributeNames={"#status": "status", "#data": "data"},
            ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":data": {"S": json.dumps(result)}},
        )
    return {"statusCode": 200, "body": json.dumps(result)}


def get_user_signals(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    item = dynamodb.get_item(TableName=BEHAVIOR_TABLE, Key=_signals_key(user), ConsistentRead=True).get("Item", {})
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "version": item.get("version", {}).get("N")})}


def ingest_bridge_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail = dict(event["detail"])
    user = detail.pop("user_id")
    return _ingest(user, [{**detail, "type": event["detail-type"]}])


def recommend_transaction(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = _user(event)
    keys = [{"pk": {"S": f"USER#{user}"}, "sk": {"S": sk}} for sk in ("SIGNALS", "ARCHETYPE", "ARCHETYPE_OVERRIDE")]
    state = dynamodb.batch_get_item(RequestItems={BEHAVIOR_TABLE: {"Keys": keys, "ConsistentRead": True}})
    body = json.loads(event["body"])
    price = round(float(body["nightly_price"]) * int(body["nights"]) * 1.25, 2)
    record = {"user_id": user, "primary": "crash", "price": price, "found": len(state["Responses"][BEHAVIOR_TABLE])}
    recommendation_id = os.urandom(16).hex()
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": RECOMMENDATION_TABLE,
                    "Item": {
                        "pk": {"S": f"REC#{recommendation_id}"},
                        "sk": {"S": "LOG"},
                        "record": {"S": json.dumps(record)},
                    },
                }
            },
            {
                "Update": {
                    "TableName": RECOMMENDATION_TABLE,
                    "Key": {"pk": {"S": "STATS#0"}, "sk": {"S": "DAY#2026-11-21"}},
                    "UpdateExpression": "ADD recommended__all :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    return {"statusCode": 200, "body": json.dumps(record | {"recommendation_id": recommendation_id})}


def offer_pricing_tiers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = _user(event)
    body = json.loads(event["body"])
    catalog = dynamodb.query(
        TableName=PRICING_TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "CATALOG"}}
    )["Items"]
    keys = [{"pk": {"S": f"USER#{user}"}, "sk": {"S": sk}} for sk in ("SIGNALS", "ARCHETYPE", "ARCHETYPE_OVERRIDE")]
    dynamodb.batch_get_item(RequestItems={BEHAVIOR_TABLE: {"Keys": keys, "ConsistentRead": True}})
    tiers = [json.loads(item["tier"]["S"]) for item in catalog if "tier" in item]
    prices = {tier["tier_id"]: round(float(body["base_price"]) * float(tier["multiplier"]), 2) for tier in tiers}
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": ANCHORING_TABLE,
                    "Key": {"pk": {"S": f"IMPRESSION#{user}#{body['booking_id']}"}, "sk": {"S": "LATEST"}},
                    "UpdateExpression": "SET prices = :p ADD showings :one",
                    "ExpressionAttributeValues": {":p": {"S": json.dumps(prices)}, ":one": {"N": "1"}},
                }
            },
            {
                "Update": {
                    "TableName": ANCHORING_TABLE,
                    "Key": {"pk": {"S": "TIERSTATS#0"}, "sk": {"S": "DAY#2026-11-21"}},
                    "UpdateExpression": "ADD impressions :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    return {"statusCode": 200, "body": json.dumps({"tiers": prices})}


def _profile_key(user: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user}"}, "sk": {"S": sk}}


def _activity(user: str) -> dict[str, Any]:
    item = {**_profile_key(user, "ACTIVITY"), "activity_shard": {"S": "0"}, "last_active_at": {"S": "2026-12-01"}}
    return {"Put": {"TableName": PROFILE_TABLE, "Item": item}}


def _profile_and_engagement(user: str) -> dict[str, Any]:
    """The profile and the engagement aggregates in one BatchGetItem; the profile item, or {}."""
    found = dynamodb.batch_get_item(
        RequestItems={
            PROFILE_TABLE: {"Keys": [_profile_key(user, "PROFILE")], "ConsistentRead": True},
            BEHAVIOR_TABLE: {"Keys": [_profile_key(user, "ENGAGEMENT")], "ConsistentRead": True},
        }
    )["Responses"]
    return dict(found.get(PROFILE_TABLE, [{}])[0]) if found.get(PROFILE_TABLE) else {}


def _write_profile(user: str, profile: dict[str, Any]) -> dict[str, Any]:
    version = int(_profile_and_engagement(user).get("version", {}).get("N", "0"))
    item = {**_profile_key(user, "PROFILE"), "fields": {"S": json.dumps(profile)}, "version": {"N": str(version + 1)}}
    put: Any = {"TableName": PROFILE_TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    transaction: list[Any] = [{"Put": put}, _activity(user)]
    dynamodb.transact_write_items(TransactItems=transaction)
    return {"statusCode": 200, "body": json.dumps(profile | {"user_id": user})}


def put_user_profile(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _write_profile(event["pathParameters"]["user_id"], json.loads(event["body"]))


def patch_user_profile(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    current = _profile_and_engagement(user)
    version = int(current["version"]["N"])
    merged = {
        **current["fields"]["M"],
        **{key: {"S": json.dumps(value)} for key, value in json.loads(event["body"]).items()},
    }
    item = {**_profile_key(user, "PROFILE"), "fields": {"M": merged}}
    put: Any = {
        "TableName": PROFILE_TABLE,
        "Item": item | {"version": {"N": str(version + 1)}},
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": {":v": {"N": str(version)}},
    }
    transaction: list[Any] = [{"Put": put}, _activity(user)]
    dynamodb.transact_write_items(TransactItems=transaction)
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "fields": sorted(merged)})}


def get_user_profile(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "found": bool(_profile_and_engagement(user))})}


def put_user_consent(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    wanted = json.loads(event["body"])
    dynamodb.get_item(TableName=PROFILE_TABLE, Key=_profile_key(user, "CONSENT"), ConsistentRead=True)
    consent = {**_profile_key(user, "CONSENT"), "settings": {"S": json.dumps(wanted)}, "version": {"N": "1"}}
    items: list[Any] = [
        {"Put": {"TableName": PROFILE_TABLE, "Item": consent, "ConditionExpression": "attribute_not_exists(pk)"}}
    ]
    for index, purpose in enumerate(wanted):
        history = {**_profile_key(user, f"CONSENT_HISTORY#2026-12-01#{index:02d}"), "purpose": {"S": purpose}}
        items.append({"Put": {"TableName": PROFILE_TABLE, "Item": history}})
    items.append(_activity(user))
    dynamodb.transact_write_items(TransactItems=items)
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "settings": wanted})}


def get_user_consent(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    consent = dynamodb.get_item(TableName=PROFILE_TABLE, Key=_profile_key(user, "CONSENT"), ConsistentRead=True)
    history = dynamodb.query(
        TableName=PROFILE_TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}, ":prefix": {"S": "CONSENT_HISTORY#"}},
        ScanIndexForward=False,
        Limit=20,
    )
    body = {"user_id": user, "found": "Item" in consent, "history": len(history["Items"])}
    return {"statusCode": 200, "body": json.dumps(body)}


@cache
def _sqs() -> Any:
    """One client for every batch, as Nudge's queues share theirs."""
    return boto3.client("sqs")


@cache
def _kms() -> Any:
    """Created on first use, as cryptography is imported: the floors that never encrypt must not pay for them."""
    return boto3.client("kms")


def _sensitive(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    user, name = event["pathParameters"]["user_id"], event["pathParameters"].get("name", "")
    key = {"pk": {"S": f"USER#{user}"}, "sk": {"S": f"ATTRIBUTE#{name}"}}
    return key, {"user_id": user, "attribute": name}


def put_sensitive_attribute(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, bound = _sensitive(event)
    data_key = _kms().generate_data_key(KeyId=SENSITIVE_KEY, KeySpec="AES_256", EncryptionContext=bound)
    nonce = os.urandom(12)
    value = json.loads(event["body"])["value"].encode()
    sealed = AESGCM(data_key["Plaintext"]).encrypt(
        nonce, value, json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()
    )
    dynamodb.update_item(
        TableName=SENSITIVE_TABLE,
        Key=key,
        UpdateExpression="SET encrypted_key = :k, nonce = :n, ciphertext = :c",
        ExpressionAttributeValues={":k": {"B": data_key["CiphertextBlob"]}, ":n": {"B": nonce}, ":c": {"B": sealed}},
    )
    return {"statusCode": 200, "body": json.dumps({"name": bound["attribute"]})}


def list_sensitive_attributes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, bound = _sensitive(event)
    items = dynamodb.query(
        TableName=SENSITIVE_TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": key["pk"]}
    )["Items"]
    values = {}
    for item in items:
        name = item["sk"]["S"].removeprefix("ATTRIBUTE#")
        bound["attribute"] = name
        data_key = _kms().decrypt(
            KeyId=SENSITIVE_KEY, CiphertextBlob=item["encrypted_key"]["B"], EncryptionContext=bound
        )["Plaintext"]
        aad = json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()
        values[name] = AESGCM(data_key).decrypt(item["nonce"]["B"], item["ciphertext"]["B"], aad).decode()
    return {"statusCode": 200, "body": json.dumps(values)}


def delete_sensitive_attribute(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key, _ = _sensitive(event)
    dynamodb.delete_item(TableName=SENSITIVE_TABLE, Key=key, ReturnValues="ALL_OLD")
    return {"statusCode": 200, "body": json.dumps({"name": key["sk"]["S"]})}


NOTIFICATION_TABLE = os.environ.get("NOTIFICATION_TABLE_NAME", "")
AUDIT_TABLE = os.environ.get("AUDIT_TABLE_NAME", "")


def _admin_document(kind: str, event: dict[str, Any], name: str) -> dict[str, Any]:
    """GetItem of the current document, then the new one with its audit record in one transaction."""
    key = {"pk": {"S": kind}, "sk": {"S": event["pathParameters"][name]}}
    dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)
    item = {**key, "document": {"S": event["body"]}, "version": {"N": "1"}}
    audit = {"pk": {"S": "AUDIT"}, "sk": {"S": f"{time.time():.6f}"}, "after": {"S": event["body"]}}
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": NOTIFICATION_TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": AUDIT_TABLE, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    return {"statusCode": 200, "body": event["body"]}


def put_segment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _admin_document("SEGMENT", event, "segment_id")


def put_template(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _admin_document("TEMPLATE", event, "template_id")


def get_segment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = {"pk": {"S": "SEGMENT"}, "sk": {"S": event["pathParameters"]["segment_id"]}}
    item = dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)["Item"]
    return {"statusCode": 200, "body": item["document"]["S"]}


def _admin_list(kind: str) -> dict[str, Any]:
    """One page of the admin documents of a kind: a Query of their partition."""
    response = dynamodb.query(
        TableName=NOTIFICATION_TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": kind}},
        Limit=50,
    )
    return {"statusCode": 200, "body": json.dumps([item["sk"]["S"] for item in response["Items"]])}


def list_segments(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _admin_list("SEGMENT")


def list_templates(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _admin_list("TEMPLATE")


def list_campaigns(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _admin_list("CAMPAIGN")


def preview_segment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The segment, one Scan page of profiles, and their consents (a segment without rules matches every one)."""
    get_segment(event, context)
    page = dynamodb.scan(
        TableName=PROFILE_TABLE,
        FilterExpression="sk = :profile",
        ExpressionAttributeValues={":profile": {"S": "PROFILE"}},
        Limit=int(event["queryStringParameters"]["limit"]),
    )
    keys = [{"pk": item["pk"], "sk": {"S": "CONSENT"}} for item in page["Items"]]
    consenting = 0
    for start in range(0, len(keys), 100):
        found = dynamodb.batch_get_item(RequestItems={PROFILE_TABLE: {"Keys": keys[start : start + 100]}})
        consenting += len(found["Responses"].get(PROFILE_TABLE, []))
    return {"statusCode": 200, "body": json.dumps({"matching": len(keys), "consenting": consenting})}


DELIVERY_TABLE = os.environ.get("DELIVERY_TABLE_NAME", "")


def _campaign_counts(campaign_id: str) -> dict[str, Any]:
    key = {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": "COUNTS"}}
    return dict(dynamodb.batch_get_item(RequestItems={NOTIFICATION_TABLE: {"Keys": [key]}}))


def create_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The segment and the template read, the draft with its audit record in one transaction, its counters."""
    body = json.loads(event["body"])
    for kind, name in (("SEGMENT", "segment_id"), ("TEMPLATE", "template_id")):
        key = {"pk": {"S": kind}, "sk": {"S": body[name]}}
        dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)
    item = {"pk": {"S": "CAMPAIGN"}, "sk": {"S": body["campaign_id"]}, "document": {"S": event["body"]}}
    audit = {"pk": {"S": "AUDIT"}, "sk": {"S": f"{time.time():.6f}"}, "after": {"S": event["body"]}}
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": NOTIFICATION_TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": AUDIT_TABLE, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    _campaign_counts(body["campaign_id"])
    return {"statusCode": 201, "body": event["body"]}


def get_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    campaign_id = event["pathParameters"]["campaign_id"]
    key = {"pk": {"S": "CAMPAIGN"}, "sk": {"S": campaign_id}}
    item = dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)["Item"]
    _campaign_counts(campaign_id)
    return {"statusCode": 200, "body": item["document"]["S"]}


def get_user_notifications(event: dict[str, Any], context: Any) -> dict[str, Any]:
    items = dynamodb.query(
        TableName=DELIVERY_TABLE,
        IndexName="DeliveriesByTime",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{_user(event)}"}},
        ScanIndexForward=False,
        Limit=20,
    )["Items"]
    return {"statusCode": 200, "body": json.dumps({"notifications": items})}


CATALOG_TABLE = os.environ.get("CATALOG_TABLE_NAME", "")
RESPONSE_TABLE = os.environ.get("SURVEY_RESPONSE_TABLE_NAME", "")
EVENT_BUS = os.environ.get("EVENT_BUS_NAME", "")


@cache
def _events() -> Any:
    """Created on first use, as Nudge's is: only a launch or a publication sends an event."""
    return boto3.client("events")


def _catalog_item(pk: str, sk: str) -> dict[str, Any]:
    found = dynamodb.batch_get_item(
        RequestItems={CATALOG_TABLE: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}}], "ConsistentRead": True}}
    )["Responses"]
    return dict(found[CATALOG_TABLE][0]) if found.get(CATALOG_TABLE) else {}


def _write_catalog(event: dict[str, Any], pk: str, sk: str, detail_type: str) -> dict[str, Any]:
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    if claims.get("custom:brand_id") != event["pathParameters"]["brand_id"]:
        return {"statusCode": 404, "body": "{}"}
    current = _catalog_item(pk, sk)
    version = int(current.get("version", {}).get("N", "0"))
    announced = current.get("announced", {}).get("BOOL", False)
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "body": {"S": event["body"]}, "version": {"N": str(version + 1)}}
    item["announced"] = {"BOOL": announced}
    condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    if version:
        condition = {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": str(version)}}}
    dynamodb.put_item(TableName=CATALOG_TABLE, Item=item, **condition)
    if not announced:
        entry = {
            "EventBusName": EVENT_BUS,
            "Source": "nudge.catalog",
            "DetailType": detail_type,
            "Detail": event["body"],
        }
        _events().put_events(Entries=[entry])
        dynamodb.update_item(
            TableName=CATALOG_TABLE,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            UpdateExpression="SET announced = :true",
            ExpressionAttributeValues={":true": {"BOOL": True}},
        )
    return {"statusCode": 200, "body": event["body"]}


# The floors' catalog items have keys of their own: their shapes are not Nudge's, which reads the same table.
def put_brand_product(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The product written, then (launched) its category's candidate list read with its views and rewritten."""
    product_id = event["pathParameters"]["product_id"]
    answer = _write_catalog(event, f"FLOOR#PRODUCT#{product_id}", "PRODUCT", "product.launched")
    if "launched_at" in json.loads(event["body"]):
        listed = {"pk": {"S": "FLOOR#CANDIDATES#TECH_SAAS"}, "sk": {"S": "CANDIDATES"}}
        views = {"pk": {"S": f"FLOOR#PRODUCT#{product_id}"}, "sk": {"S": "VIEWS"}}
        dynamodb.batch_get_item(RequestItems={CATALOG_TABLE: {"Keys": [listed, views], "ConsistentRead": True}})
        entry = {"M": {"product_id": {"S": product_id}, "views": {"N": "0"}}}
        dynamodb.put_item(TableName=CATALOG_TABLE, Item={**listed, "entries": {"L": [entry]}})
    return answer


def put_brand_survey(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _write_catalog(event, f"FLOOR#SURVEY#{event['pathParameters']['survey_id']}", "SURVEY", "survey.published")


def get_product(event: dict[str, Any], context: Any) -> dict[str, Any]:
    item = _catalog_item(f"FLOOR#PRODUCT#{event['pathParameters']['product_id']}", "PRODUCT")
    return {"statusCode": 200 if item else 404, "body": json.dumps({"found": bool(item)})}


def get_survey(event: dict[str, Any], context: Any) -> dict[str, Any]:
    item = _catalog_item(f"FLOOR#SURVEY#{event['pathParameters']['survey_id']}", "SURVEY")
    return {"statusCode": 200 if item else 404, "body": json.dumps({"found": bool(item)})}


def _survey_and_respondent(survey_id: str, user: str) -> None:
    """The survey, the respondent's profile and consent: one BatchGetItem."""
    dynamodb.batch_get_item(
        RequestItems={
            CATALOG_TABLE: {
                "Keys": [{"pk": {"S": f"SURVEY#{survey_id}"}, "sk": {"S": "SURVEY"}}],
                "ConsistentRead": True,
            },
            PROFILE_TABLE: {
                "Keys": [_profile_key(user, "PROFILE"), _profile_key(user, "CONSENT")],
                "ConsistentRead": True,
            },
        }
    )


def submit_survey_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The survey, profile and consent in one BatchGetItem, the conditional response, then the engagement
    event ingested as event ingestion does it (one BatchGetItem, one transaction)."""
    user, survey_id = _user(event), event["pathParameters"]["survey_id"]
    _survey_and_respondent(survey_id, user)
    item = {
        "pk": {"S": f"SURVEY#{survey_id}"},
        "sk": {"S": f"RESPONSE#{user}"},
        "user_id": {"S": user},
        "survey_id": {"S": survey_id},
        "answers": {"S": event["body"]},
    }
    dynamodb.put_item(TableName=RESPONSE_TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
    completion = {"event_id": f"survey_complete:{survey_id}", "type": "survey_complete", "survey_id": survey_id}
    _ingest(user, [completion])
    return {"statusCode": 201, "body": json.dumps({"user_id": user, "survey_id": survey_id})}


ANALYTICS_TABLE = os.environ.get("SURVEY_ANALYTICS_TABLE_NAME", "")
# The counters a consenting response adds to: total, channel, day, age, gender, country, state.
RESPONSE_CELLS = 7


def submit_survey_response_shared(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """As submit_survey_response, the response written in one transaction with its aggregate counters: one
    ADD per cell and one per distinct word of the text answers (no sentiment, no stop words: plain boto3)."""
    user, survey_id = _user(event), event["pathParameters"]["survey_id"]
    _survey_and_respondent(survey_id, user)
    body = json.loads(event["body"])
    words = {word for a in body["answers"] if isinstance(a["value"], str) for word in a["value"].lower().split()}
    response = {"pk": {"S": f"SURVEY#{survey_id}"}, "sk": {"S": f"RESPONSE#{user}"}, "user_id": {"S": user}}
    items: list[Any] = [
        {"Put": {"TableName": RESPONSE_TABLE, "Item": response, "ConditionExpression": "attribute_not_exists(pk)"}}
    ]
    keys = [f"FLOOR#CELL#{index}" for index in range(RESPONSE_CELLS)] + [f"FLOOR#WORD#{word}" for word in words]
    for sort_key in keys:
        update = {
            "TableName": ANALYTICS_TABLE,
            "Key": {"pk": {"S": f"FLOOR#SURVEY#{survey_id}"}, "sk": {"S": sort_key}},
            "UpdateExpression": "ADD respondents :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
        items.append({"Update": update})
    dynamodb.transact_write_items(TransactItems=items)
    completion = {"event_id": f"survey_complete:{survey_id}", "type": "survey_complete", "survey_id": survey_id}
    _ingest(user, [completion])
    return {"statusCode": 201, "body": json.dumps({"user_id": user, "survey_id": survey_id})}


def get_survey_analytics(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Nudge's three reads: the survey (its brand), the survey's aggregate partition, its top keywords."""
    survey_id = event["pathParameters"]["survey_id"]
    survey = _catalog_item(f"SURVEY#{survey_id}", "SURVEY")
    cells = _partition(ANALYTICS_TABLE, f"SURVEY#{survey_id}")
    keywords = dynamodb.query(
        TableName=ANALYTICS_TABLE,
        IndexName="KeywordsByFrequency",
        KeyConditionExpression="survey_id = :survey AND frequency >= :minimum",
        ExpressionAttributeValues={":survey": {"S": survey_id}, ":minimum": {"N": "10"}},
        ScanIndexForward=False,
        Limit=10,
    )["Items"]
    body = {"found": bool(survey), "cells": len(cells), "keywords": [item["sk"]["S"] for item in keywords]}
    return {"statusCode": 200, "body": json.dumps(body)}


ERASURE_TABLE = os.environ.get("ERASURE_TABLE_NAME", "")
ERASURE_QUEUE = os.environ.get("ERASURE_QUEUE_URL", "")
SIGNING_SECRET = os.environ.get("SIGNING_KEY_SECRET_ARN", "")


def _partition(table: str, pk: str, index: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """The partition, or with `index` (name, key attribute) the user's items in that index."""
    if index is None:
        arguments: dict[str, Any] = {"KeyConditionExpression": "pk = :pk"}
    else:
        arguments = {"IndexName": index[0], "KeyConditionExpression": f"{index[1]} = :pk"}
    response = dynamodb.query(TableName=table, ExpressionAttributeValues={":pk": {"S": pk}}, **arguments)
    return list(response["Items"])


def export_user_data(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Queries the export makes (one per table, two for the audit trail, the same indexes), nothing decoded."""
    user = event["pathParameters"]["user_id"]
    partition = f"USER#{user}"
    reads: list[tuple[str, str, tuple[str, str] | None]] = [
        (BEHAVIOR_TABLE, partition, None),
        (RECOMMENDATION_TABLE, user, ("UserRecommendations", "user_id")),
        (ANCHORING_TABLE, user, ("UserItems", "user_id")),
        (PROFILE_TABLE, partition, None),
        (AUDIT_TABLE, user, ("ByTargetUser", "target_user_id")),
        (AUDIT_TABLE, user, ("ByActor", "actor_user_id")),
        (SENSITIVE_TABLE, partition, None),
        (IDEMPOTENCY_TABLE, partition, None),
        (RESPONSE_TABLE, user, ("ResponsesByUser", "user_id")),
        (DELIVERY_TABLE, partition, None),
    ]
    sections = {f"{table}-{at}": len(_partition(table, key, index)) for at, (table, key, index) in enumerate(reads)}
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "tables": sections})}


def request_user_erasure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The subject's HMAC key, the receipt and active marker in one transaction, the address, the message."""
    import hashlib
    import hmac

    user = event["pathParameters"]["user_id"]
    key = boto3.client("secretsmanager").get_secret_value(SecretId=SIGNING_SECRET)["SecretString"]
    subject = hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()
    erasure_id = os.urandom(16).hex()
    active = {"pk": {"S": f"SUBJECT#{subject}"}, "sk": {"S": "FLOOR-ACTIVE"}, "erasure_id": {"S": erasure_id}}
    receipt = {"pk": {"S": f"ERASURE#{erasure_id}"}, "sk": {"S": "RECEIPT"}, "status": {"S": "pending"}}
    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": ERASURE_TABLE, "Item": item}} for item in (active, receipt)]
    )
    profile = dynamodb.get_item(TableName=PROFILE_TABLE, Key=_profile_key(user, "PROFILE"), ConsistentRead=True)
    message = {"erasure_id": erasure_id, "user_id": user, "email": "Item" in profile}
    boto3.client("sqs").send_message(QueueUrl=ERASURE_QUEUE, MessageBody=json.dumps(message))
    return {"statusCode": 202, "body": json.dumps({"erasure_id": erasure_id, "status": "pending"})}


def get_user_erasure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    erasure_id = event["pathParameters"]["erasure_id"]
    key = {"pk": {"S": f"ERASURE#{erasure_id}"}, "sk": {"S": "RECEIPT"}}
    item = dynamodb.get_item(TableName=ERASURE_TABLE, Key=key, ConsistentRead=True).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps({"found": bool(item)})}


def _mark(table: str, key: dict[str, Any], name: str) -> None:
    dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #name = :now",
        ExpressionAttributeNames={"#name": name},
        ExpressionAttributeValues={":now": {"S": str(time.time())}},
    )


def _erase_partition(table: str, user: str, queries: int = 1) -> None:
    items = [item for _ in range(queries) for item in _partition(table, f"USER#{user}")]
    if items:
        deletes: list[Any] = [{"DeleteRequest": {"Key": {"pk": item["pk"], "sk": item["sk"]}}} for item in items[:25]]
        dynamodb.batch_write_item(RequestItems={table: deletes})


def erase_user_data(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The receipt read and claimed, each table's partition queried (items deleted) and recorded, the event
    published, the confirmation sent, the receipt completed and the active marker deleted."""
    import hashlib
    import hmac

    message = json.loads(event["Records"][0]["body"])
    user, receipt = message["user_id"], {"pk": {"S": f"ERASURE#{message['erasure_id']}"}, "sk": {"S": "FLOOR"}}
    dynamodb.get_item(TableName=ERASURE_TABLE, Key=receipt, ConsistentRead=True)
    key = boto3.client("secretsmanager").get_secret_value(SecretId=SIGNING_SECRET)["SecretString"]
    subject = hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()
    _mark(ERASURE_TABLE, receipt, "started_at")
    tables = [BEHAVIOR_TABLE, RECOMMENDATION_TABLE, ANCHORING_TABLE, PROFILE_TABLE, AUDIT_TABLE]
    for table in [*tables, SENSITIVE_TABLE, IDEMPOTENCY_TABLE, RESPONSE_TABLE, DELIVERY_TABLE]:
        _erase_partition(table, user, queries=3 if table == AUDIT_TABLE else 1)
        _mark(ERASURE_TABLE, receipt, table)
    detail = json.dumps({"subject": subject, "erasure_id": message["erasure_id"]})
    _events().put_events(Entries=[{"EventBusName": EVENT_BUS, "Source": "floor", "DetailType": "x", "Detail": detail}])
    _mark(ERASURE_TABLE, receipt, "event_published_at")
    boto3.client("sesv2").send_email(
        FromEmailAddress=os.environ["NOTIFICATION_SENDER_ADDRESS"],
        Destination={"ToAddresses": [message["email"]]},
        Content={"Simple": {"Subject": {"Data": "Erased"}, "Body": {"Text": {"Data": "Your data was erased."}}}},
        ConfigurationSetName=os.environ["NOTIFICATION_CONFIGURATION_SET"],
    )
    _mark(ERASURE_TABLE, receipt, "confirmation")
    _mark(ERASURE_TABLE, receipt, "completed_at")
    dynamodb.delete_item(TableName=ERASURE_TABLE, Key={"pk": {"S": f"SUBJECT#{subject}"}, "sk": {"S": "FLOOR"}})
    return {"batchItemFailures": []}


def _index_page(table: str, index: str, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    response = dynamodb.query(
        TableName=table, IndexName=index, KeyConditionExpression=condition, ExpressionAttributeValues=values, Limit=100
    )
    return list(response["Items"])


def apply_data_retention(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Each activity shard's page of inactive users, then each analytics shard's page of old records."""
    cutoff = {":cutoff": {"S": "2000-01-01T00:00:00Z"}}
    inactive = [
        _index_page(
            PROFILE_TABLE,
            "UsersByLastActive",
            "activity_shard = :shard AND last_active_at <= :cutoff",
            {":shard": {"S": str(shard)}, **cutoff},
        )
        for shard in range(16)
    ]
    aged = [
        _index_page(
            table, index, "age_shard = :shard AND recorded_at < :cutoff", {":shard": {"S": str(shard)}, **cutoff}
        )
        for table, index in ((RECOMMENDATION_TABLE, "LogsByAge"), (ANCHORING_TABLE, "RecordsByAge"))
        for shard in range(8)
    ]
    return {"inactive_users": sum(map(len, inactive)), "analytics_records": sum(map(len, aged))}


CATEGORIES = [
    "TECH_SAAS",
    "EDUCATION",
    "FINANCE",
    "TRAVEL",
    "FOOD_BEVERAGE",
    "FASHION",
    "BEAUTY",
    "HOME",
    "ENTERTAINMENT",
    "GAMING",
    "SPORTS",
    "AUTOMOTIVE",
    "ELECTRONICS",
    "PETS",
    "MEDIA",
    "RETAIL",
    "SUSTAINABILITY",
    "BUSINESS_SERVICES",
    "OUTDOORS",
    "ARTS_CRAFTS",
]


def get_product_recommendations(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The user's profile, engagement and feedback in one BatchGetItem, the 20 candidate lists in another;
    the most viewed entries returned, unranked."""
    user = event["pathParameters"]["user_id"]
    state: dict[str, Any] = {
        PROFILE_TABLE: {"Keys": [_profile_key(user, "PROFILE")], "ConsistentRead": True},
        BEHAVIOR_TABLE: {
            "Keys": [
                {"pk": {"S": f"USER#{user}"}, "sk": {"S": "ENGAGEMENT"}},
                {"pk": {"S": f"USER#{user}"}, "sk": {"S": "RECOMMENDATION_FEEDBACK"}},
            ],
            "ConsistentRead": True,
        },
    }
    dynamodb.batch_get_item(RequestItems=state)
    keys = [{"pk": {"S": f"CANDIDATES#{category}"}, "sk": {"S": "CANDIDATES"}} for category in CATEGORIES]
    lists = dynamodb.batch_get_item(RequestItems={CATALOG_TABLE: {"Keys": keys}})["Responses"].get(CATALOG_TABLE, [])
    entries = [entry["M"] for item in lists for entry in item.get("entries", {}).get("L", [])]
    entries.sort(key=lambda entry: -int(entry["views"]["N"]))
    items = [{"product_id": entry["product_id"]["S"], "name": entry["name"]["S"]} for entry in entries[:10]]
    return {"statusCode": 200, "body": json.dumps({"items": items})}


def _feedback(event: dict[str, Any], operation: str, category: str) -> dict[str, Any]:
    user = event["pathParameters"]["user_id"]
    response = dynamodb.update_item(
        TableName=BEHAVIOR_TABLE,
        Key={"pk": {"S": f"USER#{user}"}, "sk": {"S": "FLOOR-FEEDBACK"}},
        UpdateExpression=f"{operation} not_interested :c SET updated_at = :now",
        ExpressionAttributeValues={":c": {"SS": [category]}, ":now": {"S": str(time.time())}},
        ReturnValues="ALL_NEW",
    )
    removed = response["Attributes"].get("not_interested", {}).get("SS", [])
    return {"statusCode": 200, "body": json.dumps({"user_id": user, "not_interested": sorted(removed)})}


def post_recommendation_feedback(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _feedback(event, "ADD", json.loads(event["body"])["category"])


def delete_recommendation_feedback(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _feedback(event, "DELETE", event["pathParameters"]["category"])


def refresh_product_candidates(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The 8 pending-views shards queried (nothing pending: nothing else to do)."""
    pending = 0
    for shard in range(8):
        response = dynamodb.query(
            TableName=CATALOG_TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"PENDING_VIEWS#{shard}"}},
            Limit=500,
        )
        pending += len(response["Items"])
    return {"pending_items": pending}


@cache
def _secrets() -> Any:
    return boto3.client("secretsmanager")


def _key(variable: str) -> bytes:
    return str(_secrets().get_secret_value(SecretId=os.environ[variable])["SecretString"]).encode()


def follow_click(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The key, then the click's ingestion read (a user without tracking consent: nothing is written)."""
    import base64
    import hashlib
    import hmac

    payload, _, _ = event["pathParameters"]["token"].partition(".")
    hmac.new(_key("SIGNING_KEY_SECRET_ARN"), f"click\n{payload}".encode(), hashlib.sha256).digest()
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    user = claims["u"]
    request: dict[str, Any] = {
        BEHAVIOR_TABLE: {"Keys": [_signals_key(user), _profile_key(user, "ENGAGEMENT")], "ConsistentRead": True},
        PROFILE_TABLE: {"Keys": [_profile_key(user, "CONSENT")], "ConsistentRead": True},
    }
    dynamodb.batch_get_item(RequestItems=request)
    return {"statusCode": 302, "headers": {"location": claims["t"]}, "body": ""}


def get_suppression(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import hashlib
    import hmac

    address = event["queryStringParameters"]["email"].strip().lower()
    digest = hmac.new(_key("SIGNING_KEY_SECRET_ARN"), f"suppression\n{address}".encode(), hashlib.sha256).hexdigest()
    found = dynamodb.get_item(
        TableName=os.environ["SUPPRESSION_TABLE_NAME"], Key={"pk": {"S": digest}}, ConsistentRead=True
    )
    return {"statusCode": 200, "body": json.dumps({"suppressed": "Item" in found})}


def _claims(token: str, key_variable: str, purpose: str) -> dict[str, Any]:
    import base64
    import hashlib
    import hmac

    payload, _, _ = token.partition(".")
    hmac.new(_key(key_variable), f"{purpose}\n{payload}".encode(), hashlib.sha256).digest()
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def show_unsubscribe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = _claims(event["pathParameters"]["token"], "UNSUBSCRIBE_KEY_SECRET_ARN", "unsubscribe")
    return {"statusCode": 200, "headers": {"content-type": "text/html"}, "body": f"<p>Stop {claims['s']}?</p>"}


def unsubscribe_user(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The key; the consent read (twice, as Nudge checks there is one first); the change with its history;
    the address; the stack's key and the suppression lookup; the confirmation."""
    import hashlib
    import hmac

    user = _claims(event["pathParameters"]["token"], "UNSUBSCRIBE_KEY_SECRET_ARN", "unsubscribe")["u"]
    for _ in range(2):
        dynamodb.get_item(TableName=PROFILE_TABLE, Key=_profile_key(user, "CONSENT"), ConsistentRead=True)
    consent = {**_profile_key(user, "CONSENT"), "marketing_emails": {"BOOL": False}, "version": {"N": "2"}}
    history = {**_profile_key(user, "CONSENT_HISTORY#2026-12-01#00"), "purpose": {"S": "marketing_emails"}}
    items: list[Any] = [{"Put": {"TableName": PROFILE_TABLE, "Item": item}} for item in (consent, history)]
    items.append(_activity(user))
    dynamodb.transact_write_items(TransactItems=items)
    profile = dynamodb.get_item(TableName=PROFILE_TABLE, Key=_profile_key(user, "PROFILE"), ConsistentRead=True)
    address = str(profile["Item"]["fields"]["M"]["email"]["S"])
    digest = hmac.new(_key("SIGNING_KEY_SECRET_ARN"), f"suppression\n{address}".encode(), hashlib.sha256).hexdigest()
    dynamodb.get_item(TableName=os.environ["SUPPRESSION_TABLE_NAME"], Key={"pk": {"S": digest}}, ConsistentRead=True)
    boto3.client("sesv2").send_email(
        FromEmailAddress=os.environ["NOTIFICATION_SENDER_ADDRESS"],
        Destination={"ToAddresses": [address]},
        Content={
            "Simple": {"Subject": {"Data": "Unsubscribed"}, "Body": {"Text": {"Data": "You've been unsubscribed."}}}
        },
        ConfigurationSetName=os.environ["NOTIFICATION_CONFIGURATION_SET"],
    )
    return {"statusCode": 200, "headers": {"content-type": "text/html"}, "body": "<p>Unsubscribed</p>"}


def _consents_email(consent: dict[str, Any] | None) -> bool:
    notifications = ((consent or {}).get("settings", {}).get("M", {}).get("personalized_notifications", {})).get(
        "M", {}
    )
    channels = notifications.get("channels", {}).get("M", {})
    return bool(notifications.get("enabled", {}).get("BOOL")) and bool(channels.get("email", {}).get("BOOL"))


def _campaign_page(campaign_id: str, items: list[dict[str, Any]], key: list[bytes]) -> None:
    """One scan page: consent and engagement in one read (the engagement holds the caps' counts), the
    suppression batch, then for each recipient (a weekly digest reader, the default) the item waiting in the
    digest and the digest's scheduled delivery."""
    import hashlib
    import hmac

    profiles = {item["pk"]["S"]: item["fields"]["M"].get("email", {}).get("S") for item in items}
    keys = [_profile_key(pk.removeprefix("USER#"), "CONSENT") for pk in profiles]
    request: dict[str, Any] = {
        PROFILE_TABLE: {"Keys": keys},
        BEHAVIOR_TABLE: {"Keys": [_profile_key(pk[5:], "ENGAGEMENT") for pk in profiles]},
    }
    found = dynamodb.batch_get_item(RequestItems=request)["Responses"] if profiles else {}
    consenting = {item["pk"]["S"] for item in found.get(PROFILE_TABLE, []) if _consents_email(item)}
    addresses = {str(profiles[pk]) for pk in consenting if profiles[pk]}
    if addresses:
        key[:] = key or [_key("SIGNING_KEY_SECRET_ARN")]
        hashes = [
            hmac.new(key[0], f"suppression\n{address}".encode(), hashlib.sha256).hexdigest() for address in addresses
        ]
        suppression = os.environ["SUPPRESSION_TABLE_NAME"]
        dynamodb.batch_get_item(RequestItems={suppression: {"Keys": [{"pk": {"S": digest}} for digest in hashes]}})
    for pk in consenting:
        for sk, status in ((f"DELIVERY#{campaign_id}#email", "digest_pending"), ("DELIVERY#digest#email", "scheduled")):
            item = {"pk": {"S": pk}, "sk": {"S": sk}, "status": {"S": status}}
            dynamodb.put_item(TableName=DELIVERY_TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")


def process_campaign_segment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The campaign, its segment item, template and segment read; the scan pages, each with its recipients and
    its checkpoint transaction; then the progress read and the campaign marked sent."""
    message = json.loads(event["Records"][0]["body"])
    campaign_id = message["campaign_id"]
    for pk, sk in (
        ("CAMPAIGN", campaign_id),
        (f"CAMPAIGN#{campaign_id}", "SEGMENT#0000"),
        ("TEMPLATE", "t"),
        ("SEGMENT", "s"),
    ):
        dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
    arguments: dict[str, Any] = {
        "TableName": PROFILE_TABLE,
        "Segment": message["segment"],
        "TotalSegments": message["total_segments"],
        "FilterExpression": "sk = :profile",
        "ExpressionAttributeValues": {":profile": {"S": "PROFILE"}},
        "Limit": 400,
    }
    key: list[bytes] = []
    while True:
        page = dynamodb.scan(**arguments)
        _campaign_page(campaign_id, page["Items"], key)
        segment_key = {"pk": {"S": f"CAMPAIGN#{campaign_id}"}, "sk": {"S": "SEGMENT#0000"}}
        checkpoint: Any = {
            "TableName": NOTIFICATION_TABLE,
            "Key": segment_key,
            "UpdateExpression": "SET checkpoint = :c",
        }
        checkpoint["ExpressionAttributeValues"] = {":c": {"S": json.dumps(page.get("LastEvaluatedKey"))}}
        dynamodb.transact_write_items(TransactItems=[{"Update": checkpoint}])
        if "LastEvaluatedKey" not in page:
            break
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    _campaign_counts(campaign_id)
    item = {"pk": {"S": "CAMPAIGN"}, "sk": {"S": f"floor-{campaign_id}"}, "status": {"S": "sent"}}
    dynamodb.put_item(TableName=NOTIFICATION_TABLE, Item=item)
    return {"batchItemFailures": []}


def sweep_due_notifications(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The due campaigns' Query, one Query per due-index shard, then one message per shard with something due."""
    now = {":now": {"S": "9999"}}
    dynamodb.query(
        TableName=NOTIFICATION_TABLE,
        KeyConditionExpression="pk = :pk AND sk <= :now",
        ExpressionAttributeValues={":pk": {"S": "DUE_CAMPAIGN"}, **now},
    )
    due = [
        shard
        for shard in range(16)
        if dynamodb.query(
            TableName=DELIVERY_TABLE,
            IndexName="DueDeliveries",
            KeyConditionExpression="due_shard = :shard AND due_at <= :now",
            ExpressionAttributeValues={":shard": {"S": str(shard)}, **now},
            Limit=1,
        )["Items"]
    ]
    for start in range(0, len(due), 10):
        entries: Any = [
            {"Id": str(shard), "MessageBody": json.dumps({"due_shard": str(shard)})} for shard in due[start:][:10]
        ]
        _sqs().send_message_batch(QueueUrl=os.environ["CAMPAIGN_QUEUE_URL"], Entries=entries)
    return {"campaigns_started": 0, "shards_queued": len(due)}


def get_template(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = {"pk": {"S": "TEMPLATE"}, "sk": {"S": event["pathParameters"]["template_id"]}}
    item = dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)["Item"]
    return {"statusCode": 200, "body": item["document"]["S"]}


def _change_campaign(event: dict[str, Any], status: str) -> tuple[str, dict[str, Any]]:
    """The campaign read, then its new state with the audit record in one transaction."""
    campaign_id = event["pathParameters"]["campaign_id"]
    key = {"pk": {"S": "CAMPAIGN"}, "sk": {"S": campaign_id}}
    item = dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True)["Item"]
    changed = item | {"status": {"S": status}}
    audit = {"pk": {"S": "AUDIT"}, "sk": {"S": f"{time.time():.6f}"}, "after": {"S": status}}
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": NOTIFICATION_TABLE, "Item": changed}},
            {"Put": {"TableName": AUDIT_TABLE, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    return campaign_id, changed


def send_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The change, the fan-out's segments in one transaction, a message per segment, the counters."""
    campaign_id, _ = _change_campaign(event, "sending")
    segments = int(os.environ.get("CAMPAIGN_SEGMENTS", "32"))
    puts = [
        {
            "Put": {
                "TableName": NOTIFICATION_TABLE,
                "Item": {"pk": {"S": f"FLOOR#{campaign_id}"}, "sk": {"S": f"SEGMENT#{index}"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for index in range(segments)
    ]
    dynamodb.transact_write_items(TransactItems=puts)  # type: ignore[arg-type]
    for start in range(0, segments, 10):
        entries: Any = [
            {"Id": str(index), "MessageBody": json.dumps({"campaign_id": campaign_id, "segment": index})}
            for index in range(start, min(start + 10, segments))
        ]
        _sqs().send_message_batch(QueueUrl=os.environ["CAMPAIGN_QUEUE_URL"], Entries=entries)
    _campaign_counts(campaign_id)
    return {"statusCode": 202, "body": json.dumps({"campaign_id": campaign_id, "status": "sending"})}


def cancel_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    campaign_id, _ = _change_campaign(event, "cancelled")
    _campaign_counts(campaign_id)
    return {"statusCode": 200, "body": json.dumps({"campaign_id": campaign_id, "status": "cancelled"})}


def lift_suppression(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The key, the address's item, then its lifting with the audit record in one transaction."""
    import hashlib
    import hmac

    address = event["queryStringParameters"]["email"].strip().lower()
    digest = hmac.new(_key("SIGNING_KEY_SECRET_ARN"), f"suppression\n{address}".encode(), hashlib.sha256).hexdigest()
    table = os.environ["SUPPRESSION_TABLE_NAME"]
    dynamodb.get_item(TableName=table, Key={"pk": {"S": digest}}, ConsistentRead=True)
    audit = {"pk": {"S": "AUDIT"}, "sk": {"S": f"{time.time():.6f}"}, "target": {"S": digest}}
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": digest}},
                    "UpdateExpression": "REMOVE since",
                }
            },
            {"Put": {"TableName": AUDIT_TABLE, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    return {"statusCode": 200, "body": json.dumps({"suppressed": False})}


def get_notification_explanation(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The delivery through the notification index, then it, its campaign, template and segment."""
    found = dynamodb.query(
        TableName=DELIVERY_TABLE,
        IndexName="DeliveriesByNotification",
        KeyConditionExpression="notification_id = :id",
        ExpressionAttributeValues={":id": {"S": event["pathParameters"]["notification_id"]}},
    )["Items"][0]
    delivery = dynamodb.get_item(TableName=DELIVERY_TABLE, Key={"pk": found["pk"], "sk": found["sk"]})["Item"]
    campaign = delivery.get("campaign_id", {"S": "bench-campaign"})["S"]
    documents = []
    for kind, name in (("CAMPAIGN", campaign), ("TEMPLATE", "demo-survey-invite"), ("SEGMENT", "bench-everyone")):
        key = {"pk": {"S": kind}, "sk": {"S": name}}
        documents.append(dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True).get("Item"))
    return {"statusCode": 200, "body": json.dumps({"found": [bool(document) for document in documents]})}


def _get_document(kind: str, name: str) -> dict[str, Any] | None:
    key = {"pk": {"S": kind}, "sk": {"S": name}}
    return dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=key, ConsistentRead=True).get("Item")


def _start_triggered(campaign_id: str, segment_id: str, template_id: str) -> dict[str, Any]:
    """As a trigger starts its campaign through the admin code: the template, the unchanged segment, no campaign
    yet; the draft created (its segment and template read again, its counters), then sent."""
    _get_document("TEMPLATE", template_id)
    _get_document("SEGMENT", segment_id)
    _get_document("CAMPAIGN", campaign_id)
    for kind, name in (("SEGMENT", segment_id), ("TEMPLATE", template_id)):
        _get_document(kind, name)
    draft = json.dumps({"campaign_id": campaign_id, "segment_id": segment_id, "template_id": template_id})
    item = {"pk": {"S": "CAMPAIGN"}, "sk": {"S": campaign_id}, "document": {"S": draft}}
    audit = {"pk": {"S": "AUDIT"}, "sk": {"S": f"{time.time():.6f}"}, "after": {"S": draft}}
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": NOTIFICATION_TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": AUDIT_TABLE, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    _campaign_counts(campaign_id)
    event = {"pathParameters": {"campaign_id": campaign_id}}
    send_campaign(event, None)
    return {"outcome": "started", "campaign_id": campaign_id}


def start_product_launch_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail = event["detail"]
    segment = f"product-launch-{detail['category'].lower()}"
    return _start_triggered(f"product-launch-{detail['product_id']}", segment, os.environ["PRODUCT_LAUNCH_TEMPLATE_ID"])


def start_survey_invite_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail = event["detail"]
    segment = f"survey-invite-{detail['category'].lower()}"
    return _start_triggered(f"survey-invite-{detail['survey_id']}", segment, os.environ["SURVEY_INVITE_TEMPLATE_ID"])


def start_weekly_summary_campaign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import datetime

    year, week, _ = datetime.datetime.fromisoformat(event["time"]).isocalendar()
    campaign_id = f"weekly-summary-{year}-W{week:02d}"
    return _start_triggered(campaign_id, "weekly-summary", os.environ["WEEKLY_SUMMARY_TEMPLATE_ID"])


def send_survey_reminders(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The reminder template's GetItem, then one Query per shard of the due survey reminders (none due)."""
    from datetime import UTC, datetime, timedelta

    template = {"pk": {"S": "TEMPLATE"}, "sk": {"S": os.environ["SURVEY_REMINDER_TEMPLATE_ID"]}}
    dynamodb.get_item(TableName=NOTIFICATION_TABLE, Key=template, ConsistentRead=True)
    by = (datetime.now(UTC) - timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    due = 0
    for shard in range(16):
        due += dynamodb.query(
            TableName=DELIVERY_TABLE,
            IndexName="SurveyRemindersDue",
            KeyConditionExpression="reminder_shard = :shard AND reminder_started_at <= :by",
            ExpressionAttributeValues={":shard": {"S": str(shard)}, ":by": {"S": by}},
            Limit=100,
        )["Count"]
    return {"due": due}
