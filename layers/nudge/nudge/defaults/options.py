"""The transaction options a date-change request can be settled with."""

from typing import Literal

OptionType = Literal["buyout", "crash", "swap"]
"""buyout: pay for the nights outright; crash: share the nights; swap: trade nights."""
