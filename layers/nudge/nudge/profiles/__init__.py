"""Profiles, consent and what Nudge derives about a user, protected by their choices."""
