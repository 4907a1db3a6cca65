"""What the audit table holds about a user, as an export shows it (loaded only by the export)."""

from pydantic import Field

from nudge.audit.records import AuditRecord
from nudge.users.personal_data import ExportSection


class AuditExport(ExportSection):
    about_user: list[AuditRecord] = Field(description="Admin actions on the user, oldest first")
    by_user: list[AuditRecord] = Field(description="Admin actions the user took, oldest first")
