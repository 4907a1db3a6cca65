"""The channels Nudge sends on, apart from the message models: the ledger, the rules and the caps name a
channel without loading what a sender sends."""

from typing import Literal

Channel = Literal["email", "sms", "whatsapp"]
