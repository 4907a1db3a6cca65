"""An erasure request, as the erasure table keeps it (its receipt) and as the API shows it."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from nudge.models import NudgeModel
from nudge.users.personal_data import Erasure

ErasureStatus = Literal["pending", "running", "completed", "failed"]
RequestedBy = Literal["user", "admin", "retention"]
Confirmation = Literal["sent", "no_address"]
IN_PROGRESS: frozenset[str] = frozenset({"pending", "running"})


class ErasureAccepted(NudgeModel):
    """The answer to an erasure request: it runs as a job; its status is at GET /v1/admin/erasures/{id}."""

    erasure_id: str
    status: ErasureStatus


class ErasureView(NudgeModel):
    erasure_id: str
    status: ErasureStatus
    requested_by: RequestedBy = Field(description="The user themself, an admin, or the retention job")
    requested_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    attempts: int = Field(default=0, description="Worker attempts so far (each resumes where the last stopped)")
    tables: dict[str, Erasure] = Field(
        default_factory=dict, description="Logical table id -> what was deleted or anonymized, as each table finished"
    )
    event_published_at: datetime | None = Field(default=None, description="When user.erased went on the bus")
    confirmation: Confirmation | None = Field(
        default=None, description="The confirmation email: sent, or no address on file"
    )
    failed_step: str | None = Field(default=None, description="Where the last failed attempt stopped")


class ErasureReceipt(ErasureView):
    """The stored record. It names the user only by `subject`, a keyed hash of their id."""

    subject: str
