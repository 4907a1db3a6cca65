"""Behavioral events and the per-user signal aggregates they feed."""
