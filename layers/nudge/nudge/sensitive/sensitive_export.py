"""What the sensitive attribute table holds about a user, as an export shows it (loaded only by the export)."""

from pydantic import Field

from nudge.sensitive.attribute_models import SensitiveAttribute, SensitiveAttributeRecord
from nudge.users.actor import Actor
from nudge.users.personal_data import ExportSection


class SensitiveAttributeExport(ExportSection):
    attributes: list[SensitiveAttributeRecord] = Field(
        description="Names and consent times, without values: those are decrypted for the user alone (reveal_for_owner)"
    )


class OwnersSensitiveAttributeExport(ExportSection):
    attributes: list[SensitiveAttribute] = Field(description="With their values: this export is the user's own")


def owners_export(actor: Actor, user_id: str) -> OwnersSensitiveAttributeExport:
    """The section of a user exporting their own data: every attribute decrypted (Forbidden for anyone else)."""
    from nudge.sensitive.attributes import reveal_for_owner
    from nudge.sensitive.envelope import kms_data_keys
    from nudge.sensitive.sensitive_table import sensitive_attribute_table

    revealed = reveal_for_owner(sensitive_attribute_table(), kms_data_keys, actor, user_id)
    return OwnersSensitiveAttributeExport(attributes=revealed)
