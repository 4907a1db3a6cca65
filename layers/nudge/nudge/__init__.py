"""Nudge: behavioral personalization for marketplaces and survey platforms."""
