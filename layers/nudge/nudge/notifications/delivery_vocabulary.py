"""The words campaigns and the delivery rules share: a campaign's priority and why a recipient was skipped. Apart
from the rules (nudge.notifications.delivery_rules), so reading or writing a campaign does not load them and the
profile models they decide over."""

from typing import Literal

Priority = Literal["low", "normal", "high", "urgent"]
SkipReason = Literal["no_consent", "channel_disabled", "frequency_cap", "suppressed", "no_address", "opted_out"]
SKIP_REASONS: tuple[SkipReason, ...] = (
    "no_consent",
    "channel_disabled",
    "frequency_cap",
    "suppressed",
    "no_address",
    "opted_out",
)
