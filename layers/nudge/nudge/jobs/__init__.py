"""Background jobs: the nightly archetype recalculation and the log of its runs."""
