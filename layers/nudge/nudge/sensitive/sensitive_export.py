"""What the sensitive attribute table holds about a user, as an export shows it (loaded only by the export)."""

from __future__ import annotations

from pydantic import Field

from nudge.sensitive.attribute_models import SensitiveAttributeRecord
from nudge.users.personal_data import ExportSection


class SensitiveAttributeExport(ExportSection):
    attributes: list[SensitiveAttributeRecord] = Field(
        description="Names and consent times, without values: those are decrypted for the user alone (reveal_for_owner)"
    )
