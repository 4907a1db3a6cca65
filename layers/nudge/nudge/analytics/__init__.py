"""Brands' survey analytics: incremental aggregates of consenting respondents, disclosed with a minimum segment size."""
