"""The least-privilege checker: what IAM authorizes each call as, and IAM's matching of statements."""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.permissions import Access, AwsCall, Policies, Statement, accesses
from local_runtime.template import Template

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/"


def _policies(*statements: dict[str, Any]) -> Policies:
    return Policies({"Fn": [Statement.parse(statement) for statement in statements]})


def _allows(policies: Policies, action: str, resource: str) -> bool:
    return policies.allows("Fn", Access(action, resource))


def test_actions_match_with_wildcards_and_ignoring_case() -> None:
    policies = _policies({"Effect": "Allow", "Action": ["dynamodb:Get*", "SQS:SendMessage?"], "Resource": "*"})

    assert _allows(policies, "dynamodb:GetItem", TABLE + "t")
    assert _allows(policies, "DynamoDB:getitem", TABLE + "t")
    assert _allows(policies, "sqs:SendMessages", "arn:aws:sqs:us-east-1:123456789012:q")
    assert not _allows(policies, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")
    assert not _allows(policies, "dynamodb:PutItem", TABLE + "t")


def test_resources_match_with_wildcards_and_case() -> None:
    resources = [TABLE + "t", TABLE + "t/index/*"]
    policies = _policies({"Effect": "Allow", "Action": "dynamodb:Query", "Resource": resources})

    assert _allows(policies, "dynamodb:Query", TABLE + "t")
    assert _allows(policies, "dynamodb:Query", TABLE + "t/index/ByUser")
    assert not _allows(policies, "dynamodb:Query", TABLE + "T")
    assert not _allows(policies, "dynamodb:Query", TABLE + "t2")
    assert not _allows(policies, "dynamodb:Query", TABLE + "other/index/ByUser")


def test_an_explicit_deny_wins_and_not_action_excludes() -> None:
    policies = _policies(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE + "audit"},
        {"Effect": "Allow", "NotAction": "sqs:*", "Resource": "arn:aws:sns:*"},
    )

    assert _allows(policies, "dynamodb:DeleteItem", TABLE + "t")
    assert not _allows(policies, "dynamodb:DeleteItem", TABLE + "audit")
    assert _allows(policies, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:topic")
    assert not _allows(policies, "sqs:SendMessage", "arn:aws:sns:us-east-1:123456789012:topic")
    assert not Policies({}).allows("Fn", Access("dynamodb:GetItem", TABLE + "t"))


def test_conditions_are_refused_rather_than_ignored() -> None:
    with pytest.raises(ValueError, match="conditions are not evaluated"):
        Statement.parse({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {}}})


def test_a_transaction_needs_each_items_action_on_its_table() -> None:
    items = [
        {"Put": {"TableName": "a"}},
        {"Update": {"TableName": "b"}},
        {"Delete": {"TableName": "a"}},
        {"ConditionCheck": {"TableName": "c"}},
    ]

    assert accesses("dynamodb", "TransactWriteItems", {"TransactItems": items}) == (
        Access("dynamodb:PutItem", TABLE + "a"),
        Access("dynamodb:UpdateItem", TABLE + "b"),
        Access("dynamodb:DeleteItem", TABLE + "a"),
        Access("dynamodb:ConditionCheckItem", TABLE + "c"),
    )
    assert accesses("dynamodb", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "a"}}]}) == (
        Access("dynamodb:GetItem", TABLE + "a"),
    )


def test_batches_need_their_action_on_every_table_and_indexes_are_their_own_resource() -> None:
    assert accesses("dynamodb", "BatchGetItem", {"RequestItems": {"a": {}, "b": {}}}) == (
        Access("dynamodb:BatchGetItem", TABLE + "a"),
        Access("dynamodb:BatchGetItem", TABLE + "b"),
    )
    assert accesses("dynamodb", "BatchWriteItem", {"RequestItems": {"a": []}}) == (
        Access("dynamodb:BatchWriteItem", TABLE + "a"),
    )
    assert accesses("dynamodb", "Scan", {"TableName": "a", "IndexName": "UserStates"}) == (
        Access("dynamodb:Scan", TABLE + "a/index/UserStates"),
    )
    assert accesses("dynamodb", "GetItem", {"TableName": TABLE + "named-by-arn"}) == (
        Access("dynamodb:GetItem", TABLE + "named-by-arn"),
    )


def test_queue_bus_and_topic_calls_name_their_arns() -> None:
    url = "http://127.0.0.1:5000/123456789012/jobs"
    queue = "arn:aws:sqs:us-east-1:123456789012:jobs"

    assert accesses("sqs", "SendMessage", {"QueueUrl": url}) == (Access("sqs:SendMessage", queue),)
    assert accesses("sqs", "SendMessageBatch", {"QueueUrl": url}) == (Access("sqs:SendMessage", queue),)
    assert accesses("sqs", "GetQueueUrl", {"QueueName": "jobs"}) == (Access("sqs:GetQueueUrl", queue),)
    entries = [{"EventBusName": "nudge"}, {}, {"EventBusName": "nudge"}]
    assert accesses("events", "PutEvents", {"Entries": entries}) == (
        Access("events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/default"),
        Access("events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/nudge"),
    )
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    assert accesses("sns", "Publish", {"TopicArn": topic}) == (Access("sns:Publish", topic),)
    assert accesses("sts", "GetCallerIdentity", {}) == (Access("sts:GetCallerIdentity", "*"),)


def test_role_policies_are_read_from_the_translated_template_with_intrinsics_resolved() -> None:
    translated = {
        "Resources": {
            "Jobs": {"Type": "AWS::DynamoDB::Table"},
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}}},
            "FnRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyName": "p0",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["dynamodb:GetItem"],
                                        "Resource": {
                                            "Fn::Sub": [
                                                "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:"
                                                "table/${tableName}",
                                                {"tableName": {"Ref": "Jobs"}},
                                            ]
                                        },
                                    },
                                    {
                                        "Effect": "Allow",
                                        "Action": "sqs:SendMessage*",
                                        "Resource": {
                                            "Fn::Sub": [
                                                "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${q}",
                                                {"q": {"Fn::GetAtt": ["Queue", "QueueName"]}},
                                            ]
                                        },
                                    },
                                ]
                            },
                        }
                    ]
                },
            },
        }
    }
    policies = Policies.of_translated(translated, Template("stack", {"Resources": {}}))
    call = AwsCall(
        "Fn",
        "dynamodb:TransactGetItems",
        (Access("dynamodb:GetItem", TABLE + "stack-Jobs"), Access("dynamodb:GetItem", TABLE + "stack-Other")),
    )

    assert policies.allows("Fn", Access("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:stack-Queue"))
    assert [denial.access.resource for denial in policies.denials(call)] == [TABLE + "stack-Other"]


def test_kms_calls_are_authorized_against_the_key_an_alias_names() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-001122334455"
    aliases = {"alias/stack/secrets": key}
    alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/stack/secrets"

    for named in ("alias/stack/secrets", alias_arn, key, "0f1e2d3c-aaaa-bbbb-cccc-001122334455"):
        assert accesses("kms", "Decrypt", {"KeyId": named}, aliases) == (Access("kms:Decrypt", key),), named
    assert accesses("kms", "GenerateDataKey", {"KeyId": "alias/elsewhere"}, aliases) == (
        Access("kms:GenerateDataKey", "arn:aws:kms:us-east-1:123456789012:alias/elsewhere"),
    )
    # A Decrypt that leaves the key to the ciphertext cannot be told apart locally: only Resource "*" allows it.
    assert accesses("kms", "Decrypt", {"CiphertextBlob": b"..."}, aliases) == (Access("kms:Decrypt", "*"),)


def test_the_templates_aliases_map_to_their_keys_arns() -> None:
    translated = {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "ByRef": {"Type": "AWS::KMS::Alias", "Properties": {"AliasName": "alias/a", "TargetKeyId": {"Ref": "Key"}}},
            "ByArn": {
                "Type": "AWS::KMS::Alias",
                "Properties": {
                    "AliasName": {"Fn::Sub": "alias/${AWS::StackName}/b"},
                    "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                },
            },
        }
    }
    template = Template("stack", translated)
    key = template.get_att("Key", "Arn")

    assert Policies.of_translated(translated, template).key_aliases == {"alias/a": key, "alias/stack/b": key}


def test_channel_sends_name_what_iam_authorizes_them_on() -> None:
    whatsapp = {"originationPhoneNumberId": "phone-number-id-0123abcd", "message": b"{}", "metaApiVersion": "v20.0"}
    assert accesses("social-messaging", "SendWhatsAppMessage", whatsapp) == (
        Access(
            "social-messaging:SendWhatsAppMessage",
            "arn:aws:social-messaging:us-east-1:123456789012:phone-number-id/0123abcd",
        ),
    )
    by_arn = {**whatsapp, "originationPhoneNumberId": "arn:aws:social-messaging:eu-west-1:1:phone-number-id/9f"}
    assert accesses("social-messaging", "SendWhatsAppMessage", by_arn)[0].resource == by_arn["originationPhoneNumberId"]
    # Publishing to a phone number has no resource ARN: IAM grants it on "*".
    assert accesses("sns", "Publish", {"PhoneNumber": "+14155550100", "Message": "Hi"}) == (Access("sns:Publish", "*"),)
