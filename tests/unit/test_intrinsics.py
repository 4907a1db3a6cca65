"""Ref and Fn::GetAtt resolve per resource type as CloudFormation documents them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local_runtime.intrinsics import Resolver, UnsupportedIntrinsic
from local_runtime.template import Template

ARN_PREFIX = "arn:aws:{service}:us-east-1:123456789012:"


def _template(resources: dict[str, Any]) -> Template:
    return Template(stack_name="stack", data={"Resources": resources, "Parameters": {}, "Conditions": {}})


def _arn(service: str, resource: str) -> str:
    return ARN_PREFIX.format(service=service) + resource


def test_dynamodb_table_ref_is_its_name_and_getatt_its_arns() -> None:
    template = _template(
        {
            "Plain": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Named": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "orders"}},
        }
    )
    streamed = _template({"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"StreamSpecification": {"A": 1}}}})

    assert template.ref("Plain") == "stack-Plain"
    assert template.ref("Named") == "orders"
    assert template.get_att("Named", "Arn") == _arn("dynamodb", "table/orders")
    assert streamed.get_att("T", "StreamArn").startswith(_arn("dynamodb", "table/stack-T/stream/"))
    with pytest.raises(UnsupportedIntrinsic, match="no StreamSpecification"):
        template.get_att("Plain", "StreamArn")


def test_sqs_queue_ref_is_its_url_and_getatt_its_arn_name_and_url() -> None:
    template = _template(
        {
            "Jobs": {"Type": "AWS::SQS::Queue"},
            "Ordered": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
        }
    )

    assert template.ref("Jobs") == "http://127.0.0.1/123456789012/stack-Jobs"
    assert template.get_att("Jobs", "QueueUrl") == template.ref("Jobs")
    assert template.get_att("Jobs", "Arn") == _arn("sqs", "stack-Jobs")
    assert template.get_att("Jobs", "QueueName") == "stack-Jobs"
    assert template.get_att("Ordered", "QueueName") == "stack-Ordered.fifo"


def test_sns_topic_ref_is_its_arn() -> None:
    template = _template({"Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}}})

    assert template.ref("Alerts") == _arn("sns", "alerts")
    assert template.get_att("Alerts", "TopicArn") == _arn("sns", "alerts")
    assert template.get_att("Alerts", "TopicName") == "alerts"


def test_kms_key_ref_is_a_key_id_and_getatt_its_arn() -> None:
    template = _template({"Key": {"Type": "AWS::KMS::Key"}})

    key_id = template.ref("Key")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", key_id)
    assert template.get_att("Key", "KeyId") == key_id
    assert template.get_att("Key", "Arn") == _arn("kms", f"key/{key_id}")
    assert _template({"Key": {"Type": "AWS::KMS::Key"}}).ref("Key") == key_id  # stable across loads


def test_ses_configuration_set_ref_is_its_name_and_has_no_attributes() -> None:
    template = _template({"Mail": {"Type": "AWS::SES::ConfigurationSet", "Properties": {"Name": "nudge-mail"}}})

    assert template.ref("Mail") == "nudge-mail"
    with pytest.raises(UnsupportedIntrinsic, match=r"Mail\.Arn \(AWS::SES::ConfigurationSet\)"):
        template.get_att("Mail", "Arn")


def test_event_bus_ref_is_its_name_and_getatt_its_arn_and_name() -> None:
    template = _template({"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "nudge-events"}}})

    assert template.ref("Bus") == "nudge-events"
    assert template.get_att("Bus", "Name") == "nudge-events"
    assert template.get_att("Bus", "Arn") == _arn("events", "event-bus/nudge-events")


def test_events_rule_ref_is_its_name_prefixed_by_a_custom_bus() -> None:
    template = _template(
        {
            "Nightly": {"Type": "AWS::Events::Rule", "Properties": {"Name": "nightly"}},
            "OnBus": {"Type": "AWS::Events::Rule", "Properties": {"Name": "on-bus", "EventBusName": "nudge-events"}},
        }
    )

    assert template.ref("Nightly") == "nightly"
    assert template.get_att("Nightly", "Arn") == _arn("events", "rule/nightly")
    assert template.ref("OnBus") == "nudge-events|on-bus"
    assert template.get_att("OnBus", "Arn") == _arn("events", "rule/nudge-events/on-bus")


def test_scheduler_schedule_ref_is_its_name_and_getatt_its_arn_in_its_group() -> None:
    template = _template(
        {
            "Daily": {"Type": "AWS::Scheduler::Schedule", "Properties": {}},
            "Grouped": {"Type": "AWS::Scheduler::Schedule", "Properties": {"Name": "g", "GroupName": "jobs"}},
        }
    )

    assert template.ref("Daily") == "stack-Daily"
    assert template.get_att("Daily", "Arn") == _arn("scheduler", "schedule/default/stack-Daily")
    assert template.get_att("Grouped", "Arn") == _arn("scheduler", "schedule/jobs/g")


def test_lambda_function_ref_is_its_name_and_getatt_its_arn() -> None:
    template = _template(
        {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Sam": {"Type": "AWS::Serverless::Function", "Properties": {"FunctionName": "sam-fn"}},
        }
    )

    assert template.ref("Fn") == "stack-Fn"
    assert template.get_att("Fn", "Arn") == _arn("lambda", "function:stack-Fn")
    assert template.ref("Sam") == "sam-fn"
    assert template.get_att("Sam", "Arn") == _arn("lambda", "function:sam-fn")


def test_iam_role_ref_is_its_name_and_getatt_its_arn_with_path() -> None:
    template = _template({"Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/service/"}}})

    assert template.ref("Role") == "stack-Role"
    assert template.get_att("Role", "Arn") == "arn:aws:iam::123456789012:role/service/stack-Role"
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", template.get_att("Role", "RoleId"))


def test_cognito_pool_and_client_refs_are_their_ids() -> None:
    template = _template(
        {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "users"}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"ClientName": "web"}},
        }
    )

    pool_id = template.ref("Pool")
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool_id)
    assert template.get_att("Pool", "Arn") == _arn("cognito-idp", f"userpool/{pool_id}")
    assert template.get_att("Pool", "ProviderURL") == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert re.fullmatch(r"[0-9a-z]{26}", template.ref("Client"))
    assert template.get_att("Client", "ClientId") == template.ref("Client")
    assert template.get_att("Client", "Name") == "web"


def test_secret_ref_is_its_arn_and_ssm_parameter_ref_its_name() -> None:
    template = _template(
        {
            "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "cursor-key"}},
            "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/nudge/flag", "Type": "String"}},
        }
    )

    # The partial ARN: the emulator picks the random suffix CloudFormation would add.
    assert template.ref("Secret") == _arn("secretsmanager", "secret:cursor-key")
    assert template.get_att("Secret", "Id") == template.ref("Secret")
    assert template.ref("Param") == "/nudge/flag"
    assert template.get_att("Param", "Type") == "String"


def test_unknown_types_attributes_and_names_are_clear_errors() -> None:
    template = _template({"Widget": {"Type": "AWS::Example::Widget"}, "Jobs": {"Type": "AWS::SQS::Queue"}})

    with pytest.raises(UnsupportedIntrinsic, match=r"Ref to Widget \(AWS::Example::Widget\) is not supported"):
        template.ref("Widget")
    with pytest.raises(UnsupportedIntrinsic, match=r"Fn::GetAtt Jobs\.TopicArn \(AWS::SQS::Queue\)"):
        template.resolve({"Fn::GetAtt": ["Jobs", "TopicArn"]})
    with pytest.raises(UnsupportedIntrinsic, match="Missing is neither a parameter nor a resource"):
        template.resolve({"Fn::Sub": "${Missing}"})


def test_sub_and_getatt_strings_resolve_through_the_same_rules() -> None:
    template = _template({"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "b"}}})

    assert template.resolve({"Fn::Sub": "${Bus.Arn}|${Bus}"}) == _arn("events", "event-bus/b") + "|b"
    assert template.resolve({"Fn::GetAtt": "Bus.Arn"}) == _arn("events", "event-bus/b")


def test_kms_alias_ref_is_its_name_and_its_target_is_the_keys_id() -> None:
    template = _template(
        {
            "Key": {"Type": "AWS::KMS::Key"},
            "Alias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": {"Fn::Sub": "alias/${AWS::StackName}/k"}, "TargetKeyId": {"Ref": "Key"}},
            },
            "ByArn": {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": "alias/x", "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
            },
        }
    )

    assert template.ref("Alias") == "alias/stack/k"
    assert Resolver(template).alias_target_key_id("Alias") == template.ref("Key")
    assert Resolver(template).alias_target_key_id("ByArn") == template.ref("Key")
