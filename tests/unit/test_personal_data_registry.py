"""The personal-data registry against template.yaml: no table can be forgotten, none invented."""

import copy

from local_runtime.template import Template
from nudge.privacy.registry import REGISTRY
from nudge.users.personal_data import HoldsPersonalData


def tables(template: Template) -> set[str]:
    return set(template.resources_of_type("AWS::DynamoDB::Table"))


def gaps(template: Template) -> tuple[set[str], set[str]]:
    """(tables without an entry, entries without a table)."""
    return tables(template) - set(REGISTRY), set(REGISTRY) - tables(template)


def test_every_table_of_the_template_has_an_entry_and_every_entry_a_table() -> None:
    missing, unknown = gaps(Template.load())
    assert not missing, f"add these tables to nudge/privacy/registry.py: {sorted(missing)}"
    assert not unknown, f"nudge/privacy/registry.py names tables template.yaml does not have: {sorted(unknown)}"


def test_a_new_table_without_an_entry_is_reported() -> None:
    template = Template.load()
    template.data = copy.deepcopy(template.data)
    template.data["Resources"]["SurveyTable"] = copy.deepcopy(template.data["Resources"]["BehaviorTable"])
    del template.data["Resources"]["JobTable"]

    assert gaps(template) == ({"SurveyTable"}, {"JobTable"})


def test_the_tables_holding_personal_data_are_the_ones_users_have_items_in() -> None:
    holding = {table for table, entry in REGISTRY.items() if isinstance(entry, HoldsPersonalData)}
    assert holding == {
        "BehaviorTable",
        "RecommendationTable",
        "AnchoringTable",
        "AuditTable",
        "ProfileTable",
        "IdempotencyTable",
        "SensitiveAttributeTable",
        "SurveyResponseTable",
        "DeliveryTable",
    }


def test_the_recommendation_feedback_is_registered_exported_and_erased_with_the_behavior_partition() -> None:
    from nudge.behavior.behavior_export import BehaviorExport
    from nudge.behavior.behavior_table import FEEDBACK_SK, STATE_KINDS

    entry = REGISTRY["BehaviorTable"]
    assert isinstance(entry, HoldsPersonalData)
    assert "removed from their product recommendations" in entry.holds
    assert STATE_KINDS[FEEDBACK_SK] in BehaviorExport.model_fields  # its own export section, not other_items
    catalog = REGISTRY["CatalogTable"]
    assert not isinstance(catalog, HoldsPersonalData)
    assert "view counts" in catalog.reason
